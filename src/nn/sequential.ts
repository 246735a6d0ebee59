/**
 * `Sequential`: layers applied one after the other, as `torch.nn.Sequential`.
 *
 *   y = f_n(... f_2(f_1(x)))
 *
 * The layers are registered as children named by their position ("0", "1", ...), so a
 * parameter of the first layer is listed as `0.weight`, exactly as PyTorch names it, and
 * state dicts move between the two by name.
 */
import type { Tensor } from "../autograd/index.js";
import { Layer } from "./module.js";

export class Sequential extends Layer {
  private readonly list: Layer[] = [];

  constructor(...layers: Layer[]) {
    super();
    this.extend(layers);
  }

  /** Add a layer at the end; it is registered under the next index. */
  append(layer: Layer): this {
    if (!(layer instanceof Layer)) throw new TypeError(`Sequential: item ${this.list.length} is not a Layer`);
    this.registerModule(String(this.list.length), layer);
    this.list.push(layer);
    return this;
  }

  /** Add several layers at the end, in order (torch's `extend`). */
  extend(layers: Iterable<Layer>): this {
    for (const layer of layers) this.append(layer);
    return this;
  }

  /** The layers, in order. */
  get layers(): readonly Layer[] {
    return this.list;
  }

  get length(): number {
    return this.list.length;
  }

  /** The layer at `index` (negative counts from the end, as Python's indexing). */
  at(index: number): Layer {
    const layer = this.list.at(index);
    if (!layer) throw new RangeError(`Sequential: index ${index} is out of range for ${this.list.length} layers`);
    return layer;
  }

  /** x → f_1(x) → f_2(f_1(x)) → ...; the identity when there are no layers (as torch). */
  forward(x: Tensor): Tensor {
    let out = x;
    for (const layer of this.list) out = layer.forward(out);
    return out;
  }
}
