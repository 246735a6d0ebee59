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
 * grads[tensor] += grad. `sole` holds the buffers of gradients that only the map holds: the two
 * addends of a sum are then dead, and go back to the pool (tensor/reuse.ts); the sum takes their place.
 */
function accumulate(grads: Map<Tensor, NDArray>, tensor: Tensor, grad: NDArray, sole: Set<ArrayBufferLike>): void {
  const current = grads.get(tensor);
  if (current === undefined) {
    grads.set(tensor, grad);
    return;
  }
  const total = binary("add", current, grad);
  grads.set(tensor, total);
  for (const addend of [current, grad]) release(addend, sole);
  sole.add(total.data.buffer);
}

/** Recycle `array` if only the gradient map held it (its buffer is in `sole`), which it then leaves. */
function release(array: NDArray, sole: Set<ArrayBufferLike>): void {
  if (sole.delete(array.data.buffer)) recycle(array.data);
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

  // The buffers of gradients already handed to a leaf or to the map this pass: a second
  // holder of one of them gets a copy.
  const handedOut = new Set<ArrayBufferLike>();
  // Of those, the ones only the map holds (fresh from an op, handed out once, not to a leaf): an
  // intermediate result's gradient, dead once its node has used it (tensor/reuse.ts reuses it).
  const sole = new Set<ArrayBufferLike>();
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
        const fresh = !handedOut.has(buffer) && buffer !== upstream.data.buffer && buffer !== context.output.data.buffer
          && context.inputs.every((x) => x.data.buffer !== buffer);
        handedOut.add(buffer);
        if (!fresh) sole.delete(buffer);
        else if (!input.isLeaf) sole.add(buffer);
        if (input.isLeaf) accumulateLeaf(input, inputGrad, fresh, wrap);
        else accumulate(grads, input, inputGrad, sole);
      });
      // Unless an input's gradient shares it (a reshape of g, or g itself), g is now dead.
      if (sole.has(upstream.data.buffer)) handedOut.delete(upstream.data.buffer);
      release(upstream, sole);
    }
  });
  if (root.isLeaf) accumulateLeaf(root, grads.get(root) as NDArray, false, wrap);
}

/** Whether an array of `shape` broadcasts to `target` (so a gradient of `target` sums back to it). */
function broadcastsTo(shape: Shape, target: Shape): boolean {
  const lead = target.length - shape.length;
  return lead >= 0 && shape.every((dim, axis) => dim === 1 || dim === target[lead + axis]);
}

/**
 * `leaf.grad += grad`, in an array no one else holds, so that gradients never alias op outputs
 * or each other: `grad` itself when `owned` (fresh from the op), else a copy.
 */
function accumulateLeaf(leaf: Tensor, grad: NDArray, owned: boolean, wrap: (value: NDArray) => Tensor): void {
  leaf.grad = wrap(leaf.grad ? binary("add", leaf.grad.value, grad) : owned ? grad : grad.clone());
}
