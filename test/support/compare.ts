/** Elementwise comparison with a tolerance that names the worst element on failure. */
import type { DType } from "../../src/tensor/index.js";

/** Forward tolerance by result dtype: |got - want| <= tol · (1 + |want|). */
export const forwardTolerance: Record<DType, number> = { float64: 1e-10, float32: 1e-5 };

/** Throws (naming the element, both values and the tolerance) unless every pair is close; NaN only matches NaN. */
export function expectAllClose(got: ArrayLike<number>, want: ArrayLike<number>, tolerance: number, label = "values"): void {
  if (got.length !== want.length) throw new Error(`${label}: ${got.length} values, expected ${want.length}`);
  let worst = -1;
  let worstRatio = 0;
  for (let i = 0; i < got.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (g === w) continue;
    const ratio = Math.abs(g - w) / (tolerance * (1 + Math.abs(w)));
    if (!(ratio <= 1) && !(ratio <= worstRatio)) {
      worst = i;
      worstRatio = Number.isNaN(ratio) ? Infinity : ratio;
    }
  }
  if (worst >= 0) {
    throw new Error(`${label}: element ${worst} is ${got[worst]}, expected ${want[worst]} (tolerance ${tolerance} relative to 1 + |expected|)`);
  }
}
