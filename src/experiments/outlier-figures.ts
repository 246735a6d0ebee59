/**
 * The pictures of the outlier experiment: ROC curves of the three score functions, the two
 * score distributions, and the in-distribution images the model finds least likely.
 */
import { subset, type Dataset } from "../data/index.js";
import { imageGridPng } from "../io/grid.js";
import { histogramPlot, linePlot } from "../io/plots.js";
import { SCORE_FUNCTIONS, type OutlierResult, type ScoreName } from "./outliers.js";

/** TPR against FPR per score function, AUROC in the legend, and the chance diagonal. */
export function rocPng(result: OutlierResult, title = "ROC: outliers flagged by low score"): Uint8Array {
  const series = result.rows.map((row) => ({
    name: `${row.name} ${row.auroc.toFixed(3)}`,
    x: result.curves[row.key].falsePositiveRate,
    values: result.curves[row.key].truePositiveRate,
  }));
  series.push({ name: "chance 0.500", x: [0, 1], values: [0, 1] });
  return linePlot(series, { title, xLabel: "false positive rate", yLabel: "true positive rate", width: 760, height: 560 }).canvas.toPng();
}

/** The densities of one score over both sets. */
export function histogramPng(result: OutlierResult, key: ScoreName, names: { in: string; out: string }): Uint8Array {
  const label = SCORE_FUNCTIONS.find((s) => s.key === key)?.name ?? key;
  return histogramPlot(
    [
      { name: `${names.in} (in)`, values: result.inScores[key] },
      { name: `${names.out} (out)`, values: result.outScores[key] },
    ],
    { title: `${label}, nats: higher = more typical`, xLabel: "nats per image", yLabel: "density", bins: 50, width: 760, height: 480 },
  ).canvas.toPng();
}

/** The `count` images of `data` with the lowest `scores`, lowest first, in rows of 8. */
export function lowestPng(data: Dataset, scores: Float64Array, count = 32): Uint8Array {
  const order = Array.from(scores.keys()).sort((a, b) => (scores[a] as number) - (scores[b] as number)).slice(0, count);
  const lowest = subset(data, order);
  return imageGridPng({ data: lowest.images, count: lowest.count, height: data.height, width: data.width }, { cols: 8, scale: 2 });
}
