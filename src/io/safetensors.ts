/**
 * The checkpoint format: safetensors (https://github.com/huggingface/safetensors), as a pure
 * byte codec that runs unchanged in a browser.
 *
 *   bytes 0-7      N, the header length: an unsigned 64-bit little-endian integer
 *   bytes 8..8+N   UTF-8 JSON: { name: { dtype, shape, data_offsets: [begin, end] }, ...,
 *                  "__metadata__"?: { key: string } }, padded with spaces to an 8-byte boundary
 *   the rest       the data section: each tensor's little-endian elements, row-major, at
 *                  [begin, end) relative to the start of the data section
 *
 * A file is untrusted: every size is checked against the input's length before it is used, and
 * nothing larger than the input (times 8, for integers widened to float64) is allocated.
 *
 * Decoding reads what PyTorch writes besides F32 and F64: halves (F16, BF16) are up-cast to
 * float32 exactly; integers (BOOL, U8 ... I64, U64) become float64, which holds every one up to
 * 2^53 exactly (a larger I64/U64 value is an error naming the tensor and element). Encoding
 * writes F32 and F64 only.
 */
import { NDArray } from "../tensor/ndarray.js";
import type { TypedArray } from "../tensor/dtype.js";

/** A file that is not a valid safetensors checkpoint; the message names the source and the problem. */
export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

export interface DecodedSafetensors {
  /** In data order (by offset), which is the insertion order of the map that was encoded. */
  tensors: Map<string, NDArray>;
  metadata: Record<string, string>;
}

type FloatCode = "F32" | "F64";
/** The dtypes decoded by widening: halves to float32, integers to float64. */
type WidenedCode = "F16" | "BF16" | "BOOL" | "U8" | "I8" | "U16" | "I16" | "U32" | "I32" | "U64" | "I64";
type ReadCode = FloatCode | WidenedCode;

const METADATA_KEY = "__metadata__";
const LENGTH_BYTES = 8;
/** The largest header we parse, as in the reference implementation (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;
const ITEM_SIZE: Readonly<Record<ReadCode, number>> = {
  F32: 4, F64: 8, F16: 2, BF16: 2, BOOL: 1, U8: 1, I8: 1, U16: 2, I16: 2, U32: 4, I32: 4, U64: 8, I64: 8,
};
const isReadCode = (dtype: string): dtype is ReadCode => Object.hasOwn(ITEM_SIZE, dtype);
/** Valid safetensors dtypes that elbo does not read. */
const OTHER_DTYPES = new Set(["F8_E5M2", "F8_E4M3", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64"]);
/** The largest integer magnitude float64 holds exactly, and every smaller one. */
const EXACT_INTEGER = 2n ** 53n;
const MAX_COUNT = 2 ** 50;
const TENSOR_FIELDS = ["dtype", "shape", "data_offsets"] as const;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Encode tensors (in the map's order) and optional string metadata into one file's bytes. */
export function encodeSafetensors(tensors: ReadonlyMap<string, NDArray>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  // The header is assembled as text, entry by entry, so key order is exactly the map's order
  // (a JS object would move integer-like keys first and treat "__proto__" specially).
  const entries: string[] = [];
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== "string") throw new SafetensorsError(`encodeSafetensors: metadata value for ${quote(key)} is not a string`);
    }
    entries.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }
  let dataLength = 0;
  for (const [name, array] of tensors) {
    if (name === METADATA_KEY) throw new SafetensorsError(`encodeSafetensors: the tensor name ${quote(name)} is reserved`);
    const code: FloatCode = array.dtype === "float64" ? "F64" : "F32";
    const info = { dtype: code, shape: array.shape, data_offsets: [dataLength, dataLength + array.data.byteLength] };
    entries.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    dataLength += array.data.byteLength;
  }
  const json = new TextEncoder().encode(`{${entries.join(",")}}`);
  // Pad with spaces so the data section starts on an 8-byte boundary.
  const headerLength = json.length + ((LENGTH_BYTES - (json.length % LENGTH_BYTES)) % LENGTH_BYTES);
  const out = new Uint8Array(LENGTH_BYTES + headerLength + dataLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, LENGTH_BYTES);
  out.fill(0x20, LENGTH_BYTES + json.length, LENGTH_BYTES + headerLength);
  let offset = LENGTH_BYTES + headerLength;
  for (const array of tensors.values()) {
    writeLittleEndian(out, offset, array.data);
    offset += array.data.byteLength;
  }
  return out;
}

interface Entry {
  name: string;
  code: ReadCode;
  shape: number[];
  begin: number;
  end: number;
}

/** Decode and fully validate a file's bytes; `source` (a path) prefixes every error message. */
export function decodeSafetensors(bytes: Uint8Array, source = "<bytes>"): DecodedSafetensors {
  const fail = (problem: string): never => {
    throw new SafetensorsError(`${source}: ${problem}`);
  };
  if (bytes.length < LENGTH_BYTES) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length (bytes 0-7)`);
  const declared = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  // Compared as BigInt before anything is sliced: a forged length can be up to 2^64 - 1.
  if (declared > BigInt(bytes.length - LENGTH_BYTES)) fail(`header length ${declared} exceeds the file size ${bytes.length} (bytes 0-7)`);
  if (declared > BigInt(MAX_HEADER_BYTES)) fail(`header length ${declared} exceeds the limit of ${MAX_HEADER_BYTES} bytes (bytes 0-7)`);
  const headerEnd = LENGTH_BYTES + Number(declared);
  const where = `(bytes ${span(LENGTH_BYTES, headerEnd)})`;

  let text = "";
  try {
    // fatal: invalid UTF-8 throws; ignoreBOM: a byte-order mark stays in the text, so JSON rejects it.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(LENGTH_BYTES, headerEnd));
  } catch {
    fail(`header is not valid UTF-8 ${where}`);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    fail(`header is not valid JSON ${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isPlainObject(header)) return fail(`header is not a JSON object but ${describe(header)} ${where}`);
  // JSON.parse keeps only the last of repeated keys and moves integer-like keys first, so
  // repeats and the written order of the names are read from the text.
  const { names, repeated } = scanKeys(text);
  if (repeated !== undefined) fail(`header repeats the key ${quote(repeated)} ${where}`);
  const values = new Map(Object.entries(header));

  const dataLength = bytes.length - headerEnd;
  const fileBytes = (begin: number, end: number): string => `file bytes ${span(headerEnd + begin, headerEnd + end)}`;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const name of names) {
    const value = values.get(name);
    if (name === METADATA_KEY) metadata = checkMetadata(value, fail);
    else entries.push(checkEntry(name, value, dataLength, fileBytes, (problem) => fail(`tensor ${quote(name)}: ${problem}`)));
  }

  // Sorted by offset (a stable sort: empty tensors at one offset keep their written order),
  // the tensors must tile the data section exactly: no overlap, gap or tail.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const entry of entries) {
    if (entry.begin < covered && previous) {
      fail(`tensors ${quote(previous.name)} and ${quote(entry.name)} overlap (${fileBytes(entry.begin, Math.min(covered, entry.end))})`);
    }
    if (entry.begin > covered) fail(`gap of ${entry.begin - covered} bytes before tensor ${quote(entry.name)} (${fileBytes(covered, entry.begin)})`);
    covered = entry.end;
    previous = entry;
  }
  if (covered < dataLength) fail(`${dataLength - covered} trailing bytes after the last tensor (${fileBytes(covered, dataLength)})`);

  const tensors = new Map<string, NDArray>();
  for (const { name, code, shape, begin, end } of entries) {
    const data = isFloatCode(code)
      ? readLittleEndian(bytes, headerEnd + begin, end - begin, code)
      : readWidened(bytes.subarray(headerEnd + begin, headerEnd + end), code, (problem) => fail(`tensor ${quote(name)}: ${problem}`));
    try {
      tensors.set(name, new NDArray(data, shape));
    } catch (error) {
      // NDArray counts elements in floating point: [2^53-1 (x25), 0] overflows to Infinity * 0.
      fail(`tensor ${quote(name)}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { tensors, metadata };
}

function checkMetadata(value: unknown, fail: (problem: string) => never): Record<string, string> {
  if (!isPlainObject(value)) return fail(`${METADATA_KEY} is not an object but ${describe(value)}`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") fail(`${METADATA_KEY} value for ${quote(key)} is not a string but ${describe(item)}`);
  }
  // fromEntries defines own properties, so a key such as "__proto__" survives.
  return Object.fromEntries(Object.entries(value as Record<string, string>));
}

function checkEntry(
  name: string,
  value: unknown,
  dataLength: number,
  fileBytes: (begin: number, end: number) => string,
  fail: (problem: string) => never,
): Entry {
  if (!isPlainObject(value)) return fail(`entry is not an object but ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (!(TENSOR_FIELDS as readonly string[]).includes(key)) fail(`unknown field ${quote(key)}`);
  }
  for (const field of TENSOR_FIELDS) if (!Object.hasOwn(value, field)) fail(`missing field "${field}"`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== "string") return fail(`dtype is not a string but ${describe(dtype)}`);
  if (!Array.isArray(shape)) return fail(`shape is not an array but ${describe(shape)}`);
  if (!Array.isArray(offsets)) return fail(`data_offsets is not an array but ${describe(offsets)}`);
  if (!isReadCode(dtype)) {
    return fail(OTHER_DTYPES.has(dtype) ? `unsupported dtype "${dtype}" (elbo reads F32, F64, F16, BF16 and the integer types)` : `unknown dtype ${quote(dtype)}`);
  }
  const dims: unknown[] = shape;
  if (!dims.every(isSize)) {
    return fail(`shape ${preview(shape)} has ${describe(dims.find((dim) => !isSize(dim)))}, not a non-negative safe integer`);
  }
  const [begin, end]: unknown[] = offsets;
  if (offsets.length !== 2 || !isSize(begin) || !isSize(end)) {
    return fail(`data_offsets ${preview(offsets)} are not two non-negative safe integers [begin, end]`);
  }
  if (begin > end) fail(`data_offsets [${begin},${end}] begin after they end`);
  if (end > dataLength) fail(`data_offsets [${begin},${end}] run past the end of the ${dataLength}-byte data section`);
  // The element count, exact up to 2^50 (so the byte count stays a safe integer) and not taken
  // further: a forged shape's product can be astronomically large, and a zero dimension anywhere
  // still makes it 0.
  let count = dims.includes(0) ? 0 : 1;
  for (let i = 0; i < dims.length && count !== 0 && count <= MAX_COUNT; i++) count *= dims[i] as number;
  const needed = count * ITEM_SIZE[dtype];
  if (needed !== end - begin) {
    const amount = count > MAX_COUNT ? "more than 2^50 elements" : `${needed} bytes`;
    fail(`shape ${preview(dims)} of ${dtype} needs ${amount} but data_offsets [${begin},${end}] hold ${end - begin} (${fileBytes(begin, end)})`);
  }
  return { name, code: dtype, shape: dims, begin, end };
}

/**
 * Scan a valid JSON object's text: its top-level keys in written order, and the first key that
 * occurs twice within any one object.
 */
function scanKeys(text: string): { names: string[]; repeated: string | undefined } {
  const names: string[] = [];
  const open: (Set<string> | null)[] = []; // one entry per open bracket; null for an array
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      let close = i + 1;
      while (close < text.length && text[close] !== '"') close += text[close] === "\\" ? 2 : 1;
      const keys = open[open.length - 1];
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(i, close + 1)) as string; // resolves escapes: "\u0061" is "a"
        if (keys.has(key)) return { names, repeated: key };
        keys.add(key);
        if (open.length === 1) names.push(key);
        expectKey = false;
      }
      i = close;
    } else if (char === "{") {
      open.push(new Set());
      expectKey = true;
    } else if (char === "[") {
      open.push(null);
    } else if (char === "}" || char === "]") {
      open.pop();
    } else if (char === ",") {
      expectKey = open[open.length - 1] != null;
    }
  }
  return { names, repeated: undefined };
}

/** Copy `byteLength` little-endian bytes at `start` into a fresh (so aligned) typed array. */
function readLittleEndian(bytes: Uint8Array, start: number, byteLength: number, code: FloatCode): TypedArray {
  const out = code === "F64" ? new Float64Array(byteLength / 8) : new Float32Array(byteLength / 4);
  copyBytes(bytes.subarray(start, start + byteLength), new Uint8Array(out.buffer), 0, out.BYTES_PER_ELEMENT);
  return out;
}

const isFloatCode = (code: ReadCode): code is FloatCode => code === "F32" || code === "F64";

/** An IEEE half's bits as the float32 of the same value (every half is exactly a float32). */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals: fraction · 2^-14 / 2^10
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Little-endian halves up-cast to a Float32Array, integers to a Float64Array (exact up to 2^53;
 * a larger 64-bit value fails naming its element). `bytes` holds exactly the tensor's elements.
 */
function readWidened(bytes: Uint8Array, code: WidenedCode, fail: (problem: string) => never): Float32Array | Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.length / ITEM_SIZE[code];
  if (code === "F16" || code === "BF16") {
    const out = new Float32Array(count);
    const bf16 = new Uint32Array(out.buffer); // a bfloat16 is the top half of a float32
    for (let i = 0; i < count; i++) {
      const bits = view.getUint16(2 * i, true);
      if (code === "BF16") bf16[i] = bits << 16;
      else out[i] = halfToFloat(bits);
    }
    return out;
  }
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (code) {
      case "BOOL": {
        const value = view.getUint8(i);
        if (value > 1) fail(`BOOL element ${i} is byte ${value}, not 0 or 1`);
        out[i] = value;
        break;
      }
      case "U8": out[i] = view.getUint8(i); break;
      case "I8": out[i] = view.getInt8(i); break;
      case "U16": out[i] = view.getUint16(2 * i, true); break;
      case "I16": out[i] = view.getInt16(2 * i, true); break;
      case "U32": out[i] = view.getUint32(4 * i, true); break;
      case "I32": out[i] = view.getInt32(4 * i, true); break;
      default: {
        const value = code === "I64" ? view.getBigInt64(8 * i, true) : view.getBigUint64(8 * i, true);
        if (value > EXACT_INTEGER || value < -EXACT_INTEGER) fail(`${code} element ${i} is ${value}, beyond ±2^53 where float64 is exact`);
        out[i] = Number(value);
      }
    }
  }
  return out;
}

function writeLittleEndian(out: Uint8Array, start: number, data: TypedArray): void {
  copyBytes(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), out, start, data.BYTES_PER_ELEMENT);
}

/**
 * Copy bytes between the file (little-endian) and native typed-array storage: a plain byte copy
 * (which also keeps NaN payloads) on little-endian hosts, a byte swap per element otherwise.
 */
function copyBytes(from: Uint8Array, to: Uint8Array, start: number, itemSize: number): void {
  if (LITTLE_ENDIAN) to.set(from, start);
  else for (let i = 0; i < from.length; i++) to[start + (i ^ (itemSize - 1))] = from[i] as number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isSize(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** "a string", "null", "an array", "a number 1.5": what a JSON value is, for messages. */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value === "string" ? "a string" : `a ${typeof value}`} ${preview(value)}`;
}

/** JSON text of an untrusted value, cut short so a forged header cannot flood a message. */
function preview(value: unknown, limit = 60): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = "[...]"; // JSON.stringify recurses: deep nesting overflows the stack
  }
  return text.length > limit ? `${text.slice(0, limit)}...` : text;
}

const quote = (name: string): string => preview(name);

/** An inclusive byte range, "8-71", or "at 8" when empty. */
function span(begin: number, end: number): string {
  return end > begin ? `${begin}-${end - 1}` : `at ${begin}`;
}
