/**
 * Where runs go when the user does not say: `elbo train` without --out starts a fresh numbered
 * folder, runs/<data>-<n> (so `npm start` run twice trains twice), and every train points the
 * link runs/latest at its folder, which is the default --run of sample, reconstruct, encode, ...
 */
import { lstatSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

const RUNS_DIR = "runs";
export const LATEST = join(RUNS_DIR, "latest");

/** A new, empty folder runs/<data>-<n> with n one above the highest taken (mkdir claims it, so two starts never share one). */
export function newRunFolder(data: string): string {
  const stem = basename(resolve(data)).replace(/[^A-Za-z0-9_-]+/g, "-") || "run";
  mkdirSync(RUNS_DIR, { recursive: true });
  for (let n = 1; ; n++) {
    const dir = join(RUNS_DIR, `${stem}-${n}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (error) {
      if ((error as { code?: unknown }).code !== "EEXIST") throw error;
    }
  }
}

/**
 * Point runs/latest at `dir` (a relative symbolic link, replaced atomically). Best effort: where
 * links cannot be made (some Windows setups), or runs/latest is a real folder, it is left alone.
 */
export function pointLatestAt(dir: string): void {
  let current: ReturnType<typeof lstatSync> | null = null;
  try {
    current = lstatSync(LATEST);
  } catch {
    // no link yet
  }
  if (current !== null && !current.isSymbolicLink()) return;
  if (resolve(dir) === resolve(LATEST)) return;
  mkdirSync(RUNS_DIR, { recursive: true });
  const aside = `${LATEST}.${process.pid}.link`;
  try {
    symlinkSync(relative(dirname(resolve(LATEST)), resolve(dir)), aside, "dir");
    renameSync(aside, LATEST);
  } catch {
    rmSync(aside, { force: true });
  }
}

/** What runs/latest points at, as a path from here (null when it is not a link). */
export function latestTarget(): string | null {
  try {
    return join(RUNS_DIR, readlinkSync(LATEST));
  } catch {
    return null;
  }
}
