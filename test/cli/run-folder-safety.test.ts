/**
 * A run folder has one writer, resumes honestly and is found by default: a second `train` on a
 * folder being written exits 2 naming the holder; a dead writer's lock and temp files are taken
 * over and removed; --resume refuses a flag that reshapes the model, records one that may
 * change, and changes nothing when there is nothing to train; `train` without --out starts a
 * new numbered run that runs/latest points at; output paths are checked before any work.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cliMain, nodeCli, root, runElbo, tsx, writeTinyIdx } from "../support/cli.js";

const work = mkdtempSync(join(tmpdir(), "elbo-run-folder-"));
writeTinyIdx(join(work, "tiny"));
const small = ["--data", "tiny", "--hidden", "16", "--latent", "2", "--batch-size", "50", "--threads", "1"];
const elbo = (...args: string[]): ReturnType<typeof runElbo> => runElbo(work, args);
const read = (path: string): Buffer => readFileSync(join(work, path));

function elboAsync(...args: string[]): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(tsx, [cliMain, ...args], { cwd: work, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stderr })));
}

/** A pid that is certainly not running: a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ["-e", ""]).pid as number;
}

describe("one writer per run folder", () => {
  it("a second train, or a --resume, on a folder being written exits 2 naming the holder", async () => {
    const first = spawn(process.execPath, [...nodeCli, "train", ...small, "--epochs", "2000", "--out", "busy"], { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    first.stdout.on("data", (chunk: Buffer) => void (output += chunk.toString()));
    // Wait until the first holds the lock (it prints its training line after taking it).
    for (let i = 0; i < 1200 && !/Training a/.test(output); i++) await new Promise((r) => setTimeout(r, 50));
    const [second, resumed] = await Promise.all([
      elboAsync("train", ...small, "--epochs", "1", "--out", "busy"),
      elboAsync("train", "--out", "busy", "--resume", "--epochs", "3000"),
    ]);
    const stillRunning = first.exitCode === null;
    first.kill("SIGKILL");
    await new Promise((r) => first.on("close", r));
    expect(stillRunning).toBe(true);
    expect(second.status).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`busy is being written by another elbo train \\(pid ${first.pid} on ${hostname()}, since `));
    expect(resumed.status).toBe(2);
    expect(resumed.stderr).toMatch(/busy is being written by another elbo train/);
    expect(JSON.parse(read("busy/config.json").toString()).training.epochs).toBe(2000);
  }, 120_000);

  it("takes over the lock of a dead writer with a notice, and removes its temp files", () => {
    expect(elbo("train", ...small, "--epochs", "1", "--out", "crashed").status).toBe(0);
    const pid = deadPid();
    writeFileSync(join(work, "crashed", "elbo.lock"), JSON.stringify({ pid, host: hostname(), started: "2026-01-01T00:00:00.000Z" }));
    const orphan = `model.safetensors.${pid}.0123456789ab.tmp`;
    writeFileSync(join(work, "crashed", orphan), "half a checkpoint");
    const resumed = elbo("train", "--out", "crashed", "--resume", "--epochs", "2");
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`Note: taking over the lock of pid ${pid} .*, which is no longer running`));
    expect(resumed.stdout).toContain(`Removed 1 temp file left by a writer that is gone: ${orphan}`);
    expect(readdirSync(join(work, "crashed")).filter((f) => f.endsWith(".tmp") || f === "elbo.lock")).toEqual([]);
  });
});

describe("honest resume", () => {
  beforeAll(() => {
    expect(elbo("train", ...small, "--epochs", "2", "--out", "honest").status).toBe(0);
  }, 60_000);

  it("refuses a flag that changes the model or the data, naming it, and changes nothing", () => {
    const before = read("honest/config.json");
    const result = elbo("train", "--out", "honest", "--resume", "--epochs", "5", "--lr", "0.5", "--latent", "7");
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--latent 7: the run in honest was trained with --latent 2, and a flag that shapes the model or the data cannot change on --resume/);
    expect(read("honest/config.json").equals(before)).toBe(true);
  });

  it("refuses --arch and --exclude-labels other than the run's (absent in config.json: mlp, none)", () => {
    const before = read("honest/config.json");
    const arch = elbo("train", "--out", "honest", "--resume", "--epochs", "5", "--arch", "conv");
    expect(arch.status).toBe(2);
    expect(arch.stderr).toMatch(/--arch conv: the run in honest was trained with --arch mlp/);
    const excluded = elbo("train", "--out", "honest", "--resume", "--epochs", "5", "--exclude-labels", "3");
    expect(excluded.status).toBe(2);
    expect(excluded.stderr).toMatch(/--exclude-labels 3: the run in honest was trained with --exclude-labels none,/);
    expect(read("honest/config.json").equals(before)).toBe(true);
  });

  it("--epochs not above the run's says there is nothing to train and changes no file", () => {
    const names = readdirSync(join(work, "honest"));
    const before = names.map((name) => read(`honest/${name}`));
    const result = elbo("train", "--out", "honest", "--resume", "--epochs", "1");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Nothing to train: honest has finished 2 epochs, and --epochs 1 asks for no more/);
    expect(readdirSync(join(work, "honest"))).toEqual(names);
    names.forEach((name, i) => expect(read(`honest/${name}`).equals(before[i] as Buffer), name).toBe(true));
  });

  it("applies --lr from the next epoch, prints it and records it in config.json; the real test-set size is recorded", () => {
    const result = elbo("train", "--out", "honest", "--resume", "--epochs", "3", "--lr", "0.01");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("--lr 0.01 from epoch 3 on (was 0.001); recorded in config.json");
    const config = JSON.parse(read("honest/config.json").toString()) as { training: { lr: number; epochs: number; testSize: number }; changes: unknown[] };
    expect(config.training).toMatchObject({ lr: 0.01, epochs: 3, testSize: 100 });
    expect(config.changes).toEqual([
      { fromEpoch: 3, flag: "--lr", from: 0.001, to: 0.01 },
      { fromEpoch: 3, flag: "--epochs", from: 2, to: 3 },
    ]);
  });
});

describe("where runs go, and what the command line says", () => {
  it("train without --out starts a new numbered run each time; runs/latest points at the newest, the default --run", () => {
    const dir = join(work, "fresh");
    mkdirSync(dir);
    writeTinyIdx(join(dir, "tiny"));
    const first = runElbo(dir, ["train", ...small, "--epochs", "1"]);
    const second = runElbo(dir, ["train", ...small, "--epochs", "1"]);
    expect([first.status, second.status]).toEqual([0, 0]);
    expect(readdirSync(join(dir, "runs")).sort()).toEqual(["latest", "tiny-1", "tiny-2"]);
    expect(second.stdout).toMatch(/Done in \d+:\d\d: test ELBO -[\d.]+ after epoch 1, best -[\d.]+ at epoch 1\. The run is in runs\/tiny-2 \(runs\/latest points there\)/);
    expect(first.stdout).toMatch(/testing on 100, 1 thread, (WebAssembly SIMD|plain JavaScript) kernels/);
    expect(runElbo(dir, ["sample", "--out", "s.png"]).status).toBe(0);
    expect(readFileSync(join(dir, "runs", "latest", "config.json")).equals(readFileSync(join(dir, "runs", "tiny-2", "config.json")))).toBe(true);
  });

  it("checks output paths before any work, naming the flag and the user's path", () => {
    const file = elbo("sample", "--run", "honest", "--out", "honest");
    expect(file.status).toBe(2);
    expect(file.stderr).toContain("--out honest: is a folder; give a file name inside it");
    const missing = elbo("sample", "--run", "honest", "--out", "nowhere/s.png");
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("--out nowhere/s.png: the folder nowhere does not exist");
    const notFolder = elbo("train", ...small, "--out", "honest/config.json/run");
    expect(notFolder.status).toBe(2);
    expect(notFolder.stderr).toMatch(/--out honest\/config.json\/run: .*config\.json is a file, not a folder/);
    expect(notFolder.stdout).not.toContain("Loading");
    // A folder flag of another command, checked before the run is even looked for.
    const outliers = elbo("outliers", "--run", "no-such-run", "--out-of", "9", "--out", "honest/config.json");
    expect(outliers.status).toBe(2);
    expect(outliers.stderr).toContain("--out honest/config.json: is a file, not a folder");
  });

  it("elbo --version prints the package's version", () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    const result = elbo("--version");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`elbo ${version}`);
  });
});
