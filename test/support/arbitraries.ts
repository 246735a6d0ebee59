/**
 * fast-check generators for the op-spec tests: shapes of rank 0-4 with dimensions 1-4, broadcast
 * pairs, values in a domain (moved off kinks where an op has one), axes, permutations, slice
 * bounds, gather indices and reshape targets.
 */
import fc from "fast-check";
import { count } from "./reference.js";

/** Deterministic by default; `FC_SEED=<n>` explores other cases, `FC_RUNS=<n>` scales the runs. */
export function runs(numRuns: number): fc.Parameters<unknown> {
  const seed = process.env.FC_SEED;
  const scale = Number(process.env.FC_RUNS ?? "1");
  return { numRuns: Math.max(1, Math.round(numRuns * scale)), seed: seed === undefined ? 20240611 : Number(seed) };
}

export type Dims = number[];

/** A dimension in 1-4, uniformly (without fast-check's bias to small values, size-1 dims are 1 in 4). */
export const dim = (): fc.Arbitrary<number> => fc.noBias(fc.integer({ min: 1, max: 4 }));

/** A shape whose rank is uniform in [minRank, maxRank] (fc.array would favour rank 0). */
export function shape(minRank = 0, maxRank = 4): fc.Arbitrary<Dims> {
  return fc
    .noBias(fc.integer({ min: minRank, max: maxRank }))
    .chain((rank) => fc.array(dim(), { minLength: rank, maxLength: rank }));
}

/** A shape that broadcasts to `full`: some leading axes dropped and/or some axes set to 1. */
export function broadcastFrom(full: Dims): fc.Arbitrary<Dims> {
  return fc
    .record({
      drop: fc.integer({ min: 0, max: full.length }),
      ones: fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }),
    })
    .map(({ drop, ones }) => full.map((d, i) => (ones[i] ? 1 : d)).slice(drop));
}

/** Either `full` itself or a shape that broadcasts to it (about half each). */
export function maybeBroadcastFrom(full: Dims): fc.Arbitrary<Dims> {
  return fc.oneof(fc.constant<Dims>([...full]), broadcastFrom(full));
}

/**
 * Shapes that broadcast together: derived from one base shape, each side independently kept
 * whole or reduced (so either side, or both, may be the broadcast one).
 */
export function broadcastShapes(n: number, minRank = 0, maxRank = 4): fc.Arbitrary<Dims[]> {
  return shape(minRank, maxRank).chain((base) => fc.tuple(...Array.from({ length: n }, () => maybeBroadcastFrom(base))));
}

/** A uniform number in [0, 1] (fc.double would mostly give tiny magnitudes on a small range). */
export const unit = (): fc.Arbitrary<number> => fc.integer({ min: 0, max: 2 ** 30 }).map((i) => i / 2 ** 30);

/** How an input's values are drawn. */
export type Domain =
  | { kind: "uniform"; low: number; high: number }
  /** Magnitude in [0.05, high] with a random sign: away from the kink at 0 (relu, abs). */
  | { kind: "offZero"; high: number }
  /** All elements distinct by at least 0.05 (max: the arg-max is unique, ties never happen). */
  | { kind: "distinct" }
  /** 0 or 1 (conditions). */
  | { kind: "bits" }
  /** Values on the even or odd bands of width 0.05 every 0.1: two inputs on different bands differ by >= 0.05. */
  | { kind: "band"; odd: boolean };

export const real = (high = 3): Domain => ({ kind: "uniform", low: -high, high });
export const positive = (low = 0.5, high = 3): Domain => ({ kind: "uniform", low, high });

export function values(size: number, domain: Domain): fc.Arbitrary<number[]> {
  const n = { minLength: size, maxLength: size };
  switch (domain.kind) {
    case "uniform":
      return fc.array(unit(), n).map((us) => us.map((u) => domain.low + (domain.high - domain.low) * u));
    case "offZero":
      return fc
        .array(fc.tuple(unit(), fc.boolean()), n)
        .map((pairs) => pairs.map(([u, negative]) => (negative ? -1 : 1) * (0.05 + (domain.high - 0.05) * u)));
    case "distinct":
      // Rank the draws (ties by position), then spread the ranks 0.1 apart with a jitter below 0.05.
      return fc.array(unit(), n).map((us) => {
        const order = us.map((u, i) => [u, i] as const).sort((p, q) => p[0] - q[0] || p[1] - q[1]);
        const out = new Array<number>(size).fill(0);
        order.forEach(([u, i], rank) => (out[i] = (rank - size / 2) * 0.1 + 0.04 * u));
        return out;
      });
    case "bits":
      return fc.array(fc.constantFrom(0, 1), n);
    case "band":
      // even bands [0.2k, 0.2k + 0.05], odd bands [0.2k + 0.1, 0.2k + 0.15]: the gap is >= 0.05.
      return fc
        .array(fc.tuple(fc.integer({ min: -10, max: 10 }), unit()), n)
        .map((pairs) => pairs.map(([k, u]) => 0.2 * k + (domain.odd ? 0.1 : 0) + 0.05 * u));
  }
}

/** Shape-dependent values: the shape, then values for it. */
export function arrayOf(shapeArb: fc.Arbitrary<Dims>, domain: Domain): fc.Arbitrary<{ shape: Dims; data: number[] }> {
  return shapeArb.chain((s) => values(count(s), domain).map((data) => ({ shape: s, data })));
}

/** Possibly negative form of axis `a` of a rank-`rank` shape. */
export function signedAxis(a: number, rank: number): fc.Arbitrary<number> {
  return fc.constantFrom(a, a - rank);
}

export function axis(rank: number): fc.Arbitrary<number> {
  return fc.integer({ min: 0, max: rank - 1 }).chain((a) => signedAxis(a, rank));
}

/**
 * Reduction axes: undefined (all), one axis, a non-empty subset in random order (each possibly
 * negative), or, rarely, no axes at all.
 */
export function reductionAxes(rank: number): fc.Arbitrary<number | number[] | undefined> {
  const all = Array.from({ length: rank }, (_, i) => i);
  const options: fc.WeightedArbitrary<number | number[] | undefined>[] = [
    { arbitrary: fc.constant(undefined), weight: 1 },
    { arbitrary: fc.constant([]), weight: 1 },
  ];
  if (rank > 0) {
    const subset = fc
      .shuffledSubarray(all, { minLength: 1 })
      .chain((axes): fc.Arbitrary<number[]> => fc.tuple(...axes.map((a) => signedAxis(a, rank))));
    options.push({ arbitrary: subset, weight: 4 }, { arbitrary: axis(rank), weight: 2 });
  }
  return fc.oneof(...options);
}

/** A random permutation of the axes, each possibly written negative. */
export function permutation(rank: number): fc.Arbitrary<number[]> {
  const all = Array.from({ length: rank }, (_, i) => i);
  return fc
    .shuffledSubarray(all, { minLength: rank, maxLength: rank })
    .chain((axes): fc.Arbitrary<number[]> => (axes.length === 0 ? fc.constant<number[]>([]) : fc.tuple(...axes.map((a) => signedAxis(a, rank)))));
}

/**
 * Non-empty slice bounds on the leading `k` axes: resolved start s < end e, then each written as
 * given, negative (from the end) or, for an end at the edge, past the edge (Python clamps it).
 */
export function sliceBounds(dims: Dims): fc.Arbitrary<{ starts: number[]; ends: number[] }> {
  return fc.integer({ min: 0, max: dims.length }).chain((k) =>
    fc
      .tuple(
        ...dims.slice(0, k).map((d) =>
          fc.integer({ min: 0, max: d - 1 }).chain((s) =>
            fc.tuple(
              fc.constantFrom(s, s - d),
              fc.integer({ min: s + 1, max: d }).chain((e) => (e === d ? fc.constantFrom(d, d + 2) : fc.constantFrom(e, e - d))),
            ),
          ),
        ),
      )
      .map((pairs) => ({ starts: pairs.map((p) => p[0]), ends: pairs.map((p) => p[1]) })),
  );
}

/** Indices in [0, length) of a random shape of rank 0-2 (repeats are likely: length <= 4). */
export function indices(length: number): fc.Arbitrary<{ shape: Dims; data: number[] }> {
  return shape(0, 2).chain((s) => fc.array(fc.integer({ min: 0, max: length - 1 }), { minLength: count(s), maxLength: count(s) }).map((data) => ({ shape: s, data })));
}

function primeFactors(n: number): number[] {
  const out: number[] = [];
  let rest = n;
  for (let p = 2; rest > 1; p++) {
    while (rest % p === 0) {
      out.push(p);
      rest /= p;
    }
  }
  return out;
}

/** Another shape with `size` elements, rank 0-5 (dims may exceed 4), sometimes with one -1. */
export function reshapeTarget(size: number): fc.Arbitrary<Dims> {
  const factors = primeFactors(size);
  const minRank = size > 1 ? 1 : 0;
  return fc.integer({ min: minRank, max: 5 }).chain((rank) =>
    fc
      .record({
        buckets: fc.array(fc.integer({ min: 0, max: Math.max(0, rank - 1) }), { minLength: factors.length, maxLength: factors.length }),
        infer: rank > 0 ? fc.option(fc.integer({ min: 0, max: rank - 1 })) : fc.constant(null),
      })
      .map(({ buckets, infer }) => {
        const dims = new Array<number>(rank).fill(1);
        factors.forEach((f, i) => (dims[buckets[i] as number] = (dims[buckets[i] as number] as number) * f));
        if (infer !== null) dims[infer] = -1;
        return dims;
      }),
  );
}

/** A small 2-D convolution (or its transpose): the shapes of x and the weight, stride, padding, output padding, bias. */
export interface ConvCase {
  x: Dims;
  weight: Dims;
  stride: [number, number];
  padding: [number, number];
  outputPadding: [number, number];
  bias: boolean;
}

const small = (min: number, max: number): fc.Arbitrary<number> => fc.noBias(fc.integer({ min, max }));
const pairOf = (min: number, max: number): fc.Arbitrary<[number, number]> => fc.tuple(small(min, max), small(min, max));

/**
 * conv2d cases (weight [O, C, kH, kW]) or, with `transpose`, convTranspose2d cases (weight
 * [Cin, Cout, kH, kW], output padding below the stride); every case has an output of at least 1x1.
 */
export function convCase(transpose: boolean): fc.Arbitrary<ConvCase> {
  return fc
    .record({
      batch: small(1, 2),
      inChannels: small(1, 3),
      outChannels: small(1, 3),
      size: pairOf(1, 6),
      kernel: pairOf(1, 3),
      stride: pairOf(1, 3),
      padding: pairOf(0, 2),
      extra: pairOf(0, 2),
      bias: fc.boolean(),
    })
    .map((r) => ({
      x: [r.batch, r.inChannels, ...r.size],
      weight: transpose ? [r.inChannels, r.outChannels, ...r.kernel] : [r.outChannels, r.inChannels, ...r.kernel],
      stride: r.stride,
      padding: r.padding,
      outputPadding: transpose ? ([r.extra[0] % r.stride[0], r.extra[1] % r.stride[1]] as [number, number]) : ([0, 0] as [number, number]),
      bias: r.bias,
    }))
    .filter((c) =>
      [0, 1].every((axis) => {
        const size = c.x[2 + axis] as number;
        const k = c.weight[2 + axis] as number;
        const out = transpose
          ? (size - 1) * (c.stride[axis] as number) - 2 * (c.padding[axis] as number) + k + (c.outputPadding[axis] as number)
          : size + 2 * (c.padding[axis] as number) - k;
        return transpose ? out >= 1 : out >= 0;
      }),
    );
}
