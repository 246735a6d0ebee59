/** Test helpers for the command line: run `elbo` in a folder, and write a small IDX dataset to train on in seconds. */
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { encodeIdx } from "../data/idx-helpers.js";

export const root = join(import.meta.dirname, "..", "..");
export const tsx = join(root, "node_modules", ".bin", "tsx");
export const cliMain = join(root, "src/cli/main.ts");
/** Node's own arguments that run the CLI from source in one process (no tsx wrapper: its pid is the CLI's). */
export const nodeCli = ["--import", pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href, cliMain];

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `elbo ...args` in `cwd`, as a user runs it. */
export function runElbo(cwd: string, args: readonly string[], options: SpawnSyncOptions = {}): CliResult {
  const result = spawnSync(tsx, [cliMain, ...args], { cwd, encoding: "utf8", timeout: 120_000, ...options });
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * A directory of IDX files (train and t10k) of 8×8 images: `count` training and `testCount`
 * test images, each one of four bar patterns with a little deterministic noise.
 */
export function writeTinyIdx(dir: string, count = 600, testCount = 100): string {
  mkdirSync(dir, { recursive: true });
  const write = (prefix: string, n: number, offset: number): void => {
    const pixels = Array.from({ length: n * 64 }, (_, i) => {
      const [example, pixel] = [Math.floor(i / 64) + offset, i % 64];
      const pattern = example % 4;
      const on = pattern < 2 ? Math.floor(pixel / 8) % 2 === pattern : pixel % 2 === pattern - 2;
      return on ? 230 - ((example * 7 + pixel) % 40) : (example * 13 + pixel * 5) % 30;
    });
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx("ubyte", [n, 8, 8], pixels));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx("ubyte", [n], Array.from({ length: n }, (_, i) => (i + offset) % 4)));
  };
  write("train", count, 0);
  write("t10k", testCount, count);
  return dir;
}
