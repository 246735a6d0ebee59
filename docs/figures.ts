/**
 * `npm run docs:figures`: regenerate every picture of docs/elbo.md from the command line, with
 * fixed seeds, into docs/figures/. Each step is one `elbo` command, as a reader would type it;
 * the runs and experiments it trains go to runs/docs-figures/ (kept, so a second call can skip
 * training with --reuse). Takes a few minutes on two cores; heavy, so run it alone (or under the CPU lock).
 *
 *   npm run docs:figures [-- --reuse]
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const figures = join(root, "docs/figures");
const runs = join(root, "runs/docs-figures");
const reuse = process.argv.includes("--reuse");
const tsx = join(root, "node_modules/.bin/tsx");

/** Run `elbo <args>` from the repository root, echoing the command and its output. */
function elbo(...args: string[]): void {
  console.log(`$ elbo ${args.join(" ")}`);
  const output = execFileSync(tsx, [join(root, "src/cli/main.ts"), ...args], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (output.trim()) console.log(output.trim());
}

/** Train a run on `data` into runs/docs-figures/<name> unless --reuse finds its checkpoint; its path from the root (figure titles name it). */
function train(name: string, flags: string[], data = "mnist"): string {
  const out = relative(root, join(runs, name));
  if (!(reuse && existsSync(join(root, out, "model.safetensors")))) elbo("train", "--data", data, "--seed", "0", "--out", out, ...flags);
  return out;
}

/**
 * Run `elbo experiment <name>` on `data` into runs/docs-figures/<name>[-fashion] unless --reuse
 * finds its summary.json; copy its figures (a Fashion-MNIST one as <png>-fashion.png).
 */
function experiment(name: string, pngs: string[], flags: string[] = [], data = "mnist"): void {
  const tag = data === "fashion-mnist" ? "-fashion" : "";
  const out = relative(root, join(runs, `${name}${tag}`));
  if (!(reuse && existsSync(join(root, out, "summary.json")))) elbo("experiment", name, "--data", data, "--seed", "0", "--out", out, ...flags);
  for (const png of pngs) copyFileSync(join(root, out, png), figure(png.replace(/\.png$/, `${tag}.png`)));
}

mkdirSync(figures, { recursive: true });
const figure = (name: string): string => join(figures, name);

// The canonical model (784-400-20, Bernoulli, 10 epochs) at `train`'s defaults (`npm start` adds --lr 3e-3).
const canonical = train("canonical", ["--epochs", "10"]);
elbo("sample", "--run", canonical, "--n", "64", "--seed", "0", "--out", figure("samples.png"));
elbo("reconstruct", "--run", canonical, "--n", "32", "--out", figure("reconstructions.png"));
elbo("interpolate", "--run", canonical, "--pairs", "6", "--steps", "10", "--out", figure("interpolation.png"));
copyFileSync(join(root, canonical, "curves.png"), figure("curves.png"));
// x ~ p(x|z) itself, not its mean (the generative story run to the end); the same 64 codes.
elbo("sample", "--run", canonical, "--n", "64", "--seed", "0", "--draw", "--out", figure("samples-draw.png"));
// One row per latent dimension, ordered by KL, around the posterior mean of test image 0.
elbo("traverse", "--run", canonical, "--out", figure("traversal.png"));
elbo("attribute", "--run", canonical, "--from", "1", "--to", "7", "--out", figure("attribute-1-to-7.png"));

// A 2-D latent, so the codes can be drawn without a projection.
const planar = train("latent2", ["--epochs", "10", "--latent", "2"]);
elbo("encode", "--run", planar, "--out", join(root, planar, "latent.csv"), "--plot", figure("latent-2d.png"));
elbo("sample", "--run", planar, "--n", "64", "--seed", "0", "--out", figure("samples-2d.png"));
elbo("manifold", "--run", planar, "--out", figure("latent-map-2d.png"));

// β = 0: reconstruction alone (lecture note 000's warning), same architecture and seed.
const betaZero = train("beta0", ["--epochs", "10", "--beta", "0"]);
elbo("sample", "--run", betaZero, "--n", "64", "--seed", "0", "--out", figure("samples-beta0.png"));

// The lecture notes' experiments, AE vs VAE (notes 000, 002) and note 002's three loss panels, on a
// bigger budget than their defaults (5 epochs at Adam 3e-3, batch 64, for a run well under a minute).
const budget = ["--epochs", "20", "--lr", "1e-3", "--batch-size", "128"];
experiment("ae-vs-vae", ["ae-vs-vae.png"], budget);
experiment("loss-terms", ["loss-terms.png"], budget);

// Fashion-MNIST: AE vs VAE at the experiment's defaults, and the notes' shirts into dresses on a
// 20-D VAE trained for 3 epochs of the 60,000 images at Adam 3e-3.
experiment("ae-vs-vae", ["ae-vs-vae.png"], [], "fashion-mnist");
const fashion = train("fashion", ["--epochs", "3", "--lr", "3e-3"], "fashion-mnist");
elbo("attribute", "--run", fashion, "--from", "shirt", "--to", "dress", "--out", figure("attribute-fashion-shirt-to-dress.png"));

console.log(`figures in ${figures}`);
