/**
 * `npm run build:web`: the page as static files in web/dist (or the folder given).
 *
 *   main.js, train-worker.js   the page and its training worker, bundled by esbuild from web/src
 *                              with `elbo` resolved to src/index.ts; source maps carry the sources
 *   gemm-worker.js             elbo's gemm worker, which the training worker starts per thread
 *   index.html, style.css      copied
 *   bundled/                   the bundled 2-D model: `elbo train` on the bundled digits (seeded,
 *                              so every build makes the same weights), weights only
 *   digits.bin, digits.json    2,000 training digits for the worker: bytes, then labels
 *
 * The bundled model is trained once per output folder and kept while its settings stay the same.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { build } from "esbuild";
import { decodeSafetensors, encodeSafetensors, Generator, splitDataset, subset, type NDArray } from "../src/index.js";
import { loadBundledMnist } from "../src/node.js";

const web = import.meta.dirname;
const root = dirname(web);
const out = resolve(process.argv[2] ?? join(web, "dist"));
/** `elbo train` flags of the bundled model. */
const BUNDLED_TRAIN_FLAGS = ["--data", "mnist", "--latent", "2", "--hidden", "128", "--epochs", "10", "--seed", "0", "--threads", "1"];
const DIGITS = 2000;

async function bundle(): Promise<void> {
  await build({
    entryPoints: {
      main: join(web, "src/main.ts"),
      "train-worker": join(web, "src/train-worker.ts"),
      // spawnWebWorker starts it as new URL("./gemm-worker.js", import.meta.url): beside train-worker.js.
      "gemm-worker": join(root, "src/tensor/wasm/gemm-worker.ts"),
    },
    outdir: out,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    sourcemap: true,
    alias: { elbo: join(root, "src/index.ts") },
    logLevel: "warning",
  });
  for (const file of ["index.html", "style.css"]) copyFileSync(join(web, file), join(out, file));
}

/** Train the bundled model with the CLI unless this folder already holds one made with the same flags. */
function bundledModel(): void {
  const run = join(out, ".bundled-run");
  const stamp = join(run, "flags.json");
  const flags = JSON.stringify(BUNDLED_TRAIN_FLAGS);
  if (!existsSync(stamp) || readFileSync(stamp, "utf8") !== flags) {
    const cli = join(root, "src/cli/main.ts");
    const trained = spawnSync(process.execPath, ["--import", "tsx", cli, "train", ...BUNDLED_TRAIN_FLAGS, "--out", run], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
    if (trained.status !== 0) throw new Error(`build:web: training the bundled model failed (elbo train exited with ${trained.status})`);
    writeFileSync(stamp, flags);
  }
  // Weights only: the page needs no optimizer state, and the file is a third of the size.
  const checkpoint = decodeSafetensors(readFileSync(join(run, "model.safetensors")), "bundled model");
  const weights = new Map<string, NDArray>([...checkpoint.tensors].filter(([name]) => name.startsWith("model.")));
  const metadata = { format: checkpoint.metadata.format as string, epoch: checkpoint.metadata.epoch as string, step: checkpoint.metadata.step as string };
  mkdirSync(join(out, "bundled"), { recursive: true });
  writeFileSync(join(out, "bundled", "model.safetensors"), encodeSafetensors(weights, metadata));
  copyFileSync(join(run, "config.json"), join(out, "bundled", "config.json"));
}

/** The first 2,000 digits of the CLI's training split of the bundled MNIST (same seed, same split). */
function digits(): void {
  const { train } = splitDataset(loadBundledMnist(), 1000, new Generator(1));
  const part = subset(train, Array.from({ length: DIGITS }, (_, i) => i));
  const bytes = new Uint8Array(part.images.length + part.count);
  for (let i = 0; i < part.images.length; i++) bytes[i] = Math.round((part.images[i] as number) * 255);
  bytes.set(part.labels, part.images.length);
  writeFileSync(join(out, "digits.bin"), bytes);
  writeFileSync(join(out, "digits.json"), `${JSON.stringify({ count: part.count, height: part.height, width: part.width })}\n`);
}

mkdirSync(out, { recursive: true });
await bundle();
bundledModel();
digits();
console.log(`build:web: wrote ${out}`);
