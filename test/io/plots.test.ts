/**
 * Canvas, grids and plots beyond the PNG round trip (test/io/png.test.ts): tick scales, text,
 * grid placement over random layouts, scatter colours over random (overlapping) points, legends
 * and gaps in curves.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BLACK, Canvas, GLYPH_HEIGHT, TAB10, WHITE, textWidth, type Rgb } from "../../src/io/canvas.js";
import { gridLayout, imageGrid } from "../../src/io/grid.js";
import { formatTick, linePlot, niceScale, scatterPlot, type Plot } from "../../src/io/plots.js";
import { toByte } from "../../src/io/png.js";

const same = (a: Rgb, b: Rgb): boolean => a[0] === b[0] && a[1] === b[1] && a[2] === b[2];

/** Every pixel of `canvas` inside the rectangle, as [x, y, colour]. */
function* pixelsIn(canvas: Canvas, left: number, top: number, width: number, height: number): Generator<[number, number, Rgb]> {
  for (let y = top; y < top + height; y++) for (let x = left; x < left + width; x++) yield [x, y, canvas.getPixel(x, y)];
}

function countColour(canvas: Canvas, color: Rgb): number {
  let n = 0;
  for (const [, , c] of pixelsIn(canvas, 0, 0, canvas.width, canvas.height)) if (same(c, color)) n++;
  return n;
}

const pixelOf = (plot: Plot, x: number, y: number): [number, number] => plot.toPixel(x, y).map(Math.round) as [number, number];

describe("niceScale and formatTick", () => {
  it("covers the data with increasing ticks at a 1-2-5 step inside the padded range", () => {
    fc.assert(
      fc.property(fc.double({ min: -1e5, max: 1e5, noNaN: true }), fc.double({ min: 0, max: 1e5, noNaN: true }), (lo, span) => {
        const s = niceScale(lo, lo + span);
        expect(s.min).toBeLessThanOrEqual(lo);
        expect(s.max).toBeGreaterThanOrEqual(lo + span);
        expect(s.ticks.length).toBeGreaterThanOrEqual(2);
        for (let i = 0; i < s.ticks.length; i++) {
          const t = s.ticks[i] as number;
          expect(t).toBeGreaterThanOrEqual(s.min);
          expect(t).toBeLessThanOrEqual(s.max);
          if (i > 0) expect(t).toBeGreaterThan(s.ticks[i - 1] as number);
        }
        const mantissa = s.step / 10 ** Math.floor(Math.log10(s.step) + 1e-9);
        expect([1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
      }),
    );
  });

  it("uses whole-number steps on an integer axis, and widens a flat range", () => {
    expect(niceScale(1, 3, 0.02, true).ticks).toEqual([1, 2, 3]);
    const flat = niceScale(-100, -100);
    expect(flat.min).toBeLessThan(-100);
    expect(flat.max).toBeGreaterThan(-100);
    const noisy = niceScale(1e5, 1e5 + 1e-11); // flat up to rounding: still a handful of ticks
    expect(noisy.ticks.length).toBeGreaterThanOrEqual(2);
    expect(noisy.ticks.length).toBeLessThan(20);
  });

  it("prints as many decimals as the step needs, never -0", () => {
    expect(formatTick(0.25, 0.05)).toBe("0.25");
    expect(formatTick(-100, 50)).toBe("-100");
    expect(formatTick(-1e-12, 0.5)).toBe("0.0");
    expect(formatTick(1.5e6, 5e5)).toBe("1.5e+6");
  });
});

describe("Canvas", () => {
  it("draws text inside its measured box, and vertical text rotated", () => {
    const c = new Canvas(80, 80, WHITE);
    c.text(10, 10, "ELBO -1.5", BLACK, 1);
    const inked = [...pixelsIn(c, 0, 0, 80, 80)].filter(([, , col]) => same(col, BLACK));
    expect(inked.length).toBeGreaterThan(20);
    expect(Math.max(...inked.map(([x]) => x))).toBeLessThan(10 + textWidth("ELBO -1.5"));
    expect(Math.max(...inked.map(([, y]) => y))).toBeLessThan(10 + GLYPH_HEIGHT);

    const v = new Canvas(40, 80, WHITE);
    v.textVertical(5, 70, "nats", BLACK, 2);
    const vin = [...pixelsIn(v, 0, 0, 40, 80)].filter(([, , col]) => same(col, BLACK));
    expect(Math.max(...vin.map(([x]) => x)) - Math.min(...vin.map(([x]) => x))).toBeLessThan(GLYPH_HEIGHT * 2);
    expect(Math.min(...vin.map(([, y]) => y))).toBeGreaterThanOrEqual(70 - textWidth("nats", 2));
  });

  it("clips drawing at the edges and refuses reads off the canvas", () => {
    const c = new Canvas(10, 10);
    c.line(-5, -5, 20, 20, BLACK, 3);
    c.fillCircle(0, 9, 4, TAB10[1] as Rgb);
    expect(c.getPixel(5, 5)).toEqual(BLACK);
    expect(c.getPixel(0, 9)).toEqual(TAB10[1]);
    expect(() => c.getPixel(10, 0)).toThrow(/outside 10x10/);
    expect(() => new Canvas(0, 3)).toThrow(/width/);
  });
});

describe("imageGrid layout", () => {
  it("puts every pixel of every image, scaled, in its cell and the border everywhere else", () => {
    fc.assert(
      fc.property(
        fc.record({
          count: fc.integer({ min: 1, max: 12 }),
          h: fc.integer({ min: 1, max: 6 }),
          w: fc.integer({ min: 1, max: 6 }),
          cols: fc.integer({ min: 1, max: 5 }),
          scale: fc.integer({ min: 1, max: 3 }),
          border: fc.integer({ min: 0, max: 2 }),
        }),
        ({ count, h, w, cols, scale, border }) => {
          const data = Float32Array.from({ length: count * h * w }, (_, i) => ((i * 37) % 101) / 100);
          const batch = { data, count, height: h, width: w };
          const options = { cols, scale, border, borderValue: 0.5 };
          const grid = imageGrid(batch, options);
          const layout = gridLayout(batch, options);
          expect(layout.rows).toBe(Math.ceil(count / cols));
          expect([grid.width, grid.height]).toEqual([cols * (w * scale + border) + border, layout.rows * (h * scale + border) + border]);
          const expected = new Uint8Array(grid.width * grid.height).fill(128);
          for (let k = 0; k < count; k++) {
            for (let y = 0; y < h * scale; y++) {
              for (let x = 0; x < w * scale; x++) {
                const gx = border + (k % cols) * (w * scale + border) + x;
                const gy = border + Math.floor(k / cols) * (h * scale + border) + y;
                expected[gy * grid.width + gx] = toByte(data[k * h * w + Math.floor(y / scale) * w + Math.floor(x / scale)] as number);
              }
            }
          }
          expect(grid.pixels).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("names a grid too small for its images", () => {
    expect(() => imageGrid({ data: new Float32Array(5), count: 5, height: 1, width: 1 }, { rows: 2, cols: 2 })).toThrow(/2x2 grid cannot hold 5/);
  });
});

describe("scatterPlot", () => {
  it("shows at each point the colour of the last point drawn over it", () => {
    const point = fc.tuple(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }));
    fc.assert(
      fc.property(fc.array(fc.tuple(point, fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 80 }), (rows) => {
        const points = rows.map(([p]) => p);
        const labels = rows.map(([, l]) => l);
        const radius = 2;
        const plot = scatterPlot(points, labels, { width: 320, height: 260, pointRadius: radius });
        const pix = points.map(([x, y]) => pixelOf(plot, x, y));
        pix.forEach(([px, py], i) => {
          // fillCircle covers dx^2 + dy^2 <= r^2 + r around the rounded centre; later points win.
          let last = i;
          pix.forEach(([qx, qy], j) => {
            if ((qx - px) ** 2 + (qy - py) ** 2 <= radius * radius + radius) last = Math.max(last, j);
          });
          expect(plot.canvas.getPixel(px, py)).toEqual(TAB10[labels[last] as number]);
        });
      }),
      { numRuns: 40 },
    );
  });

  it("lists only the labels present in its legend", () => {
    const plot = scatterPlot([[0, 0], [1, 1], [2, 0]], [3, 7, 3], { title: "z" });
    expect(countColour(plot.canvas, TAB10[0] as Rgb)).toBe(0);
    const { left, width } = plot.area;
    const legend = [...pixelsIn(plot.canvas, left + width + 2, 0, plot.canvas.width - left - width - 2, plot.canvas.height)];
    for (const k of [3, 7]) expect(legend.some(([, , c]) => same(c, TAB10[k] as Rgb))).toBe(true);
  });

  it("names a label outside 0-9", () => {
    expect(() => scatterPlot([[0, 0]], [10])).toThrow(/label 0 must be an integer 0-9, got 10/);
  });
});

describe("linePlot", () => {
  it("draws each of many series in its own colour inside the plot area, at its points", () => {
    const series = TAB10.map((_, k) => ({ name: `s${k}`, values: Array.from({ length: 12 }, (_, i) => -200 + 10 * k + i * i) }));
    const plot = linePlot(series, { title: "curves", xLabel: "epoch", yLabel: "nats" });
    series.forEach((sr, k) => {
      const [px, py] = pixelOf(plot, 12, sr.values[11] as number);
      expect(px).toBeGreaterThanOrEqual(plot.area.left);
      expect(px).toBeLessThan(plot.area.left + plot.area.width);
      expect(py).toBeGreaterThanOrEqual(plot.area.top);
      expect(py).toBeLessThan(plot.area.top + plot.area.height);
      // The last series drawn through this marker owns it; every series shows somewhere.
      expect(countColour(plot.canvas, TAB10[k] as Rgb)).toBeGreaterThan(10);
    });
    expect(plot.canvas.getPixel(...pixelOf(plot, 12, series[9]?.values[11] as number))).toEqual(TAB10[9]);
  });

  it("leaves a gap at a non-finite value", () => {
    const plot = linePlot([{ name: "loss", values: [1, Number.NaN, 3] }, { name: "flat", values: [2, 2, 2] }], { width: 400, height: 300 });
    const [x0, y0] = pixelOf(plot, 1, 1);
    const [x2, y2] = pixelOf(plot, 3, 3);
    const mid = plot.canvas.getPixel(Math.round((x0 + x2) / 2), Math.round((y0 + y2) / 2));
    expect(mid).not.toEqual(TAB10[0]);
    expect(plot.canvas.getPixel(x0, y0)).toEqual(TAB10[0]);
    expect(plot.canvas.getPixel(x2, y2)).toEqual(TAB10[0]);
  });

  it("writes a PNG of the canvas size and names bad input", () => {
    const png = linePlot([{ name: "a", values: [1, 2] }], { width: 300, height: 200 }).canvas.toPng();
    const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
    expect([view.getUint32(16), view.getUint32(20), png[25]]).toEqual([300, 200, 2]);
    expect(() => linePlot([])).toThrow(/no series/);
    expect(() => linePlot([{ name: "a", values: [1, 2], x: [1] }])).toThrow(/"a" has 2 values but 1 x positions/);
    expect(() => linePlot([{ name: "a", values: [1] }], { width: 40, height: 40 })).toThrow(/no room/);
  });
});
