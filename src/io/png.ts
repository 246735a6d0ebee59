/**
 * A minimal PNG encoder: 8-bit grayscale (color type 0) or RGB (color type 2), one IDAT chunk,
 * filter type 0 (None) on every row. Compression is node:zlib's deflate; the chunk CRC-32 is
 * computed here (PNG spec, ISO 15948, section 5.5).
 */
import { deflateSync } from "node:zlib";

/** A raster of 8-bit samples, row-major, `channels` samples per pixel (1 gray, 3 RGB). */
export interface PngImage {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: Uint8Array;
}

/** The 8-byte PNG signature: \x89 P N G \r \n \x1a \n. */
const PNG_SIGNATURE: Uint8Array = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

// CRC-32 (reflected polynomial 0xEDB88320), one table entry per byte value.
const CRC_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 of `bytes`, continuing from `crc` (the CRC of the bytes before; 0 to start). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

// PNG limits width and height to 2^31 - 1; we also refuse rasters that cannot fit in memory.
const MAX_DIMENSION = 0x7fffffff;

/** Throws a RangeError naming the field when `image` is not a well-formed raster. */
function validatePngImage(image: PngImage): void {
  const { width, height, channels, pixels } = image;
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > MAX_DIMENSION) {
      throw new RangeError(`encodePng: ${name} must be a positive integer, got ${value}`);
    }
  }
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`encodePng: channels must be 1 (gray) or 3 (RGB), got ${String(channels)}`);
  }
  if (!(pixels instanceof Uint8Array)) throw new TypeError("encodePng: pixels must be a Uint8Array");
  const expected = width * height * channels;
  if (pixels.length !== expected) {
    throw new RangeError(
      `encodePng: pixels has length ${pixels.length}, expected width*height*channels = ` +
        `${width}*${height}*${channels} = ${expected}`,
    );
  }
}

/** One chunk: 4-byte big-endian length, type, data, CRC-32 over type and data. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** Encodes an 8-bit gray or RGB raster as a complete PNG file. */
export function encodePng(image: PngImage): Uint8Array {
  validatePngImage(image);
  const { width, height, channels, pixels } = image;

  // IHDR: width, height, bit depth 8, color type, compression 0, filter method 0, no interlace.
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8;
  ihdr[9] = channels === 1 ? 0 : 2;

  // Each scanline is prefixed by its filter type byte (0 = None).
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const idat = deflateSync(raw, { level: 9 });

  const parts = [
    PNG_SIGNATURE,
    chunk("IHDR", ihdr),
    chunk("IDAT", new Uint8Array(idat.buffer, idat.byteOffset, idat.byteLength)),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** An intensity in [0, 1] as an 8-bit sample: clamped and rounded; NaN becomes 0. */
export function toByte(v: number): number {
  return v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0;
}
