/**
 * Small dense linear algebra in float64 for the derivation tests: row-major n×n matrices as
 * Float64Array, a symmetric eigensolver (cyclic Jacobi), log-determinant and inverse of a
 * symmetric positive definite matrix (through its eigendecomposition).
 */

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: Float64Array;
  /** Eigenvectors as the columns of a row-major n×n matrix, in the order of `values`. */
  vectors: Float64Array;
}

/**
 * Eigendecomposition of a symmetric matrix A = V diag(λ) Vᵀ by cyclic Jacobi rotations: each
 * rotation zeroes one off-diagonal pair, and sweeps repeat until the off-diagonal mass is
 * below 1e-30 of the total (quadratic convergence; a handful of sweeps for n ≤ 10).
 */
export function symmetricEigen(matrix: Float64Array, n: number): SymmetricEigen {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const at = (i: number, j: number): number => a[i * n + j] as number;
  const total = a.reduce((s, x) => s + x * x, 0);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) off += at(i, j) ** 2;
    if (off <= 1e-30 * total) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = at(p, q);
        if (apq === 0) continue;
        // Choose the rotation angle θ with tan 2θ = 2 a_pq / (a_qq − a_pp), the smaller root.
        const theta = (at(q, q) - at(p, p)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // A ← Jᵀ A J, V ← V J, with J the rotation in the (p, q) plane.
        for (let k = 0; k < n; k++) {
          const akp = at(k, p);
          const akq = at(k, q);
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = at(p, k);
          const aqk = at(q, k);
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => at(j, j) - at(i, i));
  const values = Float64Array.from(order, (i) => at(i, i));
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k++) vectors[k * n + to] = v[k * n + from] as number;
  });
  return { values, vectors };
}

/** A·B for row-major A [n, m] and B [m, p]. */
export function matmul(a: Float64Array, b: Float64Array, n: number, m: number, p: number): Float64Array {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k] as number;
      for (let j = 0; j < p; j++) out[i * p + j] = (out[i * p + j] as number) + aik * (b[k * p + j] as number);
    }
  }
  return out;
}

/** Aᵀ for row-major A [n, m]. */
export function transpose(a: Float64Array, n: number, m: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[j * n + i] = a[i * m + j] as number;
  return out;
}

/** log |A| and A⁻¹ of a symmetric positive definite n×n matrix. */
export function spdLogDetInverse(a: Float64Array, n: number): { logDet: number; inverse: Float64Array } {
  const { values, vectors } = symmetricEigen(a, n);
  if (!values.every((x) => x > 0)) throw new Error(`spdLogDetInverse: matrix is not positive definite (eigenvalues ${[...values].join(", ")})`);
  const logDet = values.reduce((s, x) => s + Math.log(x), 0);
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let total = 0;
      for (let k = 0; k < n; k++) total += ((vectors[i * n + k] as number) * (vectors[j * n + k] as number)) / (values[k] as number);
      inverse[i * n + j] = total;
    }
  }
  return { logDet, inverse };
}

/** The largest |a_i − b_i|. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}
