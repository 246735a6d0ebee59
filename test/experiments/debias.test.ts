/** debiasExperiment on a small slice: the table's shape and arithmetic, the draw's diagnostics, the picture. */
import { describe, expect, it } from "vitest";
import { loadBundledMnist, subset } from "../../src/data/index.js";
import { resampledExtremesPng } from "../../src/experiments/debias-figures.js";
import { debiasExperiment } from "../../src/experiments/debias.js";
import { debiasTable } from "../../src/cli/experiment-debias.js";

describe("debiasExperiment", () => {
  it("measures both models per subgroup over the seeds, with mean and sample sd", () => {
    const all = loadBundledMnist();
    const train = subset(all, Array.from({ length: 800 }, (_, i) => i * 12));
    const test = subset(all, Array.from({ length: 100 }, (_, i) => i * 97 + 5));
    const lines: string[] = [];
    const result = debiasExperiment(train, test, { seeds: [0, 1], epochs: 2, hiddenSizes: [16], latentSize: 2, onTrained: (l) => lines.push(l) });
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^seed 0, DB-VAE: upright \d+\.\d%, rotated \d+\.\d% \(/);
    expect(result.rows.map((r) => `${r.model}/${r.subgroup}`)).toEqual(["plain/upright", "plain/rotated", "DB-VAE/upright", "DB-VAE/rotated"]);
    for (const row of result.rows) {
      expect(row.accuracies).toHaveLength(2);
      const [a, b] = row.accuracies as [number, number];
      expect(row.mean).toBeCloseTo((a + b) / 2, 12);
      expect(row.std).toBeCloseTo(Math.abs(a - b) / Math.SQRT2, 12); // sample sd of two values
      for (const value of row.accuracies) expect(value * 100).toBeCloseTo(Math.round(value * 100), 9); // k of 100 test digits
    }
    // Two epochs on 760 upright digits: upright accuracy is well above chance for the plain classifier.
    expect(result.rows[0]?.mean).toBeGreaterThan(0.7);
    expect(result.rareShare).toHaveLength(2);
    for (const share of result.rareShare) {
      expect(share.data).toBe(40 / 800);
      expect(share.resampled).toBeGreaterThan(0);
      expect(share.resampled).toBeLessThan(1);
      expect(share.effectiveSize).toBeGreaterThanOrEqual(1);
      expect(share.effectiveSize).toBeLessThanOrEqual(800 + 1e-9);
    }
    expect(result.last.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(debiasTable(result)[2]).toMatch(/^\| plain \| upright \| \d+\.\d% ± \d+\.\d \| \d+\.\d%, \d+\.\d% \|$/);
    const png = resampledExtremesPng(result);
    const view = new DataView(png.buffer, png.byteOffset);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([8 * 57 + 1, 4 * 57 + 1]);
  });
});
