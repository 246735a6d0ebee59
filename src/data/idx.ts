/**
 * IDX, the array format of LeCun's MNIST files, parsed from bytes. Pure: no `node:` imports,
 * so it runs in a browser on a fetched buffer.
 *
 *   offset 0  0x00 0x00            magic
 *   offset 2  type byte            0x08 ubyte, 0x09 sbyte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
 *   offset 3  ndims                number of dimensions
 *   offset 4  ndims x uint32       each dimension, big-endian
 *   then      product(dims) items  big-endian, row-major
 *
 * The bytes are untrusted: every size is checked against the input's length before anything is
 * allocated, and every error names the source and the byte offset where it was found.
 */

export type IdxType = "ubyte" | "sbyte" | "int16" | "int32" | "float32" | "float64";
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  type: IdxType;
  dims: number[];
  data: IdxData;
}

/** Byte offsets of the header fields, for errors raised by callers that validate the content. */
export const IDX_TYPE_OFFSET = 2;
export const IDX_NDIMS_OFFSET = 3;
export function idxDimOffset(axis: number): number {
  return 4 + 4 * axis;
}

/** More dimensions than any IDX file in use; a larger count is taken as a corrupt header. */
export const IDX_MAX_DIMS = 16;

const TYPES: ReadonlyMap<number, { type: IdxType; itemSize: number }> = new Map([
  [0x08, { type: "ubyte", itemSize: 1 }],
  [0x09, { type: "sbyte", itemSize: 1 }],
  [0x0b, { type: "int16", itemSize: 2 }],
  [0x0c, { type: "int32", itemSize: 4 }],
  [0x0d, { type: "float32", itemSize: 4 }],
  [0x0e, { type: "float64", itemSize: 8 }],
]);

export class IdxError extends Error {
  readonly source: string;
  readonly offset: number;

  constructor(source: string, message: string, offset: number) {
    super(`${source}: ${message} (offset ${offset})`);
    this.name = "IdxError";
    this.source = source;
    this.offset = offset;
  }
}

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}

/** What an IDX header declares: the item type, the dimensions, the header's size and the data's. */
export interface IdxHeader {
  type: IdxType;
  itemSize: number;
  dims: number[];
  headerBytes: number;
  dataBytes: number;
}

/**
 * Read the header at the start of `bytes` (which may hold only a prefix of the file) and the
 * sizes it declares. Throws an `IdxError` for a bad or truncated header.
 */
export function parseIdxHeader(bytes: Uint8Array, source: string): IdxHeader {
  const length = bytes.length;
  if (length < 4) {
    throw new IdxError(source, `truncated header: ${length} bytes, an IDX header needs at least 4`, length);
  }
  const [b0, b1, typeByte, ndims] = [bytes[0] ?? 0, bytes[1] ?? 0, bytes[2] ?? 0, bytes[3] ?? 0];
  if (b0 !== 0 || b1 !== 0) {
    const hint = b0 === 0x1f && b1 === 0x8b ? "; this is a gzip stream, decompress it first" : "";
    throw new IdxError(source, `bad magic: expected 0x00 0x00, found ${hex(b0)} ${hex(b1)}${hint}`, b0 !== 0 ? 0 : 1);
  }
  const kind = TYPES.get(typeByte);
  if (!kind) {
    throw new IdxError(source, `unknown data type ${hex(typeByte)} (expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)`, IDX_TYPE_OFFSET);
  }
  if (ndims === 0 || ndims > IDX_MAX_DIMS) {
    throw new IdxError(source, `number of dimensions is ${ndims}, expected 1 to ${IDX_MAX_DIMS}`, IDX_NDIMS_OFFSET);
  }
  const headerSize = idxDimOffset(ndims);
  if (length < headerSize) {
    const axis = Math.floor((length - 4) / 4);
    throw new IdxError(
      source,
      `truncated header: ${ndims} dimensions need a ${headerSize}-byte header, found ${length} bytes`,
      idxDimOffset(axis),
    );
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const dims: number[] = [];
  for (let axis = 0; axis < ndims; axis++) dims.push(view.getUint32(idxDimOffset(axis), false));

  // product(dims) * itemSize, kept exact: stop at the first axis that leaves the safe integers.
  let expected = dims.includes(0) ? 0 : kind.itemSize;
  for (let axis = 0; axis < ndims && expected !== 0; axis++) {
    const dim = dims[axis] as number;
    if (expected > Number.MAX_SAFE_INTEGER / dim) {
      throw new IdxError(source, `dimensions [${dims.join(", ")}] of ${kind.type} overflow the addressable size`, idxDimOffset(axis));
    }
    expected *= dim;
  }
  return { type: kind.type, itemSize: kind.itemSize, dims, headerBytes: headerSize, dataBytes: expected };
}

/**
 * Parse one IDX array. `source` names the bytes in errors (usually the file path).
 * NOTE: ubyte and sbyte data are views on `bytes` (no copy); wider types are decoded into new arrays.
 */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  const length = bytes.length;
  const { headerBytes: headerSize, dataBytes: expected, dims, ...kind } = parseIdxHeader(bytes, source);
  const found = length - headerSize;
  if (expected !== found) {
    throw new IdxError(
      source,
      `expected ${expected} data bytes after the ${headerSize}-byte header, found ${found}`,
      headerSize,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);

  const count = expected / kind.itemSize;
  const start = bytes.byteOffset + headerSize;
  switch (kind.type) {
    case "ubyte":
      return { type: kind.type, dims, data: bytes.subarray(headerSize) };
    case "sbyte":
      return { type: kind.type, dims, data: new Int8Array(bytes.buffer, start, count) };
    case "int16": {
      const data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(headerSize + 2 * i, false);
      return { type: kind.type, dims, data };
    }
    case "int32": {
      const data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(headerSize + 4 * i, false);
      return { type: kind.type, dims, data };
    }
    case "float32": {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(headerSize + 4 * i, false);
      return { type: kind.type, dims, data };
    }
    case "float64": {
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(headerSize + 8 * i, false);
      return { type: kind.type, dims, data };
    }
  }
}
