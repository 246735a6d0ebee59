/**
 * The PNG writer, image grids and plots, read back by an independent decoder written here
 * (chunk parser, bitwise CRC-32, zlib inflate): what a person opens is what we drew.
 */
import fc from "fast-check";
import { inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { TAB10 } from "../../src/io/canvas.js";
import { imageGrid, imageGridPng } from "../../src/io/grid.js";
import { linePlot, scatterPlot } from "../../src/io/plots.js";
import { crc32, encodePng } from "../../src/io/png.js";

/** CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), one bit at a time. */
function referenceCrc(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

interface Decoded {
  width: number;
  height: number;
  channels: number;
  pixels: Uint8Array;
}

/** Parse a PNG: signature, chunks with verified CRCs, IHDR, IDAT inflated and unfiltered (filter 0 only). */
function decodePng(bytes: Uint8Array): Decoded {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let offset = 8;
  let header: { width: number; height: number; channels: number } | null = null;
  const idat: Uint8Array[] = [];
  const types: string[] = [];
  while (offset < bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    expect(view.getUint32(offset + 8 + length)).toBe(referenceCrc(bytes.subarray(offset + 4, offset + 8 + length)));
    types.push(type);
    if (type === "IHDR") {
      expect(body[8]).toBe(8); // bit depth
      const colorType = body[9] as number;
      expect([0, 2]).toContain(colorType);
      header = { width: view.getUint32(offset + 8), height: view.getUint32(offset + 12), channels: colorType === 2 ? 3 : 1 };
    }
    if (type === "IDAT") idat.push(body);
    offset += 12 + length;
  }
  expect(types[0]).toBe("IHDR");
  expect(types[types.length - 1]).toBe("IEND");
  if (!header) throw new Error("no IHDR");
  const raw = inflateSync(Buffer.concat(idat));
  const stride = header.width * header.channels;
  expect(raw.length).toBe(header.height * (1 + stride));
  const pixels = new Uint8Array(header.height * stride);
  for (let row = 0; row < header.height; row++) {
    expect(raw[row * (1 + stride)]).toBe(0);
    pixels.set(raw.subarray(row * (1 + stride) + 1, (row + 1) * (1 + stride)), row * stride);
  }
  return { ...header, pixels };
}

describe("encodePng", () => {
  it("round-trips random grayscale and RGB images through an independent decoder", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom(1 as const, 3 as const), fc.integer(), (width, height, channels, seed) => {
        const pixels = Uint8Array.from({ length: width * height * channels }, (_, i) => (seed * 31 + i * 7919) & 255);
        const decoded = decodePng(encodePng({ width, height, channels, pixels }));
        expect(decoded).toEqual({ width, height, channels, pixels });
      }),
      { numRuns: 60 },
    );
  });

  it("computes the standard CRC-32", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(crc32(bytes)).toBe(referenceCrc(bytes));
      }),
    );
  });

  it("rejects bad dimensions and a pixel buffer of the wrong length, naming them", () => {
    expect(() => encodePng({ width: 0, height: 2, channels: 1, pixels: new Uint8Array(0) })).toThrow(/width/);
    expect(() => encodePng({ width: 2, height: 2, channels: 3, pixels: new Uint8Array(5) })).toThrow(/12|length/);
  });
});

describe("imageGrid", () => {
  it("places each image, scaled, inside a border, and the PNG holds exactly that raster", () => {
    // Three 2x2 images with distinct intensities, 2 per row, scale 2, border 1.
    const data = [0, 0.25, 0.5, 1, 1, 1, 1, 1, 0, 0, 0, 0];
    const batch = { data, count: 3, height: 2, width: 2 };
    const grid = imageGrid(batch, { cols: 2, scale: 2, border: 1, borderValue: 0.5 });
    expect([grid.width, grid.height]).toEqual([2 * (4 + 1) + 1, 2 * (4 + 1) + 1]);
    const at = (x: number, y: number): number => grid.pixels[y * grid.width + x] as number;
    expect(at(0, 0)).toBe(128); // border
    expect([at(1, 1), at(2, 1), at(3, 1), at(1, 3), at(3, 3)]).toEqual([0, 0, 64, 128, 255]); // image 0, scaled x2
    expect(at(6, 1)).toBe(255); // image 1
    expect(at(1, 6)).toBe(0); // image 2
    expect(at(6, 6)).toBe(128); // the empty fourth cell
    expect(decodePng(imageGridPng(batch, { cols: 2, scale: 2, border: 1, borderValue: 0.5 })).pixels).toEqual(grid.pixels);
  });

  it("refuses data that does not fill count x height x width", () => {
    expect(() => imageGrid({ data: [0, 1, 2], count: 1, height: 2, width: 2 })).toThrow(/expected count\*height\*width/);
  });
});

describe("plots", () => {
  it("a scatter plot draws each label's colour at its points", () => {
    const points: [number, number][] = [[0, 0], [1, 1], [2, 0], [0, 2]];
    const labels = [0, 1, 2, 3];
    const plot = scatterPlot(points, labels, { pointRadius: 2 });
    points.forEach(([x, y], i) => {
      const [px, py] = plot.toPixel(x, y).map(Math.round) as [number, number];
      expect(plot.canvas.getPixel(px, py)).toEqual(TAB10[labels[i] as number]);
    });
    const decoded = decodePng(plot.canvas.toPng());
    expect([decoded.width, decoded.height, decoded.channels]).toEqual([plot.canvas.width, plot.canvas.height, 3]);
  });

  it("a line plot draws every series inside its plot area", () => {
    const plot = linePlot([{ name: "train", values: [-200, -150, -120] }, { name: "test", values: [-190, -160, -140] }]);
    const { left, top, width, height } = plot.area;
    for (const color of TAB10.slice(0, 2)) {
      let found = false;
      for (let y = top; y < top + height && !found; y++) {
        for (let x = left; x < left + width && !found; x++) found = plot.canvas.getPixel(x, y).every((v, i) => v === color[i]);
      }
      expect(found).toBe(true);
    }
  });

  it("rejects mismatched points and labels, and non-finite points", () => {
    expect(() => scatterPlot([[0, 0]], [1, 2])).toThrow(/1 points but 2 labels/);
    expect(() => scatterPlot([[0, Number.NaN]], [1])).toThrow(/not finite/);
  });
});
