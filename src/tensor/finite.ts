/**
 * Where an array stops being finite: the one NaN/±∞ scan shared by the training guard
 * (nn/guard.ts), checkpoint validation (nn/checkpoint.ts) and anomaly mode (autograd/anomaly.ts).
 */

/** How many entries of `values` are NaN or ±∞, and the flat index of the first (-1 when none). */
export function nonFiniteEntries(values: ArrayLike<number>): { count: number; first: number } {
  let count = 0;
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i] as number)) {
      if (count === 0) first = i;
      count++;
    }
  }
  return { count, first };
}
