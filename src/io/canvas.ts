/**
 * A tiny RGB raster for plots: fill, pixels, lines, filled shapes and text in a built-in 5x7
 * bitmap font. Coordinates are integer pixels, origin top-left, y down; everything drawn
 * outside the canvas is clipped silently.
 */
import { encodePng, type PngImage } from "./png.js";

/** An RGB colour, each channel 0-255. */
export type Rgb = readonly [number, number, number];

export const WHITE: Rgb = [255, 255, 255];
export const BLACK: Rgb = [0, 0, 0];

/** The ten-colour "tab10" palette (matplotlib / Tableau 10), indexed by digit label. */
export const TAB10: readonly Rgb[] = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

// 5x7 glyphs (HD44780-style): seven rows, each two hex digits, bit 4 is the leftmost column.
const FONT: Readonly<Record<string, string>> = {
  " ": "00000000000000", "0": "0E11131519110E", "1": "040C040404040E", "2": "0E11010204081F",
  "3": "1F02040201110E", "4": "02060A121F0202", "5": "1F101E0101110E",
  "6": "0608101E11110E", "7": "1F010204080808", "8": "0E11110E11110E", "9": "0E11110F01020C",
  A: "0E1111111F1111", B: "1E11111E11111E", C: "0E11101010110E", D: "1C12111111121C",
  E: "1F10101E10101F", F: "1F10101E101010", G: "0E11101711110F",
  H: "1111111F111111", I: "0E04040404040E", J: "0702020202120C", K: "11121418141211",
  L: "1010101010101F", M: "111B1515111111", N: "11111915131111", O: "0E11111111110E",
  P: "1E11111E101010", Q: "0E11111115120D", R: "1E11111E141211", S: "0F10100E01011E",
  T: "1F040404040404", U: "1111111111110E", V: "11111111110A04", W: "1111111515150A",
  X: "11110A040A1111", Y: "1111110A040404", Z: "1F01020408101F",
  a: "00000E010F110F", b: "1010161911111E", c: "00000E1010110E",
  d: "01010D1311110F", e: "00000E111F100E", f: "0609081C080808", g: "00000F110F010E",
  h: "10101619111111", i: "04000C0404040E", j: "0200060202120C", k: "10101214181412",
  l: "0C04040404040E", m: "00001A15151111", n: "00001619111111", o: "00000E1111110E",
  p: "00001E111E1010", q: "00000D130F0101", r: "00001619101010", s: "00000E100E011E",
  t: "08081C08080906", u: "0000111111130D", v: "00001111110A04",
  w: "0000111115150A", x: "0000110A040A11", y: "000011110F010E",
  z: "00001F0204081F",
  ".": "00000000000C0C", ",": "000000000C0408", "-": "0000001F000000", ":": "000C0C000C0C00", ";": "000C0C000C0408",
  "+": "0004041F040400", "=": "00001F001F0000", "(": "02040808080402", ")": "08040202020408",
  "/": "00010204081000", "%": "18190204081303", "_": "0000000000001F", "?": "0E110102040004",
  "!": "04040404000004", "[": "0E08080808080E", "]": "0E02020202020E", "<": "02040810080402",
  ">": "08040201020408", "*": "0004150E150400", "#": "0A0A1F0A1F0A0A", "'": "0C040800000000",
  "|": "04040404040404", "^": "040A1100000000", "~": "00000D16000000",
};
// Unknown characters are drawn as a hollow box.
const MISSING_GLYPH = "1F111111111F00";

/** Font metrics at scale 1: glyph cell 5x7, advance 6 px per character. */
const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
const GLYPH_ADVANCE = 6;

function glyphRows(ch: string): number[] {
  const hex = FONT[ch] ?? MISSING_GLYPH;
  const rows: number[] = [];
  for (let r = 0; r < GLYPH_HEIGHT; r++) rows.push(parseInt(hex.slice(2 * r, 2 * r + 2), 16));
  return rows;
}

/** Pixel width of `text` drawn at integer `scale` (no trailing gap). */
export function textWidth(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * GLYPH_ADVANCE - 1) * scale;
}

export class Canvas {
  readonly width: number;
  readonly height: number;
  /** RGB samples, row-major, 3 per pixel. */
  readonly pixels: Uint8Array;

  constructor(width: number, height: number, background: Rgb = WHITE) {
    for (const [name, v] of [["width", width], ["height", height]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`Canvas: ${name} must be a positive integer, got ${v}`);
    }
    this.width = width;
    this.height = height;
    this.pixels = new Uint8Array(width * height * 3);
    this.fill(background);
  }

  fill(color: Rgb): void {
    for (let i = 0; i < this.pixels.length; i += 3) {
      this.pixels[i] = color[0];
      this.pixels[i + 1] = color[1];
      this.pixels[i + 2] = color[2];
    }
  }

  /** Sets one pixel; coordinates are rounded, and points off the canvas are ignored. */
  setPixel(x: number, y: number, color: Rgb): void {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return;
    const i = (py * this.width + px) * 3;
    this.pixels[i] = color[0];
    this.pixels[i + 1] = color[1];
    this.pixels[i + 2] = color[2];
  }

  /** The colour at (x, y); throws when the point is off the canvas. */
  getPixel(x: number, y: number): Rgb {
    const px = Math.round(x);
    const py = Math.round(y);
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) {
      throw new RangeError(`Canvas.getPixel: (${px}, ${py}) is outside ${this.width}x${this.height}`);
    }
    const i = (py * this.width + px) * 3;
    return [this.pixels[i] as number, this.pixels[i + 1] as number, this.pixels[i + 2] as number];
  }

  /** Axis-aligned filled rectangle with top-left (x, y). */
  fillRect(x: number, y: number, w: number, h: number, color: Rgb): void {
    const x0 = Math.max(0, Math.round(x));
    const y0 = Math.max(0, Math.round(y));
    const x1 = Math.min(this.width, Math.round(x + w));
    const y1 = Math.min(this.height, Math.round(y + h));
    for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) this.setPixel(px, py, color);
  }

  /** Filled square of side 2*half+1 centred on (cx, cy). */
  fillSquare(cx: number, cy: number, half: number, color: Rgb): void {
    const x = Math.round(cx) - half;
    const y = Math.round(cy) - half;
    this.fillRect(x, y, 2 * half + 1, 2 * half + 1, color);
  }

  /** Filled disc: every pixel whose centre lies within `radius` of (cx, cy) (rounded). */
  fillCircle(cx: number, cy: number, radius: number, color: Rgb): void {
    const x0 = Math.round(cx);
    const y0 = Math.round(cy);
    const r = Math.ceil(radius);
    const r2 = radius * radius + radius; // + radius rounds the rim outward, like midpoint discs
    for (let dy = -r; dy <= r; dy++) {
      for (let dx = -r; dx <= r; dx++) if (dx * dx + dy * dy <= r2) this.setPixel(x0 + dx, y0 + dy, color);
    }
  }

  /** Bresenham line from (x0, y0) to (x1, y1), with a square brush `thickness` pixels wide. */
  line(x0: number, y0: number, x1: number, y1: number, color: Rgb, thickness = 1): void {
    let x = Math.round(x0);
    let y = Math.round(y0);
    const xe = Math.round(x1);
    const ye = Math.round(y1);
    const dx = Math.abs(xe - x);
    const dy = -Math.abs(ye - y);
    const sx = x < xe ? 1 : -1;
    const sy = y < ye ? 1 : -1;
    const lo = -Math.floor((thickness - 1) / 2);
    const hi = lo + Math.max(1, Math.round(thickness)) - 1;
    let err = dx + dy;
    for (;;) {
      for (let oy = lo; oy <= hi; oy++) for (let ox = lo; ox <= hi; ox++) this.setPixel(x + ox, y + oy, color);
      if (x === xe && y === ye) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y += sy;
      }
    }
  }

  /** Draws `text` with its top-left corner at (x, y), each font pixel `scale` x `scale`. */
  text(x: number, y: number, text: string, color: Rgb, scale = 1): void {
    this.drawText(x, y, text, color, scale, false);
  }

  /** Draws `text` rotated 90 degrees counter-clockwise (reads bottom to top), starting at
   * its bottom-left corner (x, y): used for y-axis labels. */
  textVertical(x: number, y: number, text: string, color: Rgb, scale = 1): void {
    this.drawText(x, y, text, color, scale, true);
  }

  private drawText(x: number, y: number, text: string, color: Rgb, scale: number, vertical: boolean): void {
    const s = Math.max(1, Math.round(scale));
    let pen = 0;
    for (const ch of text) {
      const rows = glyphRows(ch);
      for (let r = 0; r < GLYPH_HEIGHT; r++) {
        const bits = rows[r] as number;
        for (let c = 0; c < GLYPH_WIDTH; c++) {
          if (((bits >> (GLYPH_WIDTH - 1 - c)) & 1) === 0) continue;
          // Horizontal: column runs right, row runs down. Vertical: column runs up, row runs right.
          const u = pen + c * s;
          const v = r * s;
          if (vertical) this.fillRect(x + v, y - u - s, s, s, color);
          else this.fillRect(x + u, y + v, s, s, color);
        }
      }
      pen += GLYPH_ADVANCE * s;
    }
  }

  /** The canvas as an RGB raster (shares the pixel buffer). */
  toImage(): PngImage {
    return { width: this.width, height: this.height, channels: 3, pixels: this.pixels };
  }

  toPng(): Uint8Array {
    return encodePng(this.toImage());
  }
}
