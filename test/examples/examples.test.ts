/**
 * Every example runs (`tsx examples/NN-name.ts`), exits with 0 and prints what it is there to
 * show. Each runs in its own process, as a reader would run it.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const tsx = join(root, "node_modules/.bin/tsx");
const scratch = mkdtempSync(join(tmpdir(), "elbo-examples-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Run one example; resolves with its stdout once it has exited with code 0. */
function run(name: string, args: string[] = []): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(tsx, [join(root, "examples", name), ...args], { cwd: root, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${name} failed (${error.message}):\n${stdout}\n${stderr}`));
      else resolvePromise(stdout);
    });
  });
}

/** The first capture of `pattern` in `text`, as a number. */
function number(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  expect(match, `no line matching ${pattern} in:\n${text}`).not.toBeNull();
  return Number(match?.[1]);
}

describe.concurrent("examples/", () => {
  it("has the examples, numbered", () => {
    expect(readdirSync(join(root, "examples")).filter((f) => f.endsWith(".ts")).sort()).toEqual([
      "01-tensors-and-broadcasting.ts",
      "02-autograd-by-hand.ts",
      "03-linear-and-adam.ts",
      "04-reparameterization.ts",
      "05-elbo-terms.ts",
      "06-train-a-vae.ts",
      "07-gradient-estimators.ts",
      "08-factor-analysis.ts",
      "09-amortization-gap.ts",
    ]);
  });

  it("01: broadcasts [3,1] + [4] to [3,4] and sums the gradient back", async () => {
    const out = await run("01-tensors-and-broadcasting.ts");
    expect(out).toContain("broadcast: [3,1] + [4] -> [3,4]");
    expect(out).toContain("d sum / d row    = [ 3, 3, 3, 3 ]");
  });

  it("02: backward() matches the gradient by hand, and gradcheck passes", async () => {
    const out = await run("02-autograd-by-hand.ts");
    expect(number(out, /largest difference, backward\(\) vs by hand: (\S+)/)).toBeLessThan(1e-12);
    expect(out).toContain("gradcheck passed");
  });

  it("03: fits sin(x) with Linear layers and Adam", async () => {
    const out = await run("03-linear-and-adam.ts");
    expect(number(out, /final MSE (\S+)/)).toBeLessThan(1e-3);
  });

  it("04: gradients through a sample equal the analytic ones", async () => {
    const out = await run("04-reparameterization.ts");
    expect(out.match(/dz\/dmu = 1\.0000 \(analytic 1\)/g)).toHaveLength(3);
    for (const match of out.matchAll(/dz\/dlogVar = (\S+) \(analytic 0\.5·sigma·eps = (\S+)\)/g)) expect(match[1]).toBe(match[2]);
    expect(number(out, /largest Monte Carlo error: (\S+)/)).toBeLessThan(0.05);
  });

  it("05: prints the ELBO of a batch term by term, and ELBO = reconstruction − KL", async () => {
    const out = await run("05-elbo-terms.ts");
    const reconstruction = number(out, /reconstruction E_q\[log p\(x\|z\)\] = (\S+)/);
    const kl = number(out, /KL\(q\(z\|x\) \|\| p\(z\)\)\s+= (\S+)/);
    const bound = number(out, /ELBO = reconstruction - KL\s+= (\S+)/);
    expect(bound).toBeCloseTo(reconstruction - kl, 1);
    expect(kl).toBeGreaterThan(0);
    expect(number(out, /IWAE bound L_100 = (\S+)/)).toBeGreaterThan(number(out, /IWAE bound L_1 = (\S+)/));
  });

  it("06: trains a VAE on bundled digits, the held-out ELBO improves, and writes a PNG of samples", async () => {
    const png = join(scratch, "samples.png");
    const out = await run("06-train-a-vae.ts", [png]);
    expect(out).toContain(`wrote 64 samples from the prior to ${png}`);
    const heldOut = [...out.matchAll(/held-out ELBO (\S+) nats/g)].map((m) => Number(m[1]));
    expect(heldOut.length).toBeGreaterThanOrEqual(2);
    expect(heldOut[heldOut.length - 1] as number).toBeGreaterThan(heldOut[0] as number);
    expect([...readFileSync(png).subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it("07: both gradient estimators are unbiased on the closed-form case, and the score function's variance is far larger", async () => {
    const out = await run("07-gradient-estimators.ts");
    for (const match of out.matchAll(/mean of 2000 draws within (\S+) standard errors of exact/g)) expect(Number(match[1])).toBeLessThan(5);
    expect(out.match(/standard errors of exact/g)).toHaveLength(2);
    expect(number(out, /variance ratio \(score function \/ reparameterized\): (\S+)/)).toBeGreaterThan(10);
    expect(number(out, /variance ratio \(score function \/ reparameterized\), MNIST: (\S+)/)).toBeGreaterThan(100);
  });

  it("08: EM and the linear VAE with a diagonal output variance agree on ψ, Λ Λᵀ and the log-likelihood", async () => {
    const out = await run("08-factor-analysis.ts");
    expect(number(out, /noise variances, VAE vs EM: max relative difference (\S+)/)).toBeLessThan(1e-5);
    expect(number(out, /W Wᵀ vs Λ Λᵀ: max relative difference (\S+)/)).toBeLessThan(1e-5);
    expect(Math.abs(number(out, /ELBO − EM log-likelihood: (\S+) nats/))).toBeLessThan(1e-8);
    expect(number(out, /ELBO \S+ nats per example, (\S+) below factor analysis/)).toBeGreaterThan(0.05);
  });

  it("09: per-datapoint inference beats the encoder's q on trained-VAE digits: a positive amortization gap, below the IWAE bound", async () => {
    const out = await run("09-amortization-gap.ts");
    const amortized = number(out, /amortized ELBO \(the encoder's q\):\s+(\S+) nats/);
    const optimized = number(out, /optimized ELBO \(per-datapoint q\):\s+(\S+) nats/);
    const gap = number(out, /amortization gap: (\S+) nats per digit/);
    expect(gap).toBeCloseTo(optimized - amortized, 1);
    expect(gap).toBeGreaterThan(0.5);
    expect(number(out, /IWAE bound L_1000 \(encoder's q\):\s+(\S+) nats/)).toBeGreaterThan(amortized);
  });
});
