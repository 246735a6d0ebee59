/**
 * Debiasing by latent density (note 001; Amini et al. 2019), on MNIST since there are no face
 * images here. The task is binary (digit < 5); in the training set a seeded `rareFraction` of
 * the digits (default 5%) is rotated by 90°: the rare subgroup. The test set is balanced:
 * every test digit upright and rotated. A plain classifier (the same network, classification
 * loss only, uniform batches) and a DB-VAE (classification + VAE loss, each epoch's examples
 * drawn by `resamplingProbabilities` of their latent means) are trained on the same data for
 * each seed, and their accuracy is measured per subgroup.
 */
import { noGrad, tensor } from "../autograd/index.js";
import { orderedBatches, shuffledBatches, subset, type Dataset } from "../data/index.js";
import { DebiasingVAE, debiasingLoss } from "../vae/dbvae.js";
import { resampleIndices, resamplingProbabilities } from "../vae/latent-resampling.js";
import { Adam } from "../nn/index.js";
import { Generator } from "../tensor/index.js";

export interface DebiasOptions {
  seeds: readonly number[];
  epochs: number;
  /** Share of training digits rotated. Default 0.05. */
  rareFraction?: number;
  hiddenSizes?: number[];
  latentSize?: number;
  batchSize?: number;
  lr?: number;
  bins?: number;
  alpha?: number;
  /** How the latent dimensions' weights combine (see latent-resampling.ts). Default "max". */
  combine?: "max" | "product";
  /** Called after each model's training, for progress lines. */
  onTrained?: (line: string) => void;
}

/** A square image turned 90° clockwise: out[r][c] = in[size − 1 − c][r]. */
export function rotate90(image: ArrayLike<number>, size: number): Float32Array {
  const out = new Float32Array(size * size);
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) out[r * size + c] = image[(size - 1 - c) * size + r] as number;
  return out;
}

/** Digits relabelled 1 (digit < 5) or 0, with the images at `rotatedFlags[i] = 1` rotated. */
function binaryTask(data: Dataset, rotatedFlags: Uint8Array, name: string): Dataset {
  const pixels = data.height * data.width;
  const images = new Float32Array(data.images);
  for (let i = 0; i < data.count; i++) {
    if (rotatedFlags[i] === 1) images.set(rotate90(data.images.subarray(i * pixels, (i + 1) * pixels), data.width), i * pixels);
  }
  return { ...data, images, labels: data.labels.map((l) => (l < 5 ? 1 : 0)), name };
}

/** The biased training set: a seeded `rareFraction` of the digits rotated. */
export function biasedTrainingSet(data: Dataset, rareFraction: number, generator: Generator): { data: Dataset; rotated: Uint8Array } {
  if (!(rareFraction > 0 && rareFraction < 1)) throw new RangeError(`biasedTrainingSet: rareFraction must be in (0, 1), got ${rareFraction}`);
  if (data.height !== data.width) throw new RangeError(`biasedTrainingSet: ${data.name} images are ${data.height}×${data.width}, not square`);
  const rotated = new Uint8Array(data.count);
  const chosen = generator.permutation(data.count).subarray(0, Math.round(rareFraction * data.count));
  for (const i of chosen) rotated[i] = 1;
  return { data: binaryTask(data, rotated, `${data.name}:biased`), rotated };
}

/** Share of `data` whose predicted class (logit > 0) is its label. */
export function accuracy(model: DebiasingVAE, data: Dataset): number {
  let correct = 0;
  noGrad(() => {
    for (const batch of orderedBatches(data, 1000)) {
      const logits = model.forward(tensor(batch.images, { shape: [batch.size, model.inputSize], dtype: model.dtype })).logits.data;
      for (let i = 0; i < batch.size; i++) if (((logits[i] as number) > 0 ? 1 : 0) === batch.labels[i]) correct++;
    }
  });
  return correct / data.count;
}

/** The posterior means of every example, row-major [count, latent]. */
function latentMeans(model: DebiasingVAE, data: Dataset): Float32Array {
  const means = new Float32Array(data.count * model.latentSize);
  noGrad(() => {
    let row = 0;
    for (const batch of orderedBatches(data, 1000)) {
      means.set(model.forward(tensor(batch.images, { shape: [batch.size, model.inputSize], dtype: model.dtype })).mu.data, row * model.latentSize);
      row += batch.size;
    }
  });
  return means;
}

export interface TrainedDebiaser {
  model: DebiasingVAE;
  /** The last epoch's sampling probabilities (DB-VAE), or null (plain, uniform batches). */
  probabilities: Float64Array | null;
}

/** Train one model: plain (`debias` false) or DB-VAE, seeded by `seed`. */
export function trainDebiaser(data: Dataset, debias: boolean, seed: number, options: DebiasOptions): TrainedDebiaser {
  const model = new DebiasingVAE({ inputSize: data.height * data.width, hiddenSizes: options.hiddenSizes ?? [128], latentSize: options.latentSize ?? 8, generator: new Generator(seed) });
  const optimizer = new Adam(model.parameters(), { lr: options.lr ?? 1e-3 });
  const generator = new Generator(seed + 1);
  const batchSize = options.batchSize ?? 100;
  let probabilities: Float64Array | null = null;
  for (let epoch = 0; epoch < options.epochs; epoch++) {
    let batches = shuffledBatches(data, batchSize, generator);
    if (debias) {
      // Algorithm 1 of Amini et al.: re-estimate the latent density, then draw the epoch.
      probabilities = resamplingProbabilities(latentMeans(model, data), data.count, model.latentSize, { bins: options.bins ?? 10, alpha: options.alpha ?? 0.01, combine: options.combine ?? "max" });
      batches = orderedBatches(subset(data, resampleIndices(probabilities, data.count, generator)), batchSize);
    }
    model.train();
    for (const batch of batches) {
      const x = tensor(batch.images, { shape: [batch.size, model.inputSize], dtype: model.dtype });
      const y = tensor(Float32Array.from(batch.labels), { shape: [batch.size], dtype: model.dtype });
      optimizer.zeroGrad();
      const { loss } = debiasingLoss(model, x, y, { vaeWeight: debias ? 1 / model.inputSize : 0, generator });
      const value = loss.item();
      if (!Number.isFinite(value)) throw new Error(`debias: epoch ${epoch + 1}: the loss is not finite (${value})`);
      loss.backward();
      optimizer.step();
    }
  }
  model.eval();
  return { model, probabilities };
}

export type Subgroup = "upright" | "rotated";

export interface DebiasRow {
  model: "plain" | "DB-VAE";
  subgroup: Subgroup;
  /** Test accuracy per seed, in `seeds` order. */
  accuracies: number[];
  mean: number;
  /** Sample standard deviation over the seeds (0 for one seed). */
  std: number;
}

export interface DebiasResult {
  rows: DebiasRow[];
  /**
   * Per seed: the rotated digits' share of the training set and of DB-VAE's last draw
   * probabilities, and the draw's effective sample size 1 / Σ p² (n when uniform).
   */
  rareShare: { data: number; resampled: number; effectiveSize: number }[];
  /** The last seed's biased training set, its rotated flags and DB-VAE's last probabilities. */
  last: { data: Dataset; rotated: Uint8Array; probabilities: Float64Array };
}

function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length < 2 ? 0 : values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

/** Plain classifier against DB-VAE, per subgroup of a balanced test set, over `seeds`. */
export function debiasExperiment(train: Dataset, test: Dataset, options: DebiasOptions): DebiasResult {
  if (options.seeds.length === 0) throw new RangeError("debiasExperiment: no seeds");
  const testSets: Record<Subgroup, Dataset> = {
    upright: binaryTask(test, new Uint8Array(test.count), `${test.name}:upright`),
    rotated: binaryTask(test, new Uint8Array(test.count).fill(1), `${test.name}:rotated`),
  };
  const accuracies = new Map<string, number[]>();
  const rareShare: DebiasResult["rareShare"] = [];
  let last: DebiasResult["last"] | null = null;
  for (const seed of options.seeds) {
    const biased = biasedTrainingSet(train, options.rareFraction ?? 0.05, new Generator(seed + 1000));
    for (const debias of [false, true]) {
      const started = performance.now();
      const trained = trainDebiaser(biased.data, debias, seed, options);
      const name = debias ? "DB-VAE" : "plain";
      const measured = (Object.keys(testSets) as Subgroup[]).map((subgroup) => {
        const value = accuracy(trained.model, testSets[subgroup]);
        accuracies.set(`${name}/${subgroup}`, [...(accuracies.get(`${name}/${subgroup}`) ?? []), value]);
        return `${subgroup} ${(100 * value).toFixed(1)}%`;
      });
      options.onTrained?.(`seed ${seed}, ${name}: ${measured.join(", ")} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      if (trained.probabilities) {
        const probabilities = trained.probabilities;
        const resampled = probabilities.reduce((sum, p, i) => sum + (biased.rotated[i] === 1 ? p : 0), 0);
        const effectiveSize = 1 / probabilities.reduce((sum, p) => sum + p * p, 0);
        rareShare.push({ data: biased.rotated.reduce((a, b) => a + b, 0) / biased.data.count, resampled, effectiveSize });
        last = { data: biased.data, rotated: biased.rotated, probabilities };
      }
    }
  }
  const rows: DebiasRow[] = [];
  for (const model of ["plain", "DB-VAE"] as const) {
    for (const subgroup of ["upright", "rotated"] as const) {
      const values = accuracies.get(`${model}/${subgroup}`) ?? [];
      rows.push({ model, subgroup, accuracies: values, ...meanAndStd(values) });
    }
  }
  if (last === null) throw new Error("debiasExperiment: no DB-VAE was trained");
  return { rows, rareShare, last };
}
