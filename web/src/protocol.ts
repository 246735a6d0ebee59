/**
 * The messages between the page and its training worker (`train-worker.ts`), and the settings a
 * training run takes from the page's form.
 */
import type { vae } from "elbo";

export interface TrainSettings {
  latentSize: number;
  hiddenSizes: number[];
  epochs: number;
  batchSize: number;
  lr: number;
  /** How many of the bundled digits to train on (at most their count). */
  examples: number;
  seed: number;
}

/** Digits as bytes (0-255), row-major [count, height * width], as `digits.bin` holds them. */
export interface DigitBytes {
  pixels: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

export type ToWorker = { type: "train"; settings: TrainSettings; digits: DigitBytes } | { type: "stop" };

export type FromWorker =
  | { type: "ready"; threads: number; isolated: boolean }
  | { type: "step"; step: number; totalSteps: number; loss: number; examplesPerSecond: number }
  | {
      type: "done";
      stopped: boolean;
      steps: number;
      seconds: number;
      examplesPerSecond: number;
      /** The run's config.json and model.safetensors, as `elbo` on the command line reads them. */
      config: vae.RunConfig;
      checkpoint: Uint8Array;
    }
  | { type: "error"; message: string };
