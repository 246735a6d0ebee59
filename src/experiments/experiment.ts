/** What every experiment takes (the data and the judge) and returns (a summary and named figures). */
import type { Dataset } from "../data/dataset.js";
import type { Canvas } from "../io/canvas.js";
import type { Judge } from "./judge.js";

export interface ExperimentData {
  train: Dataset;
  test: Dataset;
  /** The dataset's name for titles and summary.json ("mnist", "fashion-mnist", a directory). */
  name: string;
  /** Class names for legends (Fashion-MNIST); digits otherwise. */
  labelNames?: readonly string[];
  /** The classifier that judges samples and reconstructions (see judge.ts). */
  judge: Judge;
}

export interface ExperimentResult<Summary> {
  /** Everything measured: what summary.json holds. */
  summary: Summary;
  /** Figures by file name. */
  figures: Record<string, Canvas>;
}
