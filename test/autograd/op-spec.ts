/**
 * The op-spec table: one row per primitive of `ops` and per composite. Each row generates cases
 * (inputs, parameters, how to run the op, and its float64 reference from plain loops); the same
 * cases drive the forward tests (`forward.test.ts`) and the gradient tests (`gradients.test.ts`).
 *
 * Inputs are moved off kinks (relu/abs: |x| >= 0.05; maximum/minimum: |a - b| >= 0.05; clamp:
 * 0.05 from the bounds; max: distinct values) and into the domain where the op is smooth
 * (log, sqrt, pow, div denominators: positive), so central differences are valid everywhere.
 */
import fc from "fast-check";
import { apply, ops, tensor, type Tensor } from "../../src/autograd/index.js";
import * as F from "../../src/autograd/functional.js";
import * as vae from "../../src/vae/index.js";
import type { DType } from "../../src/tensor/index.js";
import * as A from "../support/arbitraries.js";
import * as R from "../support/reference.js";
import type { Ref } from "../support/reference.js";

export interface OpCase {
  /** The tensor inputs, as float64 values; `run` gets them as tensors in this order. */
  inputs: Ref[];
  /** The inputs gradcheck differentiates (default: all). */
  differentiable?: boolean[];
  /** Everything else the op was called with, for the failure message. */
  params: Record<string, unknown>;
  /** The op through the public API. */
  run(xs: Tensor[]): Tensor;
  /** Its float64 value, from plain loops over the (already rounded) inputs. */
  reference(xs: Ref[]): Ref;
  /** The dtype `run` returns for inputs of dtype `d` (default: `d`). */
  outDtype?(d: DType): DType;
  /** What gradcheck differentiates, when it cannot be `run` (default: `run`). */
  gradRun?(xs: Tensor[]): Tensor;
}

export interface OpSpec {
  name: string;
  kind: "primitive" | "composite";
  cases: fc.Arbitrary<OpCase>;
  /** fast-check runs per property. */
  numRuns?: number;
}

/** A case that prints its inputs and parameters when fast-check reports it. */
function opCase(name: string, c: OpCase): OpCase {
  return Object.assign(c, {
    [fc.toStringMethod]: () =>
      `${name}(${c.inputs.map((x) => `[${x.shape.join(",")}] ${JSON.stringify(x.data)}`).join("; ")}) ${JSON.stringify(c.params)}`,
  });
}

/** A constant (non-differentiable) tensor in the dtype of `like`. */
export function constant(values: Ref, like: Tensor): Tensor {
  return tensor(Float64Array.from(values.data), { shape: values.shape, dtype: like.dtype });
}

const at = (xs: readonly Tensor[], i: number): Tensor => xs[i] as Tensor;
const refAt = (xs: readonly Ref[], i: number): Ref => xs[i] as Ref;

// ---- row builders ----

function unaryRow(
  name: string,
  kind: OpSpec["kind"],
  domain: A.Domain,
  run: (x: Tensor) => Tensor,
  f: (v: number) => number,
): OpSpec {
  return {
    name,
    kind,
    cases: A.arrayOf(A.shape(), domain).map((x) =>
      opCase(name, { inputs: [x], params: {}, run: (xs) => run(at(xs, 0)), reference: (xs) => R.map(refAt(xs, 0), f) }),
    ),
  };
}

function binaryRow(
  name: string,
  domains: fc.Arbitrary<[A.Domain, A.Domain]>,
  run: (a: Tensor, b: Tensor) => Tensor,
  f: (a: number, b: number) => number,
): OpSpec {
  const cases = fc
    .tuple(A.broadcastShapes(2), domains)
    .chain(([[sa, sb], [da, db]]) => fc.tuple(A.values(R.count(sa as A.Dims), da), A.values(R.count(sb as A.Dims), db)).map(([va, vb]) => [R.ref(sa as A.Dims, va), R.ref(sb as A.Dims, vb)]))
    .map(([a, b]) =>
      opCase(name, {
        inputs: [a as Ref, b as Ref],
        params: {},
        run: (xs) => run(at(xs, 0), at(xs, 1)),
        reference: (xs) => R.zip(refAt(xs, 0), refAt(xs, 1), f),
      }),
    );
  return { name, kind: "primitive", cases };
}

const both = (d: A.Domain): fc.Arbitrary<[A.Domain, A.Domain]> => fc.constant([d, d]);
/** Inputs on different bands (which side is odd is random): |a - b| >= 0.05 everywhere. */
const bands: fc.Arbitrary<[A.Domain, A.Domain]> = fc.boolean().map((odd) => [{ kind: "band", odd }, { kind: "band", odd: !odd }]);

/** A reduction `op(x, axes, keepDims)` and its reference over the resolved axes. */
function reductionRow(
  name: string,
  kind: OpSpec["kind"],
  domain: A.Domain,
  run: (x: Tensor, axes: number | number[] | undefined, keepDims: boolean) => Tensor,
  reference: (x: Ref, axes: number[], keepDims: boolean) => Ref,
): OpSpec {
  const cases = A.arrayOf(A.shape(), domain).chain((x) =>
    fc.record({ axes: A.reductionAxes(x.shape.length), keepDims: fc.boolean() }).map(({ axes, keepDims }) =>
      opCase(name, {
        inputs: [R.ref(x.shape, x.data)],
        params: { axes: axes ?? "all", keepDims },
        run: (xs) => run(at(xs, 0), axes, keepDims),
        reference: (xs) => reference(refAt(xs, 0), R.resolveAxes(axes, x.shape.length), keepDims),
      }),
    ),
  );
  return { name, kind, cases };
}

/** An input of a generated shape, then parameters that depend on that shape. */
function withParams<P>(
  shapeArb: fc.Arbitrary<A.Dims>,
  domain: A.Domain,
  params: (shape: A.Dims) => fc.Arbitrary<P>,
): fc.Arbitrary<{ x: Ref; p: P }> {
  return A.arrayOf(shapeArb, domain).chain((x) => params(x.shape).map((p) => ({ x: R.ref(x.shape, x.data), p })));
}

/** conv2d or convTranspose2d on a small case of `A.convCase`; the bias, when drawn, rides along as a third input. */
function convRow(name: "conv2d" | "convTranspose2d", transpose: boolean): OpSpec {
  const cases = A.convCase(transpose)
    .chain((c) => {
      const biasSize = c.bias ? (c.weight[transpose ? 1 : 0] as number) : 0;
      return fc
        .tuple(A.values(R.count(c.x), A.real(2)), A.values(R.count(c.weight), A.real(2)), A.values(biasSize, A.real(2)))
        .map(([x, w, b]) => ({ c, inputs: [R.ref(c.x, x), R.ref(c.weight, w), ...(c.bias ? [R.ref([biasSize], b)] : [])] }));
    })
    .map(({ c, inputs }) =>
      opCase(name, {
        inputs,
        params: { stride: c.stride, padding: c.padding, outputPadding: c.outputPadding },
        run: (xs) => {
          const options = { stride: c.stride, padding: c.padding };
          return transpose
            ? F.convTranspose2d(at(xs, 0), at(xs, 1), xs[2] ?? null, { ...options, outputPadding: c.outputPadding })
            : F.conv2d(at(xs, 0), at(xs, 1), xs[2] ?? null, options);
        },
        reference: (xs) => {
          const options = { stride: c.stride, padding: c.padding };
          return transpose
            ? R.convTranspose2d(refAt(xs, 0), refAt(xs, 1), xs[2] ?? null, { ...options, outputPadding: c.outputPadding })
            : R.conv2d(refAt(xs, 0), refAt(xs, 1), xs[2] ?? null, options);
        },
      }),
    );
  return { name, kind: "primitive", cases };
}

const otherDType = (d: DType): DType => (d === "float32" ? "float64" : "float32");

// ---- primitives ----

const primitives: OpSpec[] = [
  binaryRow("add", both(A.real()), (a, b) => a.add(b), (a, b) => a + b),
  binaryRow("sub", both(A.real()), (a, b) => a.sub(b), (a, b) => a - b),
  binaryRow("mul", both(A.real()), (a, b) => a.mul(b), (a, b) => a * b),
  binaryRow("div", fc.constant([A.real(), A.positive()]), (a, b) => a.div(b), (a, b) => a / b),
  binaryRow("maximum", bands, (a, b) => a.maximum(b), (a, b) => (a > b ? a : b)),
  binaryRow("minimum", bands, (a, b) => a.minimum(b), (a, b) => (a < b ? a : b)),
  {
    name: "where",
    kind: "primitive",
    cases: A.broadcastShapes(3)
      .chain(([sc, sa, sb]) =>
        fc.tuple(
          A.values(R.count(sc as A.Dims), { kind: "bits" }),
          A.values(R.count(sa as A.Dims), A.real()),
          A.values(R.count(sb as A.Dims), A.real()),
        ).map(([c, a, b]) => ({ cond: R.ref(sc as A.Dims, c), a: R.ref(sa as A.Dims, a), b: R.ref(sb as A.Dims, b) })),
      )
      .map(({ cond, a, b }) =>
        opCase("where", {
          inputs: [a, b],
          params: { cond },
          run: (xs) => F.where(constant(cond, at(xs, 0)), at(xs, 0), at(xs, 1)),
          reference: (xs) => R.zip3(cond, refAt(xs, 0), refAt(xs, 1), (c, x, y) => (c !== 0 ? x : y)),
        }),
      ),
  },
  unaryRow("neg", "primitive", A.real(), (x) => x.neg(), (v) => -v),
  unaryRow("exp", "primitive", A.real(), (x) => x.exp(), Math.exp),
  unaryRow("log", "primitive", A.positive(0.2, 4), (x) => x.log(), Math.log),
  unaryRow("sqrt", "primitive", A.positive(0.2, 4), (x) => x.sqrt(), Math.sqrt),
  unaryRow("abs", "primitive", { kind: "offZero", high: 3 }, (x) => x.abs(), Math.abs),
  unaryRow("relu", "primitive", { kind: "offZero", high: 3 }, (x) => x.relu(), (v) => (v > 0 ? v : 0)),
  unaryRow("sigmoid", "primitive", A.real(8), (x) => x.sigmoid(), R.sigmoid),
  unaryRow("softplus", "primitive", A.real(12), (x) => x.softplus(), R.softplus),
  unaryRow("silu", "primitive", A.real(8), (x) => F.silu(x), (v) => v * R.sigmoid(v)),
  unaryRow("tanh", "primitive", A.real(4), (x) => x.tanh(), Math.tanh),
  {
    name: "pow",
    kind: "primitive",
    cases: withParams(A.shape(), A.positive(), () => fc.constantFrom(-2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3)).map(({ x, p }) =>
      opCase("pow", { inputs: [x], params: { exponent: p }, run: (xs) => at(xs, 0).pow(p), reference: (xs) => R.map(refAt(xs, 0), (v) => v ** p) }),
    ),
  },
  {
    name: "cast",
    kind: "primitive",
    // Forward: to the other dtype (float32 -> float64 is exact; float64 -> float32 rounds).
    // Gradient: gradcheck needs float64 throughout, so it checks the primitive float64 -> float64;
    // engine.test.ts checks the gradient across dtypes.
    cases: A.arrayOf(A.shape(), A.real()).map((x) =>
      opCase("cast", {
        inputs: [R.ref(x.shape, x.data)],
        params: {},
        run: (xs) => at(xs, 0).to(otherDType(at(xs, 0).dtype)),
        reference: (xs) => refAt(xs, 0),
        outDtype: otherDType,
        gradRun: (xs) => apply(ops.cast, [at(xs, 0)], "float64"),
      }),
    ),
  },
  reductionRow("sum", "primitive", A.real(), (x, axes, keepDims) => x.sum(axes, keepDims), (x, axes, keepDims) => R.reduce(x, axes, keepDims, R.sumOf)),
  reductionRow("max", "primitive", { kind: "distinct" }, (x, axes, keepDims) => x.max(axes, keepDims), (x, axes, keepDims) => R.reduce(x, axes, keepDims, R.maxOf)),
  {
    name: "reshape",
    kind: "primitive",
    cases: withParams(A.shape(), A.real(), (s) => A.reshapeTarget(R.count(s))).map(({ x, p }) =>
      opCase("reshape", { inputs: [x], params: { shape: p }, run: (xs) => at(xs, 0).reshape(p), reference: (xs) => R.reshape(refAt(xs, 0), p) }),
    ),
  },
  {
    name: "permute",
    kind: "primitive",
    cases: withParams(A.shape(), A.real(), (s) => A.permutation(s.length)).map(({ x, p }) =>
      opCase("permute", { inputs: [x], params: { axes: p }, run: (xs) => at(xs, 0).permute(p), reference: (xs) => R.permute(refAt(xs, 0), p) }),
    ),
  },
  {
    name: "expand",
    kind: "primitive",
    cases: A.shape()
      .chain((target) => A.arrayOf(A.maybeBroadcastFrom(target), A.real()).map((x) => ({ x: R.ref(x.shape, x.data), target })))
      .map(({ x, target }) =>
        opCase("expand", { inputs: [x], params: { shape: target }, run: (xs) => at(xs, 0).expand(target), reference: (xs) => R.expand(refAt(xs, 0), target) }),
      ),
  },
  {
    name: "slice",
    kind: "primitive",
    cases: withParams(A.shape(), A.real(), A.sliceBounds).map(({ x, p }) =>
      opCase("slice", {
        inputs: [x],
        params: p,
        run: (xs) => at(xs, 0).slice(p.starts, p.ends),
        reference: (xs) => R.slice(refAt(xs, 0), p.starts, p.ends),
      }),
    ),
  },
  {
    name: "concat",
    kind: "primitive",
    cases: A.shape(1, 4)
      .chain((base) =>
        fc.tuple(A.axis(base.length), fc.array(A.dim(), { minLength: 1, maxLength: 3 })).chain(([axis, sizes]) => {
          const a = axis < 0 ? axis + base.length : axis;
          const shapes = sizes.map((d) => base.map((b, i) => (i === a ? d : b)));
          return fc.tuple(...shapes.map((s) => A.values(R.count(s), A.real()).map((v) => R.ref(s, v)))).map((inputs) => ({ inputs, axis }));
        }),
      )
      .map(({ inputs, axis }) =>
        opCase("concat", { inputs, params: { axis }, run: (xs) => F.concat(xs, axis), reference: (xs) => R.concat(xs, axis) }),
      ),
  },
  {
    name: "gather",
    kind: "primitive",
    cases: withParams(A.shape(1, 4), A.real(), (s) =>
      A.axis(s.length).chain((axis) => A.indices(s[axis < 0 ? axis + s.length : axis] as number).map((index) => ({ axis, index: R.ref(index.shape, index.data) }))),
    ).map(({ x, p }) =>
      opCase("gather", {
        inputs: [x],
        params: p,
        run: (xs) => at(xs, 0).gather(constant(p.index, at(xs, 0)), p.axis),
        reference: (xs) => R.gather(refAt(xs, 0), p.index, p.axis),
      }),
    ),
  },
  {
    // With `bias`, a vector over the product's columns rides along as a third input.
    name: "matmul",
    kind: "primitive",
    cases: fc
      .record({
        batch: A.broadcastShapes(2, 0, 2),
        m: A.dim(),
        k: A.dim(),
        n: A.dim(),
        transposeA: fc.boolean(),
        transposeB: fc.boolean(),
        bias: fc.boolean(),
      })
      .chain(({ batch: [ba, bb], m, k, n, transposeA, transposeB, bias }) => {
        const sa = [...(ba as A.Dims), ...(transposeA ? [k, m] : [m, k])];
        const sb = [...(bb as A.Dims), ...(transposeB ? [n, k] : [k, n])];
        return fc
          .tuple(A.values(R.count(sa), A.real()), A.values(R.count(sb), A.real()), A.values(bias ? n : 0, A.real()))
          .map(([va, vb, vc]) => ({ a: R.ref(sa, va), b: R.ref(sb, vb), c: bias ? R.ref([n], vc) : null, transposeA, transposeB }));
      })
      .map(({ a, b, c, transposeA, transposeB }) =>
        opCase("matmul", {
          inputs: c ? [a, b, c] : [a, b],
          params: { transposeA, transposeB, bias: c !== null },
          run: (xs) => at(xs, 0).matmul(at(xs, 1), { transposeA, transposeB, bias: xs[2] ?? null }),
          reference: (xs) => {
            const product = R.matmul(refAt(xs, 0), refAt(xs, 1), transposeA, transposeB);
            return xs[2] ? R.zip(product, xs[2], (x, y) => x + y) : product;
          },
        }),
      ),
  },
  {
    name: "bceWithLogits",
    kind: "primitive",
    cases: A.shape()
      .chain((s) => fc.tuple(A.values(R.count(s), A.real(6)), A.values(R.count(s), A.positive(0, 1))).map(([l, t]) => [R.ref(s, l), R.ref(s, t)]))
      .map((inputs) =>
        opCase("bceWithLogits", {
          inputs,
          params: {},
          run: (xs) => F.bceWithLogits(at(xs, 0), at(xs, 1)),
          // -[t log σ(l) + (1 - t) log(1 - σ(l))], with log(1 - σ(l)) = log σ(-l)
          reference: (xs) => R.zip(refAt(xs, 0), refAt(xs, 1), (l, t) => -(t * R.logSigmoid(l) + (1 - t) * R.logSigmoid(-l))),
        }),
      ),
  },
  convRow("conv2d", false),
  convRow("convTranspose2d", true),
  {
    name: "softmaxCrossEntropy",
    kind: "primitive",
    cases: fc
      .tuple(A.dim(), fc.noBias(fc.integer({ min: 1, max: 5 })))
      .chain(([batch, classes]) =>
        fc.tuple(A.values(batch * classes, A.real(4)), fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: batch, maxLength: batch })).map(
          ([l, labels]) => ({ logits: R.ref([batch, classes], l), labels }),
        ),
      )
      .map(({ logits, labels }) =>
        opCase("softmaxCrossEntropy", {
          inputs: [logits],
          params: { labels },
          run: (xs) => F.softmaxCrossEntropy(at(xs, 0), labels),
          // −log(e^{l_y} / Σ_k e^{l_k}), straight from the definition (the logits are small)
          reference: (xs) => {
            const [batch, classes] = logits.shape as [number, number];
            const l = refAt(xs, 0).data;
            return R.generate([batch], ([i]) => {
              let total = 0;
              for (let k = 0; k < classes; k++) total += Math.exp(l[(i as number) * classes + k] as number);
              return -Math.log(Math.exp(l[(i as number) * classes + (labels[i as number] as number)] as number) / total);
            });
          },
        }),
      ),
  },
];

/** An elementwise function of several inputs of one shape (a distribution's logProb or KL). */
type Four<T> = [T, T, T, T];

function distributionRow(name: string, domains: A.Domain[], run: (xs: Four<Tensor>) => Tensor, f: (values: Four<number>) => number): OpSpec {
  return {
    name,
    kind: "composite",
    cases: A.shape()
      .chain((s) => fc.tuple(...domains.map((d) => A.values(R.count(s), d))).map((vs) => vs.map((v) => R.ref(s, v))))
      .map((inputs) =>
        opCase(name, {
          inputs,
          params: {},
          run: (xs) => run(xs as Four<Tensor>),
          reference: (xs) => R.ref((xs[0] as Ref).shape, (xs[0] as Ref).data.map((_, i) => f(xs.map((x) => x.data[i] as number) as Four<number>))),
        }),
      ),
  };
}

// ---- composites ----

const composites: OpSpec[] = [
  reductionRow("mean", "composite", A.real(), (x, axes, keepDims) => x.mean(axes, keepDims), (x, axes, keepDims) =>
    R.reduce(x, axes, keepDims, (values) => R.sumOf(values) / values.length),
  ),
  unaryRow("square", "composite", A.real(), (x) => x.square(), (v) => v * v),
  unaryRow("logSigmoid", "composite", A.real(12), (x) => x.logSigmoid(), R.logSigmoid),
  reductionRow("logSumExp", "composite", A.real(), (x, axes, keepDims) => x.logSumExp(axes, keepDims), R.logSumExp),
  {
    name: "logSoftmax",
    kind: "composite",
    cases: withParams(A.shape(1, 4), A.real(), (s) => A.axis(s.length)).map(({ x, p }) =>
      opCase("logSoftmax", {
        inputs: [x],
        params: { axis: p },
        run: (xs) => F.logSoftmax(at(xs, 0), p),
        reference: (xs) => {
          const axis = p < 0 ? p + x.shape.length : p;
          return R.zip(refAt(xs, 0), R.logSumExp(refAt(xs, 0), [axis], true), (v, lse) => v - lse);
        },
      }),
    ),
  },
  {
    name: "clamp",
    kind: "composite",
    cases: withParams(A.shape(), A.real(2.5), () =>
      fc.record({
        min: fc.option(A.unit().map((u) => -1.5 + u), { nil: null }),
        max: fc.option(A.unit().map((u) => 0.5 + u), { nil: null }),
      }),
    ).map(({ x, p }) => {
      // Move values within 0.05 of a bound 0.1 up: the bounds are at least 1 apart.
      const nearBound = (v: number): boolean => [p.min, p.max].some((b) => b !== null && Math.abs(v - b) < 0.05);
      const moved = R.map(x, (v) => (nearBound(v) ? v + 0.1 : v));
      return opCase("clamp", {
        inputs: [moved],
        params: p,
        run: (xs) => at(xs, 0).clamp(p.min, p.max),
        reference: (xs) => R.map(refAt(xs, 0), (v) => Math.min(p.max ?? Infinity, Math.max(p.min ?? -Infinity, v))),
      });
    }),
  },
  {
    name: "transpose",
    kind: "composite",
    cases: withParams(A.shape(1, 4), A.real(), (s) =>
      s.length >= 2 ? fc.oneof(fc.constant(null), fc.tuple(A.axis(s.length), A.axis(s.length))) : fc.tuple(A.axis(s.length), A.axis(s.length)),
    ).map(({ x, p }) =>
      opCase("transpose", {
        inputs: [x],
        params: { axes: p ?? "default" },
        run: (xs) => (p === null ? at(xs, 0).transpose() : at(xs, 0).transpose(p[0], p[1])),
        reference: (xs) => {
          const rank = x.shape.length;
          const [a0, a1] = (p ?? [-2, -1]).map((a) => (a < 0 ? a + rank : a)) as [number, number];
          const axes = x.shape.map((_, i) => (i === a0 ? a1 : i === a1 ? a0 : i));
          return R.permute(refAt(xs, 0), axes);
        },
      }),
    ),
  },
  {
    name: "flatten",
    kind: "composite",
    cases: withParams(A.shape(), A.real(), (s) => A.axis(Math.max(1, s.length))).map(({ x, p }) =>
      opCase("flatten", {
        inputs: [x],
        params: { startAxis: p },
        run: (xs) => at(xs, 0).flatten(p),
        reference: (xs) => {
          const rank = Math.max(1, x.shape.length);
          const start = p < 0 ? p + rank : p;
          return R.ref([...x.shape.slice(0, start), R.count(x.shape.slice(start))], refAt(xs, 0).data);
        },
      }),
    ),
  },
  {
    name: "squeeze",
    kind: "composite",
    cases: withParams(A.shape(), A.real(), (s) => (s.length === 0 ? fc.constant(undefined) : fc.option(A.axis(s.length), { nil: undefined }))).map(({ x, p }) =>
      opCase("squeeze", {
        inputs: [x],
        params: { axis: p ?? "all" },
        run: (xs) => at(xs, 0).squeeze(p),
        reference: (xs) => {
          const a = p === undefined ? null : p < 0 ? p + x.shape.length : p;
          return R.reshape(refAt(xs, 0), x.shape.filter((d, i) => !(d === 1 && (a === null || a === i))));
        },
      }),
    ),
  },
  {
    name: "unsqueeze",
    kind: "composite",
    cases: withParams(A.shape(0, 3), A.real(), (s) => fc.integer({ min: -s.length - 1, max: s.length })).map(({ x, p }) =>
      opCase("unsqueeze", {
        inputs: [x],
        params: { axis: p },
        run: (xs) => at(xs, 0).unsqueeze(p),
        reference: (xs) => {
          const a = p < 0 ? p + x.shape.length + 1 : p;
          return R.reshape(refAt(xs, 0), [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
        },
      }),
    ),
  },
  {
    // select(axis, index), and at(index) for the leading axis.
    name: "select",
    kind: "composite",
    cases: withParams(A.shape(1, 4), A.real(), (s) =>
      A.axis(s.length).chain((axis) => {
        const dim = s[axis < 0 ? axis + s.length : axis] as number;
        return fc.record({ axis: fc.constant(axis), index: fc.integer({ min: -dim, max: dim - 1 }), viaAt: fc.boolean() });
      }),
    ).map(({ x, p }) =>
      opCase("select", {
        inputs: [x],
        params: p,
        run: (xs) => (p.viaAt ? at(xs, 0).at(p.index) : at(xs, 0).select(p.axis, p.index)),
        reference: (xs) => {
          const rank = x.shape.length;
          const axis = p.viaAt ? 0 : p.axis < 0 ? p.axis + rank : p.axis;
          const dim = x.shape[axis] as number;
          const index = p.index < 0 ? p.index + dim : p.index;
          const starts = x.shape.map((_, k) => (k === axis ? index : 0));
          const ends = x.shape.map((d, k) => (k === axis ? index + 1 : d));
          return R.reshape(R.slice(refAt(xs, 0), starts, ends), x.shape.filter((_, k) => k !== axis));
        },
      }),
    ),
  },
  {
    // The pieces of split / chunk, each scaled by its number + 1 and joined again: every piece's
    // gradient is checked, and a piece landing in the wrong place changes the value.
    name: "split",
    kind: "composite",
    cases: withParams(A.shape(1, 3), A.real(), (s) =>
      A.axis(s.length).chain((axis) =>
        fc.record({ axis: fc.constant(axis), size: fc.integer({ min: 1, max: 4 }), how: fc.constantFrom("size", "sizes", "chunk") }),
      ),
    ).map(({ x, p }) => {
      const axis = p.axis < 0 ? p.axis + x.shape.length : p.axis;
      const dim = x.shape[axis] as number;
      const size = p.how === "chunk" ? Math.ceil(dim / p.size) : p.size;
      const sizes = Array.from({ length: Math.ceil(dim / size) }, (_, i) => Math.min(size, dim - i * size));
      return opCase("split", {
        inputs: [x],
        params: { ...p, sizes },
        run: (xs) => {
          const pieces = p.how === "chunk" ? F.chunk(at(xs, 0), p.size, p.axis) : p.how === "sizes" ? F.split(at(xs, 0), sizes, p.axis) : at(xs, 0).split(p.size, p.axis);
          return F.concat(pieces.map((piece, i) => piece.mul(i + 1)), p.axis);
        },
        reference: (xs) => {
          const strides = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
          return R.ref(x.shape, refAt(xs, 0).data.map((v, flat) => v * (Math.floor(Math.floor(flat / strides) % dim / size) + 1)));
        },
      });
    }),
  },
  {
    name: "stack",
    kind: "composite",
    cases: A.shape(0, 3)
      .chain((s) =>
        fc.tuple(fc.integer({ min: -s.length - 1, max: s.length }), fc.array(A.values(R.count(s), A.real()), { minLength: 1, maxLength: 3 }))
          .map(([axis, values]) => ({ axis, inputs: values.map((v) => R.ref(s, v)) })),
      )
      .map(({ axis, inputs }) =>
        opCase("stack", {
          inputs,
          params: { axis },
          run: (xs) => F.stack(xs, axis),
          reference: (xs) => {
            const shape = (xs[0] as Ref).shape;
            const a = axis < 0 ? axis + shape.length + 1 : axis;
            const expanded = xs.map((x) => R.reshape(x, [...shape.slice(0, a), 1, ...shape.slice(a)]));
            return R.concat(expanded, a);
          },
        }),
      ),
  },
  distributionRow("Normal.logProb", [A.real(), A.real(), A.positive()], ([x, loc, scale]) => new vae.Normal(loc, scale).logProb(x as Tensor), ([x, m, s]) =>
    // log N(x; m, s²) = −(x − m)² / 2s² − log s − ½ log 2π
    -((x - m) ** 2) / (2 * s * s) - Math.log(s) - 0.5 * Math.log(2 * Math.PI),
  ),
  distributionRow("Bernoulli.logProb", [A.real(4), A.positive(0, 1)], ([l, x]) => new vae.Bernoulli({ logits: l }).logProb(x), ([l, x]) =>
    x * R.logSigmoid(l) + (1 - x) * R.logSigmoid(-l),
  ),
  distributionRow(
    "klDivergence(Normal, Normal)",
    [A.real(), A.real(2), A.real(), A.real(2)],
    ([mq, lq, mp, lp]) => vae.klDivergence(new vae.Normal(mq, { logVar: lq }), new vae.Normal(mp, { logVar: lp })),
    // log(σp/σq) + (σq² + (μq − μp)²) / 2σp² − ½
    ([mq, lq, mp, lp]) => (lp - lq) / 2 + (Math.exp(lq) + (mq - mp) ** 2) / (2 * Math.exp(lp)) - 0.5,
  ),
  distributionRow(
    "klDivergence(Bernoulli, Bernoulli)",
    [A.real(4), A.real(4)],
    ([lq, lp]) => vae.klDivergence(new vae.Bernoulli({ logits: lq }), new vae.Bernoulli({ logits: lp })),
    ([lq, lp]) => {
      const [q, p] = [1 / (1 + Math.exp(-lq)), 1 / (1 + Math.exp(-lp))];
      return q * Math.log(q / p) + (1 - q) * Math.log((1 - q) / (1 - p));
    },
  ),
];

export const opSpecs: readonly OpSpec[] = [...primitives, ...composites];

/** The composites the spec must cover, besides every key of `ops`. */
export const compositeNames = [
  "mean",
  "square",
  "logSigmoid",
  "logSumExp",
  "logSoftmax",
  "clamp",
  "transpose",
  "flatten",
  "squeeze",
  "unsqueeze",
  "select",
  "split",
  "stack",
  "Normal.logProb",
  "Bernoulli.logProb",
  "klDivergence(Normal, Normal)",
  "klDivergence(Bernoulli, Bernoulli)",
] as const;

/** Tensors for a case's inputs in `dtype` (float32 values are rounded), with `requiresGrad` as given. */
export function inputTensors(c: OpCase, dtype: DType, requiresGrad = false): Tensor[] {
  return c.inputs.map((x, i) =>
    tensor(dtype === "float64" ? Float64Array.from(x.data) : Float32Array.from(x.data), {
      shape: x.shape,
      requiresGrad: requiresGrad && (c.differentiable?.[i] ?? true),
    }),
  );
}

/** The reference inputs as the op sees them in `dtype`. */
export function referenceInputs(c: OpCase, dtype: DType): Ref[] {
  return c.inputs.map((x) => (dtype === "float64" ? x : R.map(x, Math.fround)));
}
