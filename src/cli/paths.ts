/**
 * Output paths are checked before any work: a file's folder must exist and be writable and the
 * file must not be a folder; a run folder must be a folder (or creatable). Errors name the flag
 * and the user's path, in words (not a system code on an internal temp file).
 */
import { accessSync, constants, statSync, type Stats } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "./args.js";

const REASONS: Readonly<Record<string, string>> = {
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
};

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function checkWritable(folder: string, flag: string, path: string): void {
  try {
    accessSync(folder, constants.W_OK);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason = (typeof code === "string" ? REASONS[code] : undefined) ?? String((error as Error).message);
    throw new UsageError(`--${flag} ${path}: cannot write in ${folder} (${reason})`);
  }
  // access() ignores a read-only mount for root on some systems; statfs is not portable, so the
  // write itself reports EROFS (named by path in io/files.ts) if it comes to that.
}

/** A file to be written at `path`, given by `--flag`. */
export function checkOutputFile(path: string, flag: string): void {
  const stats = statOrNull(path);
  if (stats?.isDirectory()) throw new UsageError(`--${flag} ${path}: is a folder; give a file name inside it`);
  const folder = dirname(resolve(path));
  const parent = statOrNull(folder);
  if (parent === null) throw new UsageError(`--${flag} ${path}: the folder ${dirname(path)} does not exist`);
  if (!parent.isDirectory()) throw new UsageError(`--${flag} ${path}: ${dirname(path)} is not a folder`);
  checkWritable(folder, flag, path);
}

/** A folder to be written into (created with its parents when missing), given by `--flag`. */
export function checkOutputFolder(path: string, flag: string): void {
  let existing = resolve(path);
  let stats = statOrNull(existing);
  while (stats === null && dirname(existing) !== existing) {
    existing = dirname(existing);
    stats = statOrNull(existing);
  }
  if (stats === null) throw new UsageError(`--${flag} ${path}: no part of the path exists`);
  if (!stats.isDirectory()) throw new UsageError(`--${flag} ${path}: ${existing === resolve(path) ? "is a file, not a folder" : `${existing} is a file, not a folder`}`);
  checkWritable(existing, flag, path);
}
