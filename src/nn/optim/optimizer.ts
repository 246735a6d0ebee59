/**
 * `Optimizer`: the shared machinery of SGD, Adam and AdamW, as `torch.optim.Optimizer` with a
 * single parameter group. It holds the parameter list, the learning rate (a number, or a
 * function of the step for a schedule), the hyper-parameters, and a per-parameter state keyed
 * by the parameter itself: state never lives on a tensor.
 *
 * `step()` skips parameters whose `grad` is null (as torch does) and writes `param.data` in
 * place, under `noGrad`. Each element is computed in float64 and stored in the parameter's
 * dtype; the state's buffers (moments, momentum) have the parameter's shape and dtype.
 */
import { noGrad, type Tensor } from "../../autograd/index.js";
import { formatShape, NDArray, shapesEqual, type TypedArray } from "../../tensor/index.js";
import { zeroGrads, type ZeroGradOptions } from "../zero-grad.js";

/**
 * A fixed learning rate, or a schedule `lr(t)` where t is the number of steps already taken
 * (0 for the first call to `step()`), as a LambdaLR stepped after every optimizer step.
 */
export type LearningRate = number | ((step: number) => number);

/** Scalar hyper-parameters (momentum, betas, eps, weight decay, flags): JSON-serializable. */
export type HyperParameters = Record<string, number | boolean>;

/** What an optimizer remembers about one parameter. */
export interface ParameterState {
  /** Updates applied to this parameter so far (Adam's t). */
  step: number;
  /** Buffers shaped like the parameter, in its dtype, by torch's names (`exp_avg`, ...). */
  buffers: Map<string, NDArray>;
}

/** A snapshot of an optimizer: everything `loadStateDict` needs to continue bit-identically. */
export interface OptimizerStateDict {
  /** The optimizer that wrote it ("SGD", "Adam", "AdamW"); loading into another kind fails. */
  kind: string;
  /** Calls to `step()` so far: the argument of a learning-rate schedule. */
  stepCount: number;
  /** The learning rate, or null when it is a schedule (a function is not data). */
  lr: number | null;
  hyperParameters: HyperParameters;
  /** One entry per parameter, in the optimizer's order; null for one never updated. */
  parameters: (ParameterState | null)[];
}

function copyState(state: ParameterState, dtypeOf?: Tensor): ParameterState {
  const buffers = new Map<string, NDArray>();
  for (const [name, buffer] of state.buffers) buffers.set(name, buffer.astype(dtypeOf?.dtype ?? buffer.dtype));
  return { step: state.step, buffers };
}

export abstract class Optimizer<H extends HyperParameters = HyperParameters> {
  /** The name written into state dicts and checked when one is loaded. */
  readonly kind: string;
  readonly params: readonly Tensor[];
  lr: LearningRate;
  /** The hyper-parameters; replaced (as torch does) by those of a loaded state dict. */
  hyper: H;
  /** Calls to `step()` so far. */
  stepCount = 0;
  private readonly state = new Map<Tensor, ParameterState>();

  protected constructor(kind: string, params: Iterable<Tensor>, lr: LearningRate, hyper: H) {
    this.kind = kind;
    this.params = [...params];
    if (this.params.length === 0) throw new Error(`${kind}: got an empty parameter list`);
    const seen = new Set<Tensor>();
    this.params.forEach((p, i) => {
      if (!p.isLeaf) throw new Error(`${kind}: parameter ${i} ${formatShape(p.shape)} is not a leaf tensor; only leaves can be optimized`);
      if (seen.has(p)) throw new Error(`${kind}: parameter ${i} ${formatShape(p.shape)} appears twice in the parameter list`);
      seen.add(p);
    });
    if (typeof lr === "number") this.checkLr(lr);
    this.checkHyperParameters(hyper);
    this.lr = lr;
    this.hyper = hyper;
  }

  /** Throw a RangeError naming the optimizer and the value when a hyper-parameter is invalid. */
  protected abstract checkHyperParameters(hyper: H): void;

  /** The buffers a parameter's state holds under `hyper` (e.g. momentum_buffer iff momentum ≠ 0). */
  protected abstract expectedBuffers(hyper: H): readonly string[];

  /**
   * Update one parameter in place. `state.step` already counts this update; `grad` is the
   * parameter's gradient, never null, of the parameter's size.
   */
  protected abstract update(param: Tensor, grad: TypedArray, state: ParameterState, lr: number): void;

  private checkLr(lr: number): void {
    if (!Number.isFinite(lr) || lr < 0) throw new RangeError(`${this.kind}: invalid learning rate ${lr} (must be finite and >= 0)`);
  }

  /** The learning rate the next `step()` will use. */
  currentLr(): number {
    const lr = typeof this.lr === "number" ? this.lr : this.lr(this.stepCount);
    this.checkLr(lr);
    return lr;
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    const lr = this.currentLr();
    for (const [i, p] of this.params.entries()) {
      if (p.grad !== null && !shapesEqual(p.grad.shape, p.shape)) {
        throw new Error(`${this.kind}.step: parameter ${i} has shape ${formatShape(p.shape)} but its grad has ${formatShape(p.grad.shape)}`);
      }
    }
    noGrad(() => {
      for (const param of this.params) {
        if (param.grad === null) continue;
        let state = this.state.get(param);
        if (!state) {
          state = { step: 0, buffers: new Map() };
          this.state.set(param, state);
        }
        state.step += 1;
        this.update(param, param.grad.data, state, lr);
      }
    });
    this.stepCount += 1;
  }

  /**
   * Reset every parameter's gradient: set it to null (the default, torch 2's `set_to_none=True`),
   * or with `{ setToNone: false }` zero it in place for later backward passes to write into (what
   * a held `p.grad` then sees, and what `step()` does with zeros no backward reached:
   * `ZeroGradOptions`, nn/zero-grad.ts).
   */
  zeroGrad(options?: ZeroGradOptions): void {
    zeroGrads(this.kind, this.params, options);
  }

  /** The state of `param` (buffers shared, not copied), or undefined before its first update. */
  stateOf(param: Tensor): ParameterState | undefined {
    return this.state.get(param);
  }

  /** A buffer of the state, created as zeros of the parameter's shape and dtype when absent. */
  protected buffer(state: ParameterState, name: string, param: Tensor): TypedArray {
    let buffer = state.buffers.get(name);
    if (!buffer) {
      buffer = NDArray.zeros(param.shape, param.dtype);
      state.buffers.set(name, buffer);
    }
    return buffer.data;
  }

  /** A snapshot: buffers are copied, so later steps do not change it. */
  stateDict(): OptimizerStateDict {
    const state = this.params.map((p) => this.state.get(p));
    return {
      kind: this.kind,
      stepCount: this.stepCount,
      lr: typeof this.lr === "number" ? this.lr : null,
      hyperParameters: { ...this.hyper },
      parameters: state.map((s) => (s ? copyState(s) : null)),
    };
  }

  /**
   * Throw unless `dict` can be loaded: the kind, the number of parameters, the hyper-parameters
   * (same names and types, valid values), and each state's step and buffers (exactly the
   * expected names, each shaped like its parameter). `names` label parameters in the messages.
   */
  checkStateDict(dict: OptimizerStateDict, names?: readonly string[]): void {
    const label = (i: number): string => (names?.[i] !== undefined ? `"${names[i]}"` : `parameter ${i}`);
    const fail = (problem: string): never => {
      throw new Error(`${this.kind}.loadStateDict: ${problem}`);
    };
    if (dict.kind !== this.kind) fail(`the state was written by ${dict.kind}, not ${this.kind}`);
    if (dict.parameters.length !== this.params.length) fail(`the state has ${dict.parameters.length} parameters, the optimizer ${this.params.length}`);
    if (!Number.isSafeInteger(dict.stepCount) || dict.stepCount < 0) fail(`invalid stepCount ${dict.stepCount}`);
    if (dict.lr !== null) this.checkLr(dict.lr);
    const wanted = Object.keys(this.hyper).sort();
    const given = Object.keys(dict.hyperParameters).sort();
    if (wanted.join() !== given.join()) fail(`hyper-parameters [${given.join(", ")}] differ from [${wanted.join(", ")}]`);
    for (const key of wanted) {
      if (typeof dict.hyperParameters[key] !== typeof this.hyper[key]) fail(`hyper-parameter ${key} is ${typeof dict.hyperParameters[key]}, expected ${typeof this.hyper[key]}`);
    }
    this.checkHyperParameters(this.hyperOf(dict));
    const expected = [...this.expectedBuffers(this.hyperOf(dict))].sort();
    dict.parameters.forEach((entry, i) => {
      if (entry === null) return;
      const param = this.params[i] as Tensor;
      if (!Number.isSafeInteger(entry.step) || entry.step < 1) fail(`${label(i)}: invalid step ${entry.step}`);
      const present = [...entry.buffers.keys()].sort();
      if (present.join() !== expected.join()) fail(`${label(i)}: buffers [${present.join(", ")}], expected [${expected.join(", ")}]`);
      for (const [name, buffer] of entry.buffers) {
        if (!shapesEqual(buffer.shape, param.shape)) fail(`${label(i)}: buffer ${name} has shape ${formatShape(buffer.shape)}, the parameter ${formatShape(param.shape)}`);
      }
    });
  }

  /** The hyper-parameters of a state dict whose keys and value types `checkStateDict` checked. */
  private hyperOf(dict: OptimizerStateDict): H {
    // NOTE: the keys and value types match `this.hyper`, which is an H.
    return { ...dict.hyperParameters } as H;
  }

  /**
   * Restore a snapshot, after `checkStateDict` (nothing changes when it throws). Buffers are
   * copied in the parameter's dtype. As in torch, the saved hyper-parameters and a saved
   * numeric lr replace the current ones; a schedule (saved lr null) is kept.
   */
  loadStateDict(dict: OptimizerStateDict, names?: readonly string[]): void {
    this.checkStateDict(dict, names);
    this.hyper = this.hyperOf(dict);
    if (dict.lr !== null) this.lr = dict.lr;
    this.stepCount = dict.stepCount;
    this.state.clear();
    dict.parameters.forEach((entry, i) => {
      const param = this.params[i] as Tensor;
      if (entry !== null) this.state.set(param, copyState(entry, param));
    });
  }
}
