/**
 * The kill test: `flock /work/coord/cpu.lock npx tsx scripts/kill-test.ts [kills] [seed]` (default
 * 20 kills). Trains a small VAE (784-32-4 on the bundled digits, 3 epochs, batch 100) once
 * uninterrupted; then, `kills` times, starts the same run in a new folder, kills it with SIGKILL
 * at a seeded random moment of its run time, and continues it with `--resume` (or starts it
 * again when the kill came before the first checkpoint) until it finishes. Each finished run's
 * model.safetensors (weights, Adam's moments, the generator, epoch and step) must be
 * byte-identical to the uninterrupted one's, and its metrics equal but for the timings.
 * Prints each kill's moment, what it interrupted and the verdict; exits 1 on any difference.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Generator } from "../src/tensor/index.js";

const root = resolve(import.meta.dirname, "..");
const node = [process.execPath, "--import", pathToFileURL(join(root, "node_modules", "tsx", "dist", "loader.mjs")).href, join(root, "src/cli/main.ts")];
const flags = ["--hidden", "32", "--latent", "4", "--batch-size", "100", "--test-size", "1000", "--seed", "5", "--threads", "1"];
const kills = Number(process.argv[2] ?? 20);
const generator = new Generator(Number(process.argv[3] ?? 1));
const work = mkdtempSync(join(tmpdir(), "elbo-kill-"));

function train(args: string[]): number | null {
  return spawnSync(node[0] as string, [...node.slice(1), "train", ...args], { cwd: work, stdio: "ignore" }).status;
}

/** Start a run and SIGKILL it after `ms` milliseconds (or let it end first). */
function startAndKill(out: string, ms: number): Promise<boolean> {
  const child = spawn(node[0] as string, [...node.slice(1), "train", ...flags, "--epochs", "3", "--out", out], { cwd: work, stdio: "ignore" });
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  return new Promise((done) => child.on("close", (_code, signal) => {
    clearTimeout(timer);
    done(signal === "SIGKILL");
  }));
}

const metricsWithoutTimes = (dir: string): string =>
  JSON.stringify((JSON.parse(readFileSync(join(work, dir, "metrics.json"), "utf8")) as Record<string, unknown>[]).map(({ seconds: _s, examplesPerSecond: _e, ...rest }) => rest));

const started = performance.now();
if (train([...flags, "--epochs", "3", "--out", "reference"]) !== 0) throw new Error("the uninterrupted run failed");
const runMs = performance.now() - started;
const reference = readFileSync(join(work, "reference", "model.safetensors"));
console.log(`uninterrupted run: ${(runMs / 1000).toFixed(1)} s; ${kills} kills at random moments of it (work dir ${work})`);
let failures = 0;
for (let k = 1; k <= kills; k++) {
  const out = `killed-${k}`;
  const at = 300 + generator.uniform() * (runMs - 300);
  const killed = await startAndKill(out, at);
  const checkpointed = existsSync(join(work, out, "model.safetensors"));
  const epoch = checkpointed ? (JSON.parse(readFileSync(join(work, out, "metrics.json"), "utf8")) as unknown[]).length : 0;
  const status = checkpointed ? train(["--out", out, "--resume", "--epochs", "3"]) : train([...flags, "--epochs", "3", "--out", out]);
  const same = status === 0 && readFileSync(join(work, out, "model.safetensors")).equals(reference) && metricsWithoutTimes(out) === metricsWithoutTimes("reference");
  if (!same) failures++;
  const what = killed ? `killed at ${(at / 1000).toFixed(2)} s (${checkpointed ? `after ${epoch} epoch${epoch === 1 ? "" : "s"} in metrics.json` : "before the first checkpoint"})` : `finished before the kill at ${(at / 1000).toFixed(2)} s`;
  console.log(`${String(k).padStart(2)}: ${what}; ${checkpointed ? "resumed" : "restarted"}: ${same ? "byte-identical checkpoint, same metrics" : `DIFFERENT (exit ${status})`}`);
}
console.log(`${kills - failures} of ${kills} runs ended byte-identical to the uninterrupted one`);
process.exitCode = failures === 0 ? 0 : 1;
