/**
 * Reading IDX files from disk, plain or gzipped (`.gz` files as distributed by LeCun and
 * Zalando). The file's size is checked before it is read. A gzipped file's header is inflated
 * first, from a short prefix of the stream; the whole stream is then inflated with a limit of
 * the size that header declares (itself at most `maxBytes`), so a small gzip bomb costs no more
 * memory than the file it claims to be.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { constants, gunzipSync } from "node:zlib";
import { PathError } from "../tensor/path-error.js";
import { IDX_MAX_DIMS, idxDimOffset, IdxError, parseIdx, parseIdxHeader, type IdxArray } from "./idx.js";

/** A dataset file or directory that cannot be found or opened; names the path. */
export class DatasetError extends PathError {
  override name = "DatasetError";
}

/** The default bound on a file's size, before and after decompression: 1 GiB. */
export const DEFAULT_MAX_IDX_BYTES = 2 ** 30;

export interface ReadIdxOptions {
  /** Largest accepted size in bytes, of the file and of its decompressed content. */
  maxBytes?: number;
}

/** True when `bytes` starts with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function checkMaxBytes(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new RangeError(`readIdxFile: maxBytes must be a positive safe integer, got ${maxBytes}`);
  }
}

/** Read a whole file, refusing it (before allocating) when it is larger than `maxBytes`. */
export function readBoundedFile(path: string, maxBytes: number): Uint8Array {
  checkMaxBytes(maxBytes);
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new DatasetError(path, `cannot open: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : (error as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new IdxError(path, "not a regular file", 0);
    if (stat.size > maxBytes) {
      throw new IdxError(path, `file is ${stat.size} bytes, more than the limit of ${maxBytes} (maxBytes)`, 0);
    }
    const bytes = new Uint8Array(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const read = readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (read === 0) break; // the file shrank after fstat; parsing reports the short length
      filled += read;
    }
    return bytes.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

/** Decompress a gzip stream, never producing more than `maxBytes`. Errors name `source`. */
export function gunzipBounded(bytes: Uint8Array, maxBytes: number, source: string): Uint8Array {
  checkMaxBytes(maxBytes);
  return inflateAtMost(bytes, maxBytes, source, `gzip content is larger than the limit of ${maxBytes} bytes (maxBytes)`);
}

function inflateAtMost(bytes: Uint8Array, limit: number, source: string, tooLarge: string): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: limit });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") throw new IdxError(source, tooLarge, limit);
    const reason = error instanceof Error ? error.message : String(error);
    throw new IdxError(source, `invalid gzip stream: ${reason}`, 0);
  }
}

/** The largest IDX header: magic, type, ndims and IDX_MAX_DIMS dimensions. */
const MAX_HEADER_BYTES = idxDimOffset(IDX_MAX_DIMS);

/**
 * The decompressed size a gzipped IDX file declares in its header, read by inflating growing
 * prefixes of the stream (256 compressed bytes first: deflate expands a byte at most ~1032-fold,
 * so this allocates a few hundred KB at most), and refused when it is above `maxBytes`.
 * Null when no prefix inflates (the full inflate then names the problem).
 */
function declaredGzipSize(raw: Uint8Array, maxBytes: number, source: string): number | null {
  let head = new Uint8Array(0);
  for (let prefix = 256; ; prefix *= 4) {
    const slice = raw.subarray(0, Math.min(prefix, raw.length));
    try {
      head = gunzipSync(slice, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: Math.max(1 << 20, 1100 * slice.length) });
    } catch {
      // a prefix too short for gzip's own header, or a broken stream: try a longer one
    }
    const complete = head.length >= MAX_HEADER_BYTES || (head.length >= 4 && head.length >= idxDimOffset(head[3] as number));
    if (complete || slice.length === raw.length) break;
  }
  if (head.length === 0) return null;
  const header = parseIdxHeader(head, source); // a bad or truncated header is reported here
  const declared = header.headerBytes + header.dataBytes;
  if (declared > maxBytes) {
    throw new IdxError(source, `the header declares ${declared} bytes, more than the limit of ${maxBytes} (maxBytes)`, idxDimOffset(0));
  }
  return declared;
}

/**
 * Read one IDX array from `path`. Gzip is detected by its magic bytes, not by the name.
 * Offsets in parse errors refer to the decompressed content.
 */
export function readIdxFile(path: string, options: ReadIdxOptions = {}): IdxArray {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IDX_BYTES;
  return decodeIdxFile(readBoundedFile(path, maxBytes), path, maxBytes);
}

/** The bytes of an IDX file, plain or gzipped, parsed as `readIdxFile` does (errors name `source`). */
export function decodeIdxFile(raw: Uint8Array, source: string, maxBytes = DEFAULT_MAX_IDX_BYTES): IdxArray {
  checkMaxBytes(maxBytes);
  if (!isGzip(raw)) return parseIdx(raw, source);
  const declared = declaredGzipSize(raw, maxBytes, source);
  const bytes = declared === null
    ? gunzipBounded(raw, maxBytes, source)
    : inflateAtMost(raw, declared, source, `gzip content is longer than the ${declared} bytes its IDX header declares`);
  return parseIdx(bytes, source);
}
