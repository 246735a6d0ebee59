/**
 * Binarized-MNIST density benchmark: `npx tsx bench/density.ts --objective vae|iwae [--k 5|50]
 * [--epochs 10] [--test-count 1000] [--score-k 5000] [--threads 1] [--run DIR] [--out FILE.json]`.
 *
 * Trains Burda et al. 2016's one-stochastic-layer model with the paper's optimizer and prints the
 * test-set negative log-likelihood −log p(x) estimated with k = 5000 importance samples (the
 * number of their Table 1), in nats, with its standard error over the test images and its Monte
 * Carlo error. It runs the two commands a user runs, printing each before it starts:
 *
 *   elbo train --preset iwae-1layer --objective elbo|iwae --k K --epochs N
 *              --adam-eps 1e-4 --lr-schedule iwae --threads T --out DIR
 *   elbo score --run DIR --k 5000 --count N --seed S --out DIR/scores.csv
 *
 * i.e. 784 → 200 → 200 (tanh) → 50 latent dims and back, Bernoulli decoder; `mnist-full`'s 60,000
 * training digits binarized afresh for every batch of 20, the 10,000 test digits binarized once
 * with a fixed seed; the ELBO (closed-form KL) or L_k; Adam β = (0.9, 0.999), ε = 1e-4, learning
 * rate 1e-3 · 10^(−i/7) in the paper's stage i of 3^i epochs (3,280 epochs in all for i = 0..7).
 * `--epochs N` stops after the first N epochs of that schedule: the paper's 3,280 take weeks on
 * two cores. The other difference from the paper is the initialization (ours: PyTorch's default
 * U(±1/√fan_in); the paper: Glorot's heuristic).
 *
 * The run folder (`--run`, default the repository's runs/density-<objective>-k<k>) is checkpointed every epoch:
 * run the same command again after a crash and training resumes from the last epoch, bit for bit
 * `--test-count N` scores the first N test digits; the JSON
 * of `--out` keeps each digit's log p̂(x) in test-set order, so rows scored on the same digits
 * compare digit by digit. Times are wall-clock: on a shared machine they are upper bounds.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseBenchArgs } from "./args.js";

const ROOT = join(dirname(import.meta.filename), "..");

interface Options {
  objective: "vae" | "iwae";
  k: number;
  epochs: number;
  scoreK: number;
  testCount: number;
  seed: number;
  threads: number;
  run: string | null;
  out: string | null;
}

const USAGE =
  "usage: npx tsx bench/density.ts --objective vae|iwae [--k K] [--epochs N] [--score-k K] [--test-count N]\n" +
  "                                   [--seed N] [--threads N] [--run DIR] [--out FILE.json]";

function parseArgs(argv: string[]): Options {
  const args = parseBenchArgs(argv, { usage: USAGE, values: ["--objective", "--k", "--epochs", "--score-k", "--test-count", "--seed", "--threads", "--run", "--out"] });
  const objective = args.choice("--objective", ["vae", "iwae"], "vae");
  const k = args.integer("--k", objective === "iwae" ? 5 : 1, 1);
  if (objective === "vae" && k !== 1) args.fail("--k: the VAE objective is the ELBO (one sample); use --objective iwae for k > 1");
  return {
    objective,
    k,
    epochs: args.integer("--epochs", 10, 1),
    scoreK: args.integer("--score-k", 5000, 1),
    testCount: args.integer("--test-count", 1000, 2),
    seed: args.integer("--seed", 0, 0),
    threads: args.integer("--threads", 1, 1),
    run: args.string("--run", undefined, "a path") ?? null,
    out: args.string("--out", undefined, "a path") ?? null,
  };
}

const load = (): string => loadavg().map((x) => x.toFixed(2)).join(" ");

/** Run `elbo ...args` from the repository's source, its output passed through; resolve with its stdout and seconds. */
function elbo(args: string[]): Promise<{ stdout: string; seconds: number }> {
  console.log(`$ elbo ${args.join(" ")}    # load ${load()}`);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve({ stdout, seconds: (performance.now() - started) / 1000 }) : reject(new Error(`elbo ${args[0]} exited with ${code}`))));
  });
}

/** The numbers of score's closing line: "log p(x) ≈ M ± SE ... the Monte Carlo error of the mean is E): NLL N". */
function parseScoreLine(stdout: string): { mean: number; standardError: number; samplingError: number } {
  const match = /log p\(x\) ≈ (-?[\d.]+) ± ([\d.]+) nats.*Monte Carlo error of the mean is ([\d.]+)/.exec(stdout);
  if (match === null) throw new Error(`elbo score: no closing line with the mean in its output:\n${stdout}`);
  return { mean: Number(match[1]), standardError: Number(match[2]), samplingError: Number(match[3]) };
}

/** score's CSV (index, label, logPx; most unusual first), as log p̂(x) in test-set order. */
function logPxByIndex(csv: string): number[] {
  const rows = csv.trim().split("\n").slice(1).map((line) => line.split(","));
  const values = new Array<number>(rows.length);
  for (const [index, , logPx] of rows) values[Number(index)] = Number(logPx);
  return values;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dir = resolve(options.run ?? join(ROOT, "runs", `density-${options.objective}-k${options.k}`));
  const objective = options.objective === "iwae" ? ["--objective", "iwae", "--k", String(options.k)] : ["--objective", "elbo"];
  const resume = existsSync(join(dir, "model.safetensors")) ? ["--resume"] : [];
  const train = ["train", "--preset", "iwae-1layer", ...objective, "--epochs", String(options.epochs), "--adam-eps", "1e-4", "--lr-schedule", "iwae", "--seed", String(options.seed), "--threads", String(options.threads), "--out", dir, ...resume];
  const trained = await elbo(train);
  const scores = join(dir, "scores.csv");
  const score = ["score", "--run", dir, "--k", String(options.scoreK), "--count", String(options.testCount), "--seed", String(options.seed), "--out", scores];
  const scored = await elbo(score);
  const estimate = parseScoreLine(scored.stdout);
  console.log(
    `test NLL (k = ${options.scoreK}, first ${options.testCount} test digits): ${(-estimate.mean).toFixed(2)} ± ${estimate.standardError.toFixed(2)} nats ` +
      `(standard error over the digits; Monte Carlo error ${estimate.samplingError.toFixed(3)}); train command ${(trained.seconds / 60).toFixed(1)} min, score ${(scored.seconds / 60).toFixed(1)} min, load ${load()}`,
  );
  if (options.out !== null) {
    const metrics = JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8")) as { seconds: number }[];
    const result = {
      objective: options.objective, k: options.k, epochs: options.epochs, scoreK: options.scoreK, testCount: options.testCount, seed: options.seed, threads: options.threads, run: dir,
      nll: -estimate.mean, standardError: estimate.standardError, samplingError: estimate.samplingError,
      // The epochs' own seconds (summed from metrics.json: a resumed run's too), and the two commands' wall times of this invocation.
      epochSeconds: metrics.reduce((sum, m) => sum + m.seconds, 0), trainCommandSeconds: trained.seconds, scoreSeconds: scored.seconds,
      logPx: logPxByIndex(readFileSync(scores, "utf8")),
    };
    writeFileSync(options.out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`wrote ${options.out}`);
  }
}

await main();
