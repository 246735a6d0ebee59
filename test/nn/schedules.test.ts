/** The IWAE paper's learning-rate schedule (Burda et al. 2016, sec. 5): stage i lasts 3^i epochs at 1e-3 · 10^(−i/7). */
import { describe, expect, it } from "vitest";
import { iwaeLearningRate, iwaeStage } from "../../src/nn/index.js";

describe("iwaeStage and iwaeLearningRate", () => {
  it("puts each epoch in the stage the paper's stage lengths 1, 3, 9, 27, ... give it", () => {
    // 0-based epochs: stage 0 = {0}, stage 1 = 1..3, stage 2 = 4..12, stage 3 = 13..39, stage 7 ends at 3,279.
    const table: [number, number][] = [[0, 0], [1, 1], [3, 1], [4, 2], [12, 2], [13, 3], [39, 3], [40, 4], [1092, 6], [1093, 7], [3279, 7], [3280, 8]];
    for (const [epoch, stage] of table) expect([epoch, iwaeStage(epoch)]).toEqual([epoch, stage]);
  });

  it("every epoch of stages 0-7 (3,280 epochs) has the rate base · 10^(-i/7), each stage 3^i epochs long", () => {
    const lengths = new Map<number, number>();
    for (let epoch = 0; epoch < 3280; epoch++) {
      const stage = iwaeStage(epoch);
      lengths.set(stage, (lengths.get(stage) ?? 0) + 1);
      expect(iwaeLearningRate(1e-3, epoch)).toBe(1e-3 * 10 ** (-stage / 7));
    }
    expect([...lengths.entries()]).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => [i, 3 ** i]));
    // The last stage's rate is a tenth of the first's: 10^(-7/7).
    expect(iwaeLearningRate(1e-3, 3279)).toBeCloseTo(1e-4, 18);
    expect(iwaeLearningRate(2e-3, 5)).toBe(2e-3 * 10 ** (-2 / 7));
  });

  it("refuses an epoch that is negative or not an integer, naming it", () => {
    expect(() => iwaeStage(-1)).toThrow("iwaeStage: epoch must be an integer >= 0, got -1");
    expect(() => iwaeLearningRate(1e-3, 1.5)).toThrow("got 1.5");
  });
});
