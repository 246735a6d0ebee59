/**
 * One writer per run folder. `elbo train` holds `elbo.lock` in the folder while it runs: the
 * file is created atomically (written aside, then hard-linked into place, which fails if it
 * exists), and holds the writer's pid, host and start time. A second writer is refused, naming
 * the holder; the lock of a process that died on this host (a kill, a crash) is taken over with
 * a notice, and the temp files such a process left behind are removed.
 */
import { randomBytes } from "node:crypto";
import { linkSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { UsageError } from "./args.js";

const LOCK_FILE = "elbo.lock";

/** Another process holds the run folder's lock (exit status 2, as a usage error). */
export class RunLockedError extends UsageError {
  override name = "RunLockedError";
}

interface LockHolder {
  pid: number;
  host: string;
  started: string;
}

/** True when a process with this pid runs on this host (signal 0 only checks). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === "EPERM"; // it exists, but is not ours
  }
}

function readHolder(path: string): LockHolder | null {
  try {
    const value = JSON.parse(readFileSync(path, "utf8")) as Partial<LockHolder>;
    if (typeof value.pid === "number" && typeof value.host === "string" && typeof value.started === "string") return value as LockHolder;
  } catch {
    // vanished or unreadable: treated as no holder
  }
  return null;
}

/** Create the lock file with our details, atomically; false when one exists. */
function tryCreate(path: string): boolean {
  const aside = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  const holder: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  writeFileSync(aside, `${JSON.stringify(holder)}\n`, { flag: "wx" });
  try {
    linkSync(aside, path);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(aside, { force: true });
  }
}

export interface RunLock {
  /** Remove the lock (only if it is still ours). */
  release(): void;
}

/** Take the run folder's lock, or throw `RunLockedError` naming the process that holds it. */
export function lockRunFolder(dir: string, log: (line: string) => void): RunLock {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; !tryCreate(path); attempt++) {
    const holder = readHolder(path);
    const stale = holder !== null && holder.host === hostname() && !isAlive(holder.pid);
    if (!stale || attempt > 0) {
      const who = holder ? `pid ${holder.pid} on ${holder.host}, since ${holder.started}` : "a process whose lock file is unreadable";
      const remedy = holder && holder.host !== hostname() ? `; if that process is gone, remove ${path}` : "";
      throw new RunLockedError(`${dir} is being written by another elbo train (${who}); wait for it to finish or choose another --out${remedy}`);
    }
    log(`Note: taking over the lock of pid ${holder.pid} (started ${holder.started}), which is no longer running`);
    rmSync(path, { force: true });
  }
  return {
    release(): void {
      if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
    },
  };
}

/** `<file>.<pid>.<12 hex>.tmp`: the temp files of atomic writes (io/files.ts). */
const TEMP_FILE = /^.+\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** Remove the temp files that writers which are no longer running left in `dir`; returns their names. */
export function removeOrphanTempFiles(dir: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const pid = TEMP_FILE.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || isAlive(Number(pid))) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
