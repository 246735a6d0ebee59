/**
 * File access for checkpoints: atomic writes (temp file, fsync, rename) and size-checked reads.
 * The only part of checkpointing that touches `node:`; the format itself is in safetensors.ts.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import type { NDArray } from "../tensor/ndarray.js";
import { PathError } from "../tensor/path-error.js";
import { decodeSafetensors, encodeSafetensors, type DecodedSafetensors } from "./safetensors.js";

/** A file that cannot be read or written as asked; `path` is the user's path (never a temp file). */
export class FileError extends PathError {
  override name = "FileError";
  /** The system's error code (ENOENT, EACCES, EROFS, EISDIR, ...), when the system gave one. */
  readonly code: string | undefined;

  constructor(path: string, problem: string, code?: string) {
    super(path, problem);
    this.code = code;
  }
}

/** The default size limit for `loadSafetensors`: 1 GiB, far above any checkpoint elbo writes. */
export const DEFAULT_MAX_CHECKPOINT_BYTES = 1 << 30;

/** A sibling temp path, unique across processes and calls, so the final rename stays on one file system. */
function tempPathFor(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
}

/**
 * Write `bytes` to `path` so that a crash leaves either the old file or the new one, never a
 * half-written mix: write a temp file in the same directory, fsync it, rename it over `path`.
 * On failure the temp file is removed and the old file is untouched. A replaced file keeps its
 * permission bits; errors are `FileError`s naming `path`.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = tempPathFor(path);
  let created = false; // only a temp file this call created is ever removed
  try {
    const handle = await open(temp, "wx"); // wx: never reuse an existing file
    created = true;
    try {
      const mode = existingMode(path);
      if (mode !== null) await handle.chmod(mode);
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    if (created) await rm(temp, { force: true }).catch(() => undefined);
    throw systemFileError(path, "cannot write", error);
  }
  syncDirectory(path);
}

/** The permission bits of the file at `path`, or null when there is none (a new file gets the default). */
function existingMode(path: string): number | null {
  try {
    const stats = fs.statSync(path);
    return stats.isFile() ? stats.mode & 0o7777 : null;
  } catch {
    return null;
  }
}

/**
 * `writeFileAtomic`, synchronously. A file that is replaced keeps its permission bits; every
 * error is a `FileError` naming `path` (never the temp file).
 */
export function writeFileAtomicSync(path: string, bytes: Uint8Array): void {
  const temp = tempPathFor(path);
  let created = false;
  try {
    const fd = fs.openSync(temp, "wx");
    created = true;
    try {
      const mode = existingMode(path);
      if (mode !== null) fs.fchmodSync(fd, mode);
      fs.writeFileSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, path);
  } catch (error) {
    if (created) removeQuietly(temp);
    throw systemFileError(path, "cannot write", error);
  }
  syncDirectory(path);
}

const SYSTEM_REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "read-only file system",
  EISDIR: "is a directory",
  ENOTDIR: "a parent is not a directory",
  ENOSPC: "no space left on the device",
  EDQUOT: "disk quota exceeded",
};

/** A system error in words: "read-only file system (EROFS)"; another error's message as it is. */
export function systemReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const known = typeof code === "string" ? SYSTEM_REASONS[code] : undefined;
  return known ? `${known} (${code as string})` : error instanceof Error ? error.message : String(error);
}

/** A system error (ENOENT, EROFS, ...) as a `FileError` naming `path`, in words. */
function systemFileError(path: string, action: string, error: unknown): FileError {
  const code = (error as { code?: unknown }).code;
  return new FileError(path, `${action}: ${systemReason(error)}`, typeof code === "string" ? code : undefined);
}

/** Remove a file, ignoring errors: used while another error is already on its way up. */
function removeQuietly(path: string): void {
  try {
    fs.rmSync(path, { force: true });
  } catch {
    // the original error matters more
  }
}

/**
 * Make the rename itself durable by syncing the directory entry. Best effort: some platforms
 * (Windows) cannot open or sync a directory, and the file's content is already on disk.
 */
function syncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dirname(path), "r");
    fs.fsyncSync(fd);
  } catch {
    // ignored, see above
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Read a whole file, refusing it before anything is allocated if it is larger than `maxBytes`.
 * The size comes from the open file's own stat, and the read stops at that size.
 */
export function readFileChecked(path: string, maxBytes: number): Uint8Array {
  let fd: number;
  try {
    fd = fs.openSync(path, "r");
  } catch (error) {
    throw systemFileError(path, "cannot open", error);
  }
  try {
    const stats = fs.fstatSync(fd);
    if (!stats.isFile()) throw new FileError(path, stats.isDirectory() ? "is a directory, not a file" : "not a regular file");
    if (stats.size > maxBytes) throw new FileError(path, `file is ${stats.size} bytes, more than the limit of ${maxBytes} bytes`);
    const bytes = new Uint8Array(stats.size);
    let filled = 0;
    while (filled < bytes.length) {
      const read = fs.readSync(fd, bytes, filled, bytes.length - filled, filled);
      if (read === 0) break; // the file shrank since the stat
      filled += read;
    }
    if (filled < bytes.length || fs.readSync(fd, new Uint8Array(1), 0, 1, filled) !== 0) {
      throw new FileError(path, `file changed size while being read (stat said ${stats.size} bytes)`);
    }
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}

/** Encode tensors and metadata as safetensors and write them atomically to `path`. */
export async function saveSafetensors(path: string, tensors: ReadonlyMap<string, NDArray>, metadata?: Readonly<Record<string, string>>): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** `saveSafetensors`, synchronously. */
export function saveSafetensorsSync(path: string, tensors: ReadonlyMap<string, NDArray>, metadata?: Readonly<Record<string, string>>): void {
  writeFileAtomicSync(path, encodeSafetensors(tensors, metadata));
}

/** Read and validate a safetensors file; every error names `path`. */
export function loadSafetensors(path: string, maxBytes = DEFAULT_MAX_CHECKPOINT_BYTES): DecodedSafetensors {
  return decodeSafetensors(readFileChecked(path, maxBytes), path);
}

/** `loadSafetensors`, or null when there is no file at `path` (any other problem still throws). */
export function loadSafetensorsIfPresent(path: string, maxBytes = DEFAULT_MAX_CHECKPOINT_BYTES): DecodedSafetensors | null {
  return fs.existsSync(path) ? loadSafetensors(path, maxBytes) : null;
}

/** Create the directory that will hold `path` (and its parents), if missing. */
export function ensureParentDir(path: string): void {
  fs.mkdirSync(dirname(path), { recursive: true });
}
