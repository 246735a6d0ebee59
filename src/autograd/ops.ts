/**
 * The op table: every differentiable primitive, its forward and its vector-Jacobian product
 * side by side. Everything else (mean, square, logSigmoid, the Gaussian KL, Linear) is composed
 * from these in `functional.ts` and above.
 *
 * Notation: `g` is dL/d(output); each backward returns dL/d(input) per input.
 */
import {
  affine,
  bceWithLogitsAndResidual,
  bceWithLogitsGrad,
  binary,
  broadcastTo,
  concat,
  conv2dAndWeightGrad,
  conv2dForward,
  conv2dInputGrad,
  conv2dWeightGrad,
  gather,
  inversePermutation,
  matmul,
  max,
  padSlice,
  permute,
  powScalar,
  recycle,
  reducedShape,
  reluGrad,
  reshape,
  scatterAdd,
  slice,
  sum,
  unary,
  where,
  NDArray,
  type ConvGeometry,
  type DType,
  type MatmulOptions,
  type Shape,
  type SliceRange,
} from "../tensor/index.js";
import { sumToShape } from "./broadcast.js";
import type { Binary, OpDef, Unary } from "./op.js";

const mul = (a: NDArray, b: NDArray): NDArray => binary("mul", a, b);
const div = (a: NDArray, b: NDArray): NDArray => binary("div", a, b);
const neg = (a: NDArray): NDArray => unary("neg", a);

// ---- elementwise binary (inputs broadcast; the engine sums gradients back) ----

const add: OpDef<Binary, undefined> = {
  name: "add",
  broadcasts: true,
  forward: ([a, b]) => binary("add", a, b),
  backward: (g) => [g, g], // d(a+b)/da = d(a+b)/db = 1
};

const sub: OpDef<Binary, undefined> = {
  name: "sub",
  broadcasts: true,
  forward: ([a, b]) => binary("sub", a, b),
  backward: (g, { needsGrad }) => [g, needsGrad[1] ? neg(g) : null], // d(a-b)/da = 1, d(a-b)/db = -1
};

const mulOp: OpDef<Binary, undefined> = {
  name: "mul",
  broadcasts: true,
  forward: ([a, b]) => mul(a, b),
  // d(ab)/da = b, d(ab)/db = a
  backward: (g, { inputs: [a, b], needsGrad }) => [needsGrad[0] ? mul(g, b) : null, needsGrad[1] ? mul(g, a) : null],
};

const divOp: OpDef<Binary, undefined> = {
  name: "div",
  broadcasts: true,
  forward: ([a, b]) => div(a, b),
  // d(a/b)/da = 1/b, d(a/b)/db = -a/b² = -out/b
  backward: (g, { inputs: [, b], output, needsGrad }) => [
    needsGrad[0] ? div(g, b) : null,
    needsGrad[1] ? neg(div(mul(g, output), b)) : null,
  ],
};

/**
 * maximum or minimum: the gradient goes to the winner, 1 where a wins, 0 where b wins, and is
 * split 1/2 each on ties (as torch.maximum / torch.minimum do).
 */
function extremum(name: "maximum" | "minimum", wins: "gt" | "lt"): OpDef<Binary, undefined> {
  return {
    name,
    broadcasts: true,
    forward: ([a, b]) => binary(name, a, b),
    backward: (g, { inputs: [a, b], needsGrad }) => {
      const shareA = binary("add", binary(wins, a, b), affine(binary("eq", a, b), 0.5, 0));
      return [needsGrad[0] ? mul(g, shareA) : null, needsGrad[1] ? mul(g, affine(shareA, -1, 1)) : null];
    },
  };
}

const maximum = extremum("maximum", "gt");
const minimum = extremum("minimum", "lt");

/** where(cond, a, b): the condition is a constant parameter; each branch gets g where it was chosen. */
const whereOp: OpDef<Binary, NDArray> = {
  name: "where",
  broadcasts: true,
  forward: ([a, b], cond) => where(cond, a, b),
  backward: (g, { params: cond, needsGrad }) => {
    const zero = NDArray.zeros([], g.dtype);
    return [needsGrad[0] ? where(cond, g, zero) : null, needsGrad[1] ? where(cond, zero, g) : null];
  },
};

// ---- elementwise unary ----

const negOp: OpDef<Unary, undefined> = {
  name: "neg",
  broadcasts: false,
  forward: ([x]) => neg(x),
  backward: (g) => [neg(g)],
};

const exp: OpDef<Unary, undefined> = {
  name: "exp",
  broadcasts: false,
  forward: ([x]) => unary("exp", x),
  backward: (g, { output }) => [mul(g, output)], // d/dx exp(x) = exp(x), saved as the output
};

const log: OpDef<Unary, undefined> = {
  name: "log",
  broadcasts: false,
  forward: ([x]) => unary("log", x),
  backward: (g, { inputs: [x] }) => [div(g, x)], // d/dx log(x) = 1/x
};

const sqrt: OpDef<Unary, undefined> = {
  name: "sqrt",
  broadcasts: false,
  forward: ([x]) => unary("sqrt", x),
  backward: (g, { output }) => [div(g, affine(output, 2, 0))], // d/dx √x = 1/(2√x)
};

const abs: OpDef<Unary, undefined> = {
  name: "abs",
  broadcasts: false,
  forward: ([x]) => unary("abs", x),
  backward: (g, { inputs: [x] }) => [mul(g, unary("sign", x))], // d/dx |x| = sign(x), 0 at 0
};

const relu: OpDef<Unary, undefined> = {
  name: "relu",
  broadcasts: false,
  forward: ([x]) => unary("relu", x),
  backward: (g, { output }) => [reluGrad(g, output)], // d/dx relu(x) = 1 where x > 0, else 0 (0 at the kink)
};

const sigmoid: OpDef<Unary, undefined> = {
  name: "sigmoid",
  broadcasts: false,
  forward: ([x]) => unary("sigmoid", x),
  // d/dx σ(x) = σ(x)(1 - σ(x)), from the saved output
  backward: (g, { output }) => [mul(g, mul(output, affine(output, -1, 1)))],
};

const softplus: OpDef<Unary, undefined> = {
  name: "softplus",
  broadcasts: false,
  forward: ([x]) => unary("softplus", x),
  backward: (g, { inputs: [x] }) => [mul(g, unary("sigmoid", x))], // d/dx log(1 + eˣ) = σ(x)
};

const silu: OpDef<Unary, undefined> = {
  name: "silu",
  broadcasts: false,
  forward: ([x]) => unary("silu", x),
  // d/dx x·σ(x) = σ(x) + x·σ(x)(1 - σ(x)) = y + σ(x)(1 - y), with y = x·σ(x) the saved output
  backward: (g, { inputs: [x], output }) => [mul(g, binary("add", output, mul(unary("sigmoid", x), affine(output, -1, 1))))],
};

const tanh: OpDef<Unary, undefined> = {
  name: "tanh",
  broadcasts: false,
  forward: ([x]) => unary("tanh", x),
  // d/dx tanh(x) = 1 - tanh²(x), from the saved output
  backward: (g, { output }) => [mul(g, affine(unary("square", output), -1, 1))],
};

const pow: OpDef<Unary, number> = {
  name: "pow",
  broadcasts: false,
  forward: ([x], exponent) => powScalar(x, exponent),
  // d/dx x^p = p x^(p-1); for p = 0 the derivative is 0 everywhere (not 0·x⁻¹, NaN at x = 0)
  backward: (g, { inputs: [x], params: p }) => [p === 0 ? NDArray.zeros(x.shape, x.dtype) : mul(g, affine(powScalar(x, p - 1), p, 0))],
};

const cast: OpDef<Unary, DType> = {
  name: "cast",
  broadcasts: false,
  forward: ([x], dtype) => x.astype(dtype),
  backward: (g, { inputs: [x] }) => [g.astype(x.dtype)],
};

// ---- losses ----

/**
 * What the BCE's forward leaves its backward: whether to keep the residual σ(l) - t (the logits
 * need a gradient), and the residual, where the kernel kept one (see bceWithLogitsAndResidual).
 */
export interface BceParams {
  keepResidual: boolean;
  residual: NDArray | null;
}

/**
 * Binary cross-entropy from logits, softplus(l) - t·l, elementwise: a primitive (not the
 * composite it equals) so that the Bernoulli likelihood is one pass forward and one back.
 * NOTE: the forward writes the residual into its params, where the backward reads it.
 */
const bceWithLogitsOp: OpDef<Binary, BceParams> = {
  name: "bceWithLogits",
  broadcasts: false,
  forward: ([logits, targets], saved) => {
    const { loss, residual } = bceWithLogitsAndResidual(logits, targets, saved.keepResidual);
    saved.residual = residual;
    return loss;
  },
  // d/dl = σ(l) - t, d/dt = -l. Only these params hold the residual: once used, it is given
  // back for reuse (tensor/reuse.ts), and a second call would compute from the logits.
  backward: (g, { inputs: [l, t], params: saved, needsGrad }) => {
    const gradLogits = needsGrad[0] ? bceWithLogitsGrad(g, l, t, saved.residual) : null;
    if (saved.residual !== null) recycle(saved.residual.data);
    saved.residual = null;
    return [gradLogits, needsGrad[1] ? neg(mul(g, l)) : null];
  },
};

/**
 * Softmax cross-entropy over the last axis of logits [batch, classes]: −log softmax(l)_y =
 * logSumExp(l) − l_y per example, [batch]. The labels are a constant parameter, given as the
 * flat positions i·classes + y_i of each example's label in the logits (so l_y is one gather).
 * The maximum is taken out before exp, so large logits do not overflow.
 */
const softmaxCrossEntropyOp: OpDef<Unary, NDArray> = {
  name: "softmaxCrossEntropy",
  broadcasts: false,
  forward: ([logits], labelPositions) => {
    const [batch] = logits.shape as [number, number];
    const m = max(logits, [1], true);
    const logSumExp = binary("add", unary("log", sum(unary("exp", binary("sub", logits, m)), [1], true)), m);
    return binary("sub", reshape(logSumExp, [batch]), gather(reshape(logits, [logits.size]), labelPositions, 0));
  },
  // d/dl_k = g · (softmax(l)_k − [k = y]); logSumExp is recovered as output + l_y.
  backward: (g, { inputs: [logits], output, params: labelPositions }) => {
    const [batch, classes] = logits.shape as [number, number];
    const logSumExp = binary("add", output, gather(reshape(logits, [logits.size]), labelPositions, 0));
    const softmax = unary("exp", binary("sub", logits, reshape(logSumExp, [batch, 1])));
    const oneHot = scatterAdd(g, labelPositions, 0, [logits.size]); // g at each label, 0 elsewhere
    return [binary("sub", mul(reshape(g, [batch, 1]), softmax), reshape(oneHot, [batch, classes]))];
  },
};

// ---- reductions ----

export interface ReduceParams {
  axes: number[];
  keepDims: boolean;
}

const sumOp: OpDef<Unary, ReduceParams> = {
  name: "sum",
  broadcasts: false,
  forward: ([x], { axes, keepDims }) => sum(x, axes, keepDims),
  // Every input element contributes once: the gradient is g copied back over the reduced axes.
  backward: (g, { inputs: [x], params: { axes } }) => [broadcastTo(reshape(g, reducedShape(x.shape, axes, true)), x.shape)],
};

const maxOp: OpDef<Unary, ReduceParams> = {
  name: "max",
  broadcasts: false,
  forward: ([x], { axes, keepDims }) => max(x, axes, keepDims),
  // The gradient goes to the maxima, shared evenly among ties (as torch.amax does).
  backward: (g, { inputs: [x], output, params: { axes } }) => {
    const keepShape = reducedShape(x.shape, axes, true);
    const isMax = binary("eq", x, reshape(output, keepShape));
    const count = sum(isMax, axes, true);
    return [mul(isMax, div(reshape(g, keepShape), count))];
  },
};

// ---- shape and layout ----

const reshapeOp: OpDef<Unary, Shape> = {
  name: "reshape",
  broadcasts: false,
  forward: ([x], shape) => reshape(x, shape),
  backward: (g, { inputs: [x] }) => [reshape(g, x.shape)],
};

const permuteOp: OpDef<Unary, number[]> = {
  name: "permute",
  broadcasts: false,
  forward: ([x], axes) => permute(x, axes),
  backward: (g, { params: axes }) => [permute(g, inversePermutation(axes))],
};

const expand: OpDef<Unary, Shape> = {
  name: "expand",
  broadcasts: false,
  forward: ([x], shape) => broadcastTo(x, shape),
  backward: (g, { inputs: [x] }) => [sumToShape(g, x.shape)],
};

const sliceOp: OpDef<Unary, SliceRange> = {
  name: "slice",
  broadcasts: false,
  forward: ([x], range) => slice(x, range),
  backward: (g, { inputs: [x], params: range }) => [padSlice(g, x.shape, range)],
};

const concatOp: OpDef<NDArray[], number> = {
  name: "concat",
  broadcasts: false,
  forward: (xs, axis) => concat(xs, axis),
  // Each input gets back its own stretch of the gradient along the axis.
  backward: (g, { inputs, params: axis }) => {
    let start = 0;
    return inputs.map((x) => {
      const end = start + (x.shape[axis] as number);
      const starts = g.shape.map((_, i) => (i === axis ? start : 0));
      const ends = g.shape.map((d, i) => (i === axis ? end : d));
      start = end;
      return slice(g, { starts, ends });
    });
  },
};

export interface GatherParams {
  indices: NDArray;
  axis: number;
}

const gatherOp: OpDef<Unary, GatherParams> = {
  name: "gather",
  broadcasts: false,
  forward: ([x], { indices, axis }) => gather(x, indices, axis),
  // A gathered slice's gradient is added back where it came from (indices may repeat).
  backward: (g, { inputs: [x], params: { indices, axis } }) => [scatterAdd(g, indices, axis, x.shape)],
};

// ---- matmul ----

/** A, B, and optionally a bias vector added to every row of the product. */
export type MatmulInputs = Binary | [NDArray, NDArray, NDArray];

const matmulOp: OpDef<MatmulInputs, MatmulOptions> = {
  name: "matmul",
  // Batch axes broadcast, and so does the bias over the rows: the engine sums their gradients back.
  broadcasts: true,
  forward: ([a, b, bias], options) => matmul(a, b, options, bias),
  // C = op(A)·op(B) + bias: d op(A) = G·op(B)ᵀ and d op(B) = op(A)ᵀ·G, each written with transpose
  // flags instead of copies (a stored-transposed operand gets the transpose of its gradient);
  // d bias = G, summed over the rows (and batch) by the engine.
  backward: (g, { inputs: [a, b, bias], params, needsGrad }) => {
    const tA = params.transposeA ?? false;
    const tB = params.transposeB ?? false;
    const gradA = !needsGrad[0] ? null
      : tA ? matmul(b, g, { transposeA: tB, transposeB: true }) // Aᵀ stored: dA = op(B)·Gᵀ
      : matmul(g, b, { transposeB: !tB }); // dA = G·op(B)ᵀ
    const gradB = !needsGrad[1] ? null
      : tB ? matmul(g, a, { transposeA: true, transposeB: tA }) // Bᵀ stored: dB = Gᵀ·op(A)
      : matmul(a, g, { transposeA: !tA }); // dB = op(A)ᵀ·G
    return bias === undefined ? [gradA, gradB] : [gradA, gradB, needsGrad[2] ? g : null];
  },
};

// ---- convolutions (NCHW; geometry and names in tensor/conv-shape.ts) ----

/** x, weight, and optionally a bias with one value per output channel. */
export type ConvInputs = Binary | [NDArray, NDArray, NDArray];

/** The gradient of a per-channel bias: g summed over batch and pixels. */
const channelSums = (g: NDArray): NDArray => sum(g, [0, 2, 3], false);

const conv2dOp: OpDef<ConvInputs, ConvGeometry> = {
  name: "conv2d",
  broadcasts: false,
  forward: ([x, w, bias], geometry) => conv2dForward(x, w, bias, geometry),
  // y = x ⋆ w + b: dx = g ⋆ᵀ w (the transposed convolution of g), dw[o,c,i,j] = Σ g[n,o,·,·]·x[n,c,·+i,·+j], db = Σ g
  backward: (g, { inputs: [x, w, bias], params: geometry, needsGrad }) => {
    const gradX = needsGrad[0] ? conv2dInputGrad(g, w, geometry) : null;
    const gradW = needsGrad[1] ? conv2dWeightGrad(x, g, geometry) : null;
    return bias === undefined ? [gradX, gradW] : [gradX, gradW, needsGrad[2] ? channelSums(g) : null];
  },
};

const convTranspose2dOp: OpDef<ConvInputs, ConvGeometry> = {
  name: "convTranspose2d",
  broadcasts: false,
  // The adjoint of conv2d with the same weight: y = x ⋆ᵀ w + b.
  forward: ([x, w, bias], geometry) => conv2dInputGrad(x, w, geometry, bias),
  // The adjoint's adjoint is the convolution: dx = g ⋆ w; the weight pairs g (the large image) with x.
  backward: (g, { inputs: [x, w, bias], params: geometry, needsGrad }) => {
    const [gradX, gradW] = conv2dAndWeightGrad(g, w, x, geometry, needsGrad[0] ?? false, needsGrad[1] ?? false);
    return bias === undefined ? [gradX, gradW] : [gradX, gradW, needsGrad[2] ? channelSums(g) : null];
  },
};

/**
 * The elementwise primitives of one tensor and no parameters: each is also a `Tensor` method of
 * its name (`x.exp()`), made from this list in `tensor.ts`, so a new one needs no method written.
 */
export const unaryOps = { neg: negOp, exp, log, sqrt, abs, relu, sigmoid, softplus, silu, tanh } satisfies Record<string, OpDef<Unary, undefined>>;

/**
 * The table. Adding a primitive means adding it here, to its public function, and to the test
 * spec (an op of `unaryOps` gets its `Tensor` method from the list).
 */
export const ops = {
  add,
  sub,
  mul: mulOp,
  div: divOp,
  maximum,
  minimum,
  where: whereOp,
  ...unaryOps,
  pow,
  cast,
  bceWithLogits: bceWithLogitsOp,
  softmaxCrossEntropy: softmaxCrossEntropyOp,
  sum: sumOp,
  max: maxOp,
  reshape: reshapeOp,
  permute: permuteOp,
  expand,
  slice: sliceOp,
  concat: concatOp,
  gather: gatherOp,
  matmul: matmulOp,
  conv2d: conv2dOp,
  convTranspose2d: convTranspose2dOp,
} as const;

export type OpName = keyof typeof ops;
