/** histogramPlot: shared bins, one outline per set in tab10 order, unit-area densities. */
import { describe, expect, it } from "vitest";
import { TAB10, type Rgb } from "../../src/io/canvas.js";
import { histogramPlot } from "../../src/io/plots.js";

const same = (a: Rgb, b: Rgb): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

describe("histogramPlot", () => {
  it("draws each set in its colour, the taller density where the set is concentrated", () => {
    // 100 values spread over [0, 10) against 10 values all at 9.5: the second peaks 10x higher.
    const spread = Array.from({ length: 100 }, (_, i) => i / 10);
    const plot = histogramPlot([{ name: "spread", values: spread }, { name: "peak", values: Array(10).fill(9.5) }], { bins: 10 });
    const topOf = (color: Rgb): number => {
      for (let y = plot.area.top; y < plot.area.top + plot.area.height; y++) {
        for (let x = plot.area.left; x < plot.area.left + plot.area.width; x++) if (same(plot.canvas.getPixel(x, y), color)) return y;
      }
      return Infinity;
    };
    const spreadTop = topOf(TAB10[0] as Rgb);
    const peakTop = topOf(TAB10[1] as Rgb);
    expect(peakTop).toBeLessThan(spreadTop);
    // Unit area: the peak's density is 1 / 0.99 (one bin of width 0.99), the spread's 0.1.
    const [, peakY] = plot.toPixel(0, 1 / 0.99);
    const [, spreadY] = plot.toPixel(0, 10 / (100 * 0.99));
    expect(Math.abs(peakTop - peakY)).toBeLessThanOrEqual(2);
    expect(Math.abs(spreadTop - spreadY)).toBeLessThanOrEqual(2);
  });

  it("rejects bad bins and empty input by name", () => {
    expect(() => histogramPlot([{ name: "a", values: [1] }], { bins: 0 })).toThrow(/histogramPlot: bins must be a positive integer/);
    expect(() => histogramPlot([])).toThrow(/histogramPlot: no sets/);
    expect(() => histogramPlot([{ name: "a", values: [Number.NaN] }])).toThrow(/histogramPlot: no finite values/);
  });
});
