/**
 * Reading IDX files from disk, plain or gzipped (`.gz` files as distributed by LeCun and
 * Zalando). The file's size is checked before it is read, and decompression stops at
 * `maxBytes`, so a gzip bomb costs at most `maxBytes` of memory.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { IdxError, parseIdx, type IdxArray } from "./idx.js";

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
  const fd = openSync(path, "r");
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
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      throw new IdxError(source, `gzip content is larger than the limit of ${maxBytes} bytes (maxBytes)`, 0);
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new IdxError(source, `invalid gzip stream: ${reason}`, 0);
  }
}

/**
 * Read one IDX array from `path`. Gzip is detected by its magic bytes, not by the name.
 * Offsets in parse errors refer to the decompressed content.
 */
export function readIdxFile(path: string, options: ReadIdxOptions = {}): IdxArray {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_IDX_BYTES;
  const raw = readBoundedFile(path, maxBytes);
  const bytes = isGzip(raw) ? gunzipBounded(raw, maxBytes, path) : raw;
  return parseIdx(bytes, path);
}
