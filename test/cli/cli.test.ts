/**
 * The command line end to end, as a user runs it: a short training run on the bundled digits
 * reaches a stated test ELBO and leaves valid PNG / safetensors / JSON files; a resumed run is
 * bit-identical to an uninterrupted one; bad flags and bad files give clear errors.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeSafetensors } from "../../src/io/safetensors.js";

const root = join(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "elbo-cli-"));

function elbo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(join(root, "node_modules", ".bin", "tsx"), [join(root, "src/cli/main.ts"), ...args], {
    cwd: work,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Width and height of a PNG, after checking its signature and that its pixel data inflates to the right size. */
function pngSize(path: string): [number, number] {
  const bytes = readFileSync(path);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const colorType = bytes[25] as number;
  const idat: Buffer[] = [];
  for (let offset = 8; offset < bytes.length; ) {
    const length = bytes.readUInt32BE(offset);
    if (bytes.toString("latin1", offset + 4, offset + 8) === "IDAT") idat.push(bytes.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const channels = colorType === 2 ? 3 : 1;
  expect(inflateSync(Buffer.concat(idat)).length).toBe(height * (1 + width * channels));
  return [width, height];
}

const small = ["--hidden", "128", "--latent", "8", "--test-size", "1000", "--batch-size", "100", "--seed", "3"];

describe("elbo train", () => {
  let run: { status: number | null; stdout: string; stderr: string };
  beforeAll(() => {
    run = elbo("train", ...small, "--epochs", "3", "--out", "full", "--threads", "2");
  }, 120_000);

  it("trains on the bundled digits to a stated test ELBO and logs every epoch", () => {
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/epoch 3\/3: train ELBO/);
    expect(run.stdout).toMatch(/testing on 1000, 2 threads/);
    const metrics = JSON.parse(readFileSync(join(work, "full", "metrics.json"), "utf8")) as { testElbo: number; trainElbo: number; testKl: number; activeUnits: number }[];
    expect(metrics).toHaveLength(3);
    const last = metrics[2] as { testElbo: number; testKl: number; activeUnits: number };
    expect(last.activeUnits).toBeLessThanOrEqual(8);
    // 9,000 training digits, 3 epochs of a 784-128-8 VAE: measured -159.9 nats per test digit.
    expect(last.testElbo).toBeGreaterThan(-170);
    expect((metrics[0] as { testElbo: number }).testElbo).toBeLessThan(last.testElbo);
    expect(last.testKl).toBeGreaterThan(1);
    expect(last.activeUnits).toBeGreaterThanOrEqual(1);
  });

  it("writes a valid checkpoint, config and pictures", () => {
    const checkpoint = decodeSafetensors(readFileSync(join(work, "full", "model.safetensors")), "model.safetensors");
    expect(checkpoint.tensors.get("model.meanHead.weight")?.shape).toEqual([8, 128]);
    expect(checkpoint.metadata.epoch).toBe("3");
    const config = JSON.parse(readFileSync(join(work, "full", "config.json"), "utf8")) as { model: { latentSize: number } };
    expect(config.model.latentSize).toBe(8);
    for (const name of ["reconstructions.png", "samples.png", "interpolation.png", "latent.png", "curves.png"]) {
      const [width, height] = pngSize(join(work, "full", name));
      expect(width).toBeGreaterThan(50);
      expect(height).toBeGreaterThan(50);
    }
  });

  it("resumes from its checkpoint bit-identically to an uninterrupted run, on any number of threads", () => {
    // The uninterrupted run had 2 threads; this one starts on 1 and resumes on 3.
    expect(elbo("train", ...small, "--epochs", "2", "--out", "resumed", "--threads", "1").status).toBe(0);
    // As if killed after writing epoch 3's metrics but before its checkpoint: resume trusts the
    // checkpoint (epoch 2), drops the orphan metrics row and trains epoch 3 again.
    const metricsPath = join(work, "resumed", "metrics.json");
    const two = JSON.parse(readFileSync(metricsPath, "utf8")) as { epoch: number }[];
    writeFileSync(metricsPath, JSON.stringify([...two, { ...two[1], epoch: 3, testElbo: 0 }]));
    const resumed = elbo("train", "--epochs", "3", "--out", "resumed", "--resume", "--threads", "3");
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/Resuming .* after epoch 2/);
    expect(readFileSync(join(work, "resumed", "model.safetensors")).equals(readFileSync(join(work, "full", "model.safetensors")))).toBe(true);
    const three = JSON.parse(readFileSync(metricsPath, "utf8")) as { epoch: number; testElbo: number }[];
    expect(three.map((m) => m.epoch)).toEqual([1, 2, 3]);
    expect(three[2]?.testElbo).toBeLessThan(0);
  });

  it("refuses to overwrite a run without --resume", () => {
    const again = elbo("train", ...small, "--epochs", "1", "--out", "full");
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already holds a run; pass --resume/);
  });
});

describe("commands on a trained run", () => {
  it("sample, reconstruct, interpolate, encode and score write their files", () => {
    expect(elbo("sample", "--run", "full", "--n", "16", "--out", "s.png").status).toBe(0);
    // A 4 x 4 grid of 57-px cells (4 * 57 + 1 px square) below its two-line title.
    const [width, height] = pngSize(join(work, "s.png"));
    expect(width).toBeGreaterThanOrEqual(4 * 57 + 1);
    expect(height).toBeGreaterThan(4 * 57 + 1 + 14);
    expect(elbo("reconstruct", "--run", "full", "--out", "r.png").status).toBe(0);
    pngSize(join(work, "r.png"));
    expect(elbo("interpolate", "--run", "full", "--mode", "slerp", "--out", "i.png").status).toBe(0);
    pngSize(join(work, "i.png"));
    expect(elbo("encode", "--run", "full", "--out", "z.csv", "--plot", "z.png").status).toBe(0);
    const csv = readFileSync(join(work, "z.csv"), "utf8").trim().split("\n");
    const columns = (name: string): string[] => Array.from({ length: 8 }, (_, d) => `${name}${d}`);
    expect(csv[0]).toBe(["label", ...columns("mu"), ...columns("logVar")].join(","));
    expect(csv).toHaveLength(1001);
    const scored = elbo("score", "--run", "full", "--k", "10", "--out", "scores.csv");
    expect(scored.status).toBe(0);
    const mean = Number(/log p\(x\) ≈ (-?[\d.]+)/.exec(scored.stdout)?.[1]);
    // The IWAE estimate of log p(x) is at least the ELBO (on average, up to noise).
    const metrics = JSON.parse(readFileSync(join(work, "full", "metrics.json"), "utf8")) as { testElbo: number }[];
    expect(mean).toBeGreaterThan((metrics[2] as { testElbo: number }).testElbo - 1);
    const rows = readFileSync(join(work, "scores.csv"), "utf8").trim().split("\n").slice(1).map((l) => Number(l.split(",")[2]));
    expect(rows.every((v, i) => i === 0 || v >= (rows[i - 1] as number))).toBe(true);
  });
});

describe("elbo gradcheck", () => {
  it("checks the ELBO gradient of every parameter of a small float64 VAE and passes", () => {
    const result = elbo("gradcheck", "--likelihood", "gaussian", "--hidden", "6,5");
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n").filter((l) => /^ +ok /.test(l));
    // encoder (2 layers), two heads, decoder (2 layers), output layer: 2 tensors each, plus log σ².
    expect(lines).toHaveLength(15);
    expect(result.stdout).toMatch(/outputLogVar/);
    expect(result.stdout).toMatch(/gradcheck passed/);
  });
});

describe("bad input", () => {
  it("unknown flags and bad values exit 2 naming the flag", () => {
    const unknown = elbo("train", "--epoch", "3");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/unknown flag --epoch/);
    const badValue = elbo("train", "--lr", "fast");
    expect(badValue.status).toBe(2);
    expect(badValue.stderr).toMatch(/--lr: expected a finite number, got "fast"/);
    const badChoice = elbo("train", "--likelihood", "poisson");
    expect(badChoice.status).toBe(2);
    expect(badChoice.stderr).toMatch(/--likelihood: expected one of bernoulli, gaussian/);
    const badCommand = elbo("fly");
    expect(badCommand.status).toBe(2);
    expect(badCommand.stderr).toMatch(/unknown command "fly"/);
  });

  it("--help lists the flags with defaults and exits 0", () => {
    const help = elbo("train", "--help");
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/--batch-size +examples per step \(default: 128\)/);
  });

  it("a bad IDX file gives an error naming the file and the byte offset, exit 1", () => {
    const dir = join(work, "bad-idx");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "train-images-idx3-ubyte"), Buffer.from([0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3]));
    writeFileSync(join(dir, "train-labels-idx1-ubyte"), Buffer.from([0, 0, 8, 1, 0, 0, 0, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0]));
    const result = elbo("train", "--data", dir, "--out", "never");
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/train-images-idx3-ubyte.*offset 16/);
  });

  it("a missing run folder is a clear error", () => {
    const result = elbo("sample", "--run", "nowhere");
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/nowhere: not a run folder/);
  });
});
