/**
 * Reverse-mode differentiation. Node ids increase in creation order, which is already a
 * topological order, so backward walks the reachable nodes by decreasing id, never recursing
 * (a chain of 100,000 ops works), and always accumulates (`grad +=`).
 */
import { binary, formatShape, NDArray, recycle, shapesEqual, type Shape } from "../tensor/index.js";
import { sumToShape } from "./broadcast.js";
import type { Node } from "./graph.js";
import { noGrad } from "./graph.js";
import { checkBackward, isAnomalyEnabled } from "./anomaly.js";
import { accumulateInPlace, freeze, isZeroed, ownGrad } from "./leaf-grad.js";
import { ops } from "./ops.js";
import type { Tensor } from "./tensor.js";

/** The nodes that `root` depends on through tensors that require a gradient, by decreasing id. */
function reachableNodes(root: Tensor): Node<Tensor>[] {
  const seen = new Set<Node<Tensor>>();
  const stack: Node<Tensor>[] = root.node ? [root.node] : [];
  while (stack.length > 0) {
    const node = stack.pop() as Node<Tensor>;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const input of node.inputs) if (input.node && !seen.has(input.node)) stack.push(input.node);
  }
  return [...seen].sort((a, b) => b.id - a.id);
}

/**
 * The table's ops, whose backward returns fresh arrays or aliases of its upstream gradient and
 * context, and keeps nothing: only their gradients go back to the pool. A user's op (`apply` is
 * public) may return a constant it holds, or keep g, so its arrays are never recycled.
 */
const BUILT_IN = new Set<object>(Object.values(ops));

/**
 * Which gradient buffers only the map holds, and the release of dead ones into the pool
 * (tensor/reuse.ts). `handedOut`: buffers already handed to a leaf or to the map this pass (a
 * second holder of one gets a copy); `sole`: of those, the ones fresh from a table op, handed out
 * once, not to a leaf. `dead`: addends replaced by their sum while a node's inputs are visited,
 * released only once the node is done (an op returning one fresh array for two inputs makes its
 * second holder known only then).
 */
class GradientBuffers {
  private readonly handedOut = new Set<ArrayBufferLike>();
  private readonly sole = new Set<ArrayBufferLike>();
  private readonly dead: NDArray[] = [];

  /** Whether `buffer` was handed to a leaf or to the map already this pass. */
  wasHandedOut(buffer: ArrayBufferLike): boolean {
    return this.handedOut.has(buffer);
  }

  /**
   * `buffer` is handed to one more holder: only the map's, when it is fresh from a table op
   * (`mapOnly`), may later recycle it; a second holder means nobody may.
   */
  handOut(buffer: ArrayBufferLike, fresh: boolean, mapOnly: boolean): void {
    this.handedOut.add(buffer);
    if (!fresh) this.sole.delete(buffer);
    else if (mapOnly) this.sole.add(buffer);
  }

  /** `buffer` may be held outside the map (a user's op kept it): never recycled. */
  keep(buffer: ArrayBufferLike): void {
    this.sole.delete(buffer);
  }

  /** grads[tensor] += grad; the two addends of a sum are dead once the node is done. */
  accumulate(grads: Map<Tensor, NDArray>, tensor: Tensor, grad: NDArray): void {
    const current = grads.get(tensor);
    if (current === undefined) {
      grads.set(tensor, grad);
      return;
    }
    const total = binary("add", current, grad);
    grads.set(tensor, total);
    this.dead.push(current, grad);
    this.sole.add(total.data.buffer);
  }

  /** A fresh table-op gradient a leaf did not keep: dead once the node is done. */
  discard(array: NDArray): void {
    this.sole.add(array.data.buffer);
    this.dead.push(array);
  }

  /** Recycle `array` if only the gradient map held it; its buffer is then no one's. */
  release(array: NDArray): void {
    const buffer = array.data.buffer;
    if (!this.sole.delete(buffer)) return;
    this.handedOut.delete(buffer);
    recycle(array.data);
  }

  /** Release the addends that sums replaced while the node's inputs were visited. */
  releaseDead(): void {
    for (const array of this.dead.splice(0)) this.release(array);
  }
}

function upstreamGradient(root: Tensor, grad: Tensor | undefined): NDArray {
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new Error(`backward: output has shape ${formatShape(root.shape)}; pass a gradient of that shape (implicit 1 only for one-element outputs)`);
    }
    return NDArray.full(root.shape, 1, root.dtype);
  }
  if (!shapesEqual(grad.shape, root.shape) || grad.dtype !== root.dtype) {
    throw new Error(`backward: gradient ${grad.dtype}${formatShape(grad.shape)} does not match output ${root.dtype}${formatShape(root.shape)}`);
  }
  return grad.value;
}

/**
 * Accumulate dL/d(leaf) into every leaf that `root` depends on. `wrap` makes a gradient array a
 * Tensor (the caller passes its constructor, so this file needs Tensor as a type only).
 */
export function runBackward(root: Tensor, grad: Tensor | undefined, wrap: (value: NDArray) => Tensor): void {
  if (!root.requiresGrad) {
    throw new Error("backward: the tensor does not require grad (no input had requiresGrad, or it was computed under noGrad)");
  }
  const grads = new Map<Tensor, NDArray>([[root, upstreamGradient(root, grad)]]);
  const nodes = reachableNodes(root);
  // Map each node back to the tensor it produced, to look up that tensor's gradient.
  const outputOf = new Map<Node<Tensor>, Tensor>();
  const register = (t: Tensor): void => {
    if (t.node) outputOf.set(t.node, t);
  };
  register(root);
  for (const node of nodes) node.inputs.forEach(register);

  // NOTE: a leaf's gradient is written in place only when every op in the graph is the table's:
  // a user's op's backward may return any array it can reach, a leaf's gradient included (and
  // the map would hold it while the leaf's array is written). The upstream gradient is read by
  // later nodes through views of it ([g, g], reshapes): a gradient passed as it is frozen.
  const inPlace = nodes.every((node) => BUILT_IN.has(node.op));
  freeze(grads.get(root) as NDArray);
  const buffers = new GradientBuffers();
  noGrad(() => {
    for (const node of nodes) {
      const context = node.context;
      if (context === null) {
        throw new Error(`backward: the graph through "${node.op.name}" was already freed; backward can run once per forward pass`);
      }
      const output = outputOf.get(node) as Tensor;
      const upstream = grads.get(output);
      grads.delete(output);
      node.context = null; // free the saved arrays as we go
      if (upstream === undefined) continue;
      const inputGrads = node.op.backward(upstream, context);
      const builtIn = BUILT_IN.has(node.op);
      const anomaly = isAnomalyEnabled();
      node.inputs.forEach((input, index) => {
        let inputGrad = inputGrads[index];
        if (!input.requiresGrad || inputGrad === null || inputGrad === undefined) return;
        if (anomaly) checkBackward(node.op.name, context.inputs, index, inputGrad, node.creation);
        // NOTE: only a gradient that the input broadcasts to is summed back; any other shape is
        // reported below, naming the op, rather than by the broadcast helper.
        if (node.op.broadcasts && broadcastsTo(input.shape, inputGrad.shape)) inputGrad = sumToShape(inputGrad, input.shape);
        if (!shapesEqual(inputGrad.shape, input.shape)) {
          throw new Error(
            `backward: op "${node.op.name}" returned a gradient of shape ${formatShape(inputGrad.shape)} for input ${index} of shape ${formatShape(input.shape)}`,
          );
        }
        if (inputGrad.dtype !== input.dtype) {
          throw new Error(`backward: op "${node.op.name}" returned a ${inputGrad.dtype} gradient for input ${index} of dtype ${input.dtype}`);
        }
        // NOTE: a leaf takes the array without a copy only when it is provably fresh: its
        // buffer is none of the upstream gradient, the op's inputs and output, or an array
        // already handed out (ops return g itself, reshapes of it, or [g, g]).
        const buffer = inputGrad.data.buffer;
        const fresh = !buffers.wasHandedOut(buffer) && buffer !== upstream.data.buffer && buffer !== context.output.data.buffer
          && context.inputs.every((x) => x.data.buffer !== buffer);
        buffers.handOut(buffer, fresh, !input.isLeaf && builtIn);
        if (!input.isLeaf) buffers.accumulate(grads, input, inputGrad);
        else {
          const kept = accumulateLeaf(input, inputGrad, { fresh, builtIn, inPlace }, wrap);
          if (!kept && fresh && builtIn) buffers.discard(inputGrad);
        }
      });
      buffers.releaseDead();
      // Unless an input's gradient shares it (a reshape of g, or g itself), g is now dead; a
      // user's op may have kept it.
      if (builtIn) buffers.release(upstream);
      else buffers.keep(upstream.data.buffer);
    }
  });
  if (root.isLeaf) accumulateLeaf(root, grads.get(root) as NDArray, { fresh: false, builtIn: false, inPlace }, wrap);
}

/** Whether an array of `shape` broadcasts to `target` (so a gradient of `target` sums back to it). */
function broadcastsTo(shape: Shape, target: Shape): boolean {
  const lead = target.length - shape.length;
  return lead >= 0 && shape.every((dim, axis) => dim === 1 || dim === target[lead + axis]);
}

/**
 * `leaf.grad += grad`, in an array no one else holds, so that gradients never alias op outputs
 * or each other: into the leaf's own array after a zeroGrad in place (leaf-grad.ts) when
 * `inPlace` allows it, else a new one: `grad` itself when it is `fresh` from the op, else a copy
 * or the sum. Zeros left by a zeroGrad in place count as no gradient (0 + g would turn a -0 into
 * +0). A new array is registered as the leaf's (writable after a later zeroGrad in place) unless
 * it is the array of a user's op (`builtIn` false), which may hold it. Returns whether the leaf
 * kept `grad`'s array.
 */
function accumulateLeaf(leaf: Tensor, grad: NDArray, how: { fresh: boolean; builtIn: boolean; inPlace: boolean }, wrap: (value: NDArray) => Tensor): boolean {
  const current = leaf.grad;
  const writable = how.inPlace && current !== null && current.value.data.buffer !== grad.data.buffer;
  if (writable && accumulateInPlace(leaf, grad)) return false;
  const base = current === null || isZeroed(leaf, grad) ? null : current.value;
  const adopted = base === null && how.fresh;
  leaf.grad = wrap(base !== null ? binary("add", base, grad) : adopted ? grad : grad.clone());
  if (!adopted || how.builtIn) ownGrad(leaf, leaf.grad);
  return adopted;
}
