/**
 * Cholesky factorization of small symmetric positive definite matrices (the q × q and d × d
 * matrices of factor analysis), on float64 tensors: A = L Lᵀ with L lower triangular, and from it
 * A⁻¹ = L⁻ᵀ L⁻¹ and log|A| = 2 Σ log L_ii.
 */
import { tensor, type Tensor } from "../autograd/index.js";

/** L with A = L Lᵀ, for a symmetric positive definite [n, n] `matrix`; names the pivot that fails. */
export function cholesky(matrix: Tensor): Tensor {
  const n = matrix.shape[0] as number;
  if (matrix.rank !== 2 || matrix.shape[1] !== n) throw new RangeError(`cholesky: needs a square matrix, got [${matrix.shape.join(",")}]`);
  const a = matrix.data;
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * n + k] as number) * (l[j * n + k] as number);
      if (i === j) {
        if (!(s > 0)) throw new RangeError(`cholesky: matrix is not positive definite (pivot ${s} at row ${i})`);
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / (l[j * n + j] as number);
      }
    }
  }
  return tensor(l, { shape: [n, n] });
}

/** A⁻¹ and log|A| of a symmetric positive definite [n, n] `matrix`. */
export function spdInverse(matrix: Tensor): { inverse: Tensor; logDet: number } {
  const l = cholesky(matrix);
  const n = l.shape[0] as number;
  // L⁻¹ by forward substitution, column by column.
  const inv = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    for (let i = c; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= (l.data[i * n + k] as number) * (inv[k * n + c] as number);
      inv[i * n + c] = s / (l.data[i * n + i] as number);
    }
  }
  const lInverse = tensor(inv, { shape: [n, n] });
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += 2 * Math.log(l.data[i * n + i] as number);
  return { inverse: lInverse.matmul(lInverse, { transposeA: true }), logDet };
}
