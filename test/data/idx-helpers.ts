/** Test helpers: a small IDX encoder (the inverse of parseIdx, written independently of it) and an IdxError check. */
import { expect } from "vitest";
import { IdxError, type IdxType } from "../../src/data/idx.js";

export const TYPE_CODES: Record<IdxType, number> = { ubyte: 0x08, sbyte: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };
export const ITEM_SIZES: Record<IdxType, number> = { ubyte: 1, sbyte: 1, int16: 2, int32: 4, float32: 4, float64: 8 };
export const IDX_TYPES = Object.keys(TYPE_CODES) as IdxType[];

/** Header only: magic, type code, ndims, big-endian dims. */
export function encodeIdxHeader(typeCode: number, dims: readonly number[]): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = typeCode;
  header[3] = dims.length;
  dims.forEach((dim, axis) => view.setUint32(4 + 4 * axis, dim, false));
  return header;
}

/** A full IDX file: header then the values, big-endian. */
export function encodeIdx(type: IdxType, dims: readonly number[], values: ArrayLike<number>): Uint8Array {
  const header = encodeIdxHeader(TYPE_CODES[type], dims);
  const size = ITEM_SIZES[type];
  const out = new Uint8Array(header.length + values.length * size);
  out.set(header);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    const offset = header.length + i * size;
    const value = values[i] as number;
    if (type === "ubyte") view.setUint8(offset, value);
    else if (type === "sbyte") view.setInt8(offset, value);
    else if (type === "int16") view.setInt16(offset, value, false);
    else if (type === "int32") view.setInt32(offset, value, false);
    else if (type === "float32") view.setFloat32(offset, value, false);
    else view.setFloat64(offset, value, false);
  }
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Runs `parse`, expects an IdxError that names `source` and an offset, and returns it. */
export function expectIdxError(parse: () => unknown, source: string): IdxError {
  let caught: unknown;
  try {
    parse();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(IdxError);
  const error = caught as IdxError;
  expect(error.source).toBe(source);
  expect(Number.isSafeInteger(error.offset) && error.offset >= 0).toBe(true);
  expect(error.message.startsWith(`${source}: `)).toBe(true);
  expect(error.message.endsWith(`(offset ${error.offset})`)).toBe(true);
  return error;
}
