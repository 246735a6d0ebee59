/**
 * The conditional VAE's label input (Sohn et al. 2015): the class as a one-hot row, which
 * `VAE` concatenates to the encoder's dense input and to z when built with `classes` > 0
 * (see architecture.ts), and the repeat that lines it up with IWAE's k draws per example.
 */
import { concat, tensor, type Tensor } from "../autograd/index.js";
import type { DType } from "../tensor/index.js";

/** One-hot rows [labels.length, classes]; a label outside [0, classes) is an error naming it and its index. */
export function oneHot(labels: ArrayLike<number>, classes: number, dtype: DType = "float32"): Tensor {
  if (!Number.isInteger(classes) || classes < 1) throw new RangeError(`oneHot: classes must be a positive integer, got ${classes}`);
  const data = new Float64Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new RangeError(`oneHot: label ${label} at index ${i} is outside the model's classes 0-${classes - 1}`);
    }
    data[i * classes + label] = 1;
  }
  return tensor(data, { shape: [labels.length, classes], dtype });
}

/**
 * `y` [batch, classes] repeated to `rows` rows (a multiple of batch): the labels of z drawn k
 * times per example and flattened k-major to [k·batch, latent], as `VAE.decode` does.
 */
export function repeatRows(y: Tensor, rows: number, what: string): Tensor {
  const batch = y.shape[0] as number;
  if (rows === batch) return y;
  if (batch === 0 || rows % batch !== 0) throw new RangeError(`${what}: ${rows} rows cannot take the labels of ${batch} examples`);
  return concat(Array.from({ length: rows / batch }, () => y), 0);
}
