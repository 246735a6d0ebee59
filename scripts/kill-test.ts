/**
 * The kill test: `flock /work/coord/cpu.lock npx tsx scripts/kill-test.ts [kills] [seed]` (default
 * 20 kills). Trains a small VAE (784-32-4 on the bundled digits, 3 epochs, batch 100) once
 * uninterrupted, noting when its training starts (the "Training a" line: after start-up and
 * loading); then, `kills` times, starts the same run in a new folder, kills it with SIGKILL at
 * a seeded moment drawn uniformly over the training part of the run, and continues it with
 * `--resume` (or starts it again when the kill came before the first checkpoint) until it finishes. Each finished run's
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

/** The uninterrupted run: its exit status, when its training started and when it ended (ms after spawn). */
function referenceRun(): Promise<{ status: number | null; trainingStartsAt: number; endsAt: number }> {
  const started = performance.now();
  const child = spawn(node[0] as string, [...node.slice(1), "train", ...flags, "--epochs", "3", "--out", "reference"], { cwd: work, stdio: ["ignore", "pipe", "ignore"] });
  let output = "";
  let trainingStartsAt = Number.NaN;
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    if (Number.isNaN(trainingStartsAt) && output.includes("Training a")) trainingStartsAt = performance.now() - started;
  });
  return new Promise((done) => child.on("close", (status) => done({ status, trainingStartsAt, endsAt: performance.now() - started })));
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

const { status: referenceStatus, trainingStartsAt, endsAt } = await referenceRun();
if (referenceStatus !== 0 || Number.isNaN(trainingStartsAt)) throw new Error("the uninterrupted run failed");
const reference = readFileSync(join(work, "reference", "model.safetensors"));
console.log(`uninterrupted run: ${(endsAt / 1000).toFixed(1)} s, training from ${(trainingStartsAt / 1000).toFixed(2)} s; ${kills} kills at random moments of its training (work dir ${work})`);
let failures = 0;
const outcomes = { resumed: 0, restarted: 0, finished: 0 };
for (let k = 1; k <= kills; k++) {
  const out = `killed-${k}`;
  const at = trainingStartsAt + generator.uniform() * (endsAt - trainingStartsAt);
  const killed = await startAndKill(out, at);
  const checkpointed = existsSync(join(work, out, "model.safetensors"));
  const epoch = checkpointed ? (JSON.parse(readFileSync(join(work, out, "metrics.json"), "utf8")) as unknown[]).length : 0;
  const status = checkpointed ? train(["--out", out, "--resume", "--epochs", "3"]) : train([...flags, "--epochs", "3", "--out", out]);
  const same = status === 0 && readFileSync(join(work, out, "model.safetensors")).equals(reference) && metricsWithoutTimes(out) === metricsWithoutTimes("reference");
  if (!same) failures++;
  outcomes[!killed ? "finished" : checkpointed ? "resumed" : "restarted"]++;
  const what = killed ? `killed at ${(at / 1000).toFixed(2)} s (${checkpointed ? `after ${epoch} epoch${epoch === 1 ? "" : "s"} in metrics.json` : "before the first checkpoint"})` : `finished before the kill at ${(at / 1000).toFixed(2)} s`;
  console.log(`${String(k).padStart(2)}: ${what}; ${checkpointed ? "resumed" : "restarted"}: ${same ? "byte-identical checkpoint, same metrics" : `DIFFERENT (exit ${status})`}`);
}
console.log(`${kills - failures} of ${kills} runs ended byte-identical to the uninterrupted one (${outcomes.resumed} killed after a checkpoint and resumed, ${outcomes.restarted} killed before the first and restarted, ${outcomes.finished} finished before the kill)`);
process.exitCode = failures === 0 ? 0 : 1;
