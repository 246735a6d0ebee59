/**
 * `npm run docs:figures`: regenerate every picture of docs/elbo.md from the command line, with
 * fixed seeds, into docs/figures/. Each step is one `elbo` command, as a reader would type it;
 * the runs it trains go to runs/docs-figures/ (kept, so a second call can skip training with
 * --reuse). Takes a few minutes on two cores; heavy, so run it alone (or under the CPU lock).
 *
 *   npm run docs:figures [-- --reuse]
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
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

/** Train a run into runs/docs-figures/<name> unless --reuse finds its checkpoint. */
function train(name: string, ...flags: string[]): string {
  const out = join(runs, name);
  if (!(reuse && existsSync(join(out, "model.safetensors")))) elbo("train", "--data", "mnist", "--seed", "0", "--out", out, ...flags);
  return out;
}

mkdirSync(figures, { recursive: true });
const figure = (name: string): string => join(figures, name);

// The canonical model (784-400-20, Bernoulli, 10 epochs), as `npm start` trains it.
const canonical = train("canonical", "--epochs", "10");
elbo("sample", "--run", canonical, "--n", "64", "--seed", "0", "--out", figure("samples.png"));
elbo("reconstruct", "--run", canonical, "--n", "32", "--out", figure("reconstructions.png"));
elbo("interpolate", "--run", canonical, "--pairs", "6", "--steps", "10", "--out", figure("interpolation.png"));
copyFileSync(join(canonical, "curves.png"), figure("curves.png"));

// A 2-D latent, so the codes can be drawn without a projection.
const planar = train("latent2", "--epochs", "10", "--latent", "2");
elbo("encode", "--run", planar, "--out", join(planar, "latent.csv"), "--plot", figure("latent-2d.png"));
elbo("sample", "--run", planar, "--n", "64", "--seed", "0", "--out", figure("samples-2d.png"));

// β = 0: reconstruction alone (lecture note 000's warning), same architecture and seed.
const betaZero = train("beta0", "--epochs", "10", "--beta", "0");
elbo("sample", "--run", betaZero, "--n", "64", "--seed", "0", "--out", figure("samples-beta0.png"));

console.log(`figures in ${figures}`);
