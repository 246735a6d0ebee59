/**
 * The PyTorch bridge: fixtures written by PyTorch 1.13 (test/fixtures/pytorch/make_fixtures.py)
 * load — F16/BF16 up-cast, integers exact in float64 — and pytorch/examples' VAE state_dict imports
 * into a run folder whose forward matches PyTorch's; `elbo export --to pytorch` writes a module
 * that PyTorch runs to the same outputs, and whose state_dict imports back bit-identically
 * (where /usr/bin/python3 has torch; elsewhere that test says why it did nothing).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { noGrad, tensor } from "../../src/autograd/index.js";
import { loadSafetensors } from "../../src/io/files.js";
import { encodeSafetensors } from "../../src/io/safetensors.js";
import { captureCheckpoint } from "../../src/nn/index.js";
import { buildModel, type RunConfig } from "../../src/vae/index.js";
import { loadRun, writeCheckpoint, writeJson } from "../../src/cli/run-folder.js";

const root = join(import.meta.dirname, "..", "..");
const fixtures = join(root, "test", "fixtures", "pytorch");
const work = mkdtempSync(join(tmpdir(), "elbo-pytorch-"));
const PYTHON = "/usr/bin/python3";

function elbo(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(join(root, "node_modules", ".bin", "tsx"), [join(root, "src/cli/main.ts"), ...args], { cwd: work, encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const maxAbsDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Array.from(a).reduce((worst, value, i) => Math.max(worst, Math.abs(value - (b[i] as number))), 0);

describe("safetensors files written by PyTorch", () => {
  it("load F16, BF16, I64, I32, U8 and BOOL tensors as their exact values", () => {
    const { tensors } = loadSafetensors(join(fixtures, "dtypes.safetensors"));
    for (const [name, dtype] of [["f16", "float32"], ["bf16", "float32"], ["i64", "float64"], ["i32", "float64"], ["u8", "float64"], ["bool", "float64"]]) {
      const got = tensors.get(name as string);
      const want = tensors.get(`${name}.expected`);
      expect(got?.dtype, name).toBe(dtype);
      expect(got?.shape, name).toEqual(want?.shape);
      expect(Array.from(got?.data ?? []), name).toEqual(Array.from(want?.data ?? [0]));
    }
    // The values themselves, as PyTorch printed them.
    expect(Array.from(tensors.get("i64")?.data ?? [])).toEqual([0, -1, 2 ** 53, -(2 ** 53), 123456789012, 7]);
    expect(Array.from(tensors.get("f16")?.data ?? []).slice(0, 5)).toEqual([0, -0, 1, -2.5, 65504]);
  });
});

describe("elbo import --from pytorch", () => {
  it("turns pytorch/examples' VAE state_dict into a run folder with PyTorch's forward", () => {
    const outputs = loadSafetensors(join(fixtures, "examples-vae-outputs.safetensors")).tensors;
    const get = (name: string) => outputs.get(name) as NonNullable<ReturnType<typeof outputs.get>>;
    for (const [file, tolerance] of [["examples-vae.safetensors", 1e-6], ["examples-vae-f16.safetensors", 2e-2]] as const) {
      const out = join(work, file);
      const imported = elbo("import", "--weights", join(fixtures, file), "--out", out);
      expect(imported.status, imported.stderr).toBe(0);
      expect(imported.stdout).toContain("Read a 16-8-2 VAE (pytorch/examples names)");
      const { config, model } = loadRun(out);
      expect([config.model.height, config.model.width]).toEqual([4, 4]);
      const { mu, logVar } = noGrad(() => model.encode(tensor(get("x").data, { shape: get("x").shape })));
      const decoded = noGrad(() => model.decodeMean(tensor(get("z").data, { shape: get("z").shape })));
      expect(maxAbsDifference(mu.data, get("mu").data), file).toBeLessThanOrEqual(tolerance);
      expect(maxAbsDifference(logVar.data, get("logvar").data), file).toBeLessThanOrEqual(tolerance);
      expect(maxAbsDifference(decoded.data, get("decoded").data), file).toBeLessThanOrEqual(tolerance);
    }
  });

  it("names the tensor that does not fit, and the flags that are missing", () => {
    const { tensors } = loadSafetensors(join(fixtures, "examples-vae.safetensors"));
    const extra = new Map(tensors);
    extra.set("fc5.weight", tensors.get("fc4.weight") as NonNullable<ReturnType<typeof tensors.get>>);
    writeFileSync(join(work, "extra.safetensors"), encodeSafetensors(extra));
    const wrong = new Map(tensors);
    wrong.set("fc3.weight", tensors.get("fc1.weight") as NonNullable<ReturnType<typeof tensors.get>>);
    writeFileSync(join(work, "wrong.safetensors"), encodeSafetensors(wrong));
    const cases: [string[], number, string][] = [
      [["--weights", "extra.safetensors"], 1, `extra.safetensors: "fc5.weight" is not a layer of pytorch/examples' VAE (fc1, fc21, fc22, fc3, fc4)`],
      [["--weights", "wrong.safetensors"], 1, "wrong.safetensors: fc3 is [8, 16], expected [8, 2] for a mirrored 16-8-2 VAE"],
      [[], 2, "--weights FILE.safetensors is required"],
      [["--weights", join(fixtures, "examples-vae.safetensors"), "--height", "3"], 2, "--height 3 and --width (none) do not make the model's 16 inputs; give both"],
    ];
    for (const [args, status, message] of cases) {
      const result = elbo("import", "--out", join(work, "bad"), ...args);
      expect(result.status, args.join(" ")).toBe(status);
      expect(result.stderr).toContain(message);
    }
  });
});

describe("elbo export --to pytorch", () => {
  it("writes a module PyTorch runs to elbo's outputs, whose state_dict imports back bit-identically", () => {
    const torch = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
    if (torch.status !== 0) {
      console.warn(`PyTorch round trip not run: ${PYTHON} -c "import torch" failed (${(torch.stderr || String(torch.error)).trim().split("\n").pop()})`);
      return;
    }
    const config: RunConfig = {
      format: "elbo-run/1",
      model: { inputSize: 12, height: 3, width: 4, hiddenSizes: [6, 3], latentSize: 2, likelihood: "bernoulli" },
      training: { data: "mnist", epochs: 1, batchSize: 8, lr: 1e-3, beta: 1, warmupSteps: 0, binarize: "none", testSize: 10, seed: 5 },
    };
    const run = join(work, "run");
    const model = buildModel(config.model, 5);
    mkdirSync(run, { recursive: true });
    writeJson(join(run, "config.json"), config);
    writeCheckpoint(run, captureCheckpoint({ model, metadata: { epoch: "1", step: "1" } }));
    const exported = elbo("export", "--run", run, "--to", "pytorch", "--out", join(work, "torch"));
    expect(exported.status, exported.stderr).toBe(0);

    const x = Array.from({ length: 2 * 12 }, (_, i) => ((i * 7) % 11) / 10);
    const z = [0.5, -1.25, 2, 0.75];
    const script = [
      "import json, sys",
      `sys.path.insert(0, ${JSON.stringify(join(work, "torch"))})`,
      "import torch, model",
      "vae = model.VAE()",
      `vae.load_state_dict(model.load_safetensors(${JSON.stringify(join(work, "torch", "model.safetensors"))}))`,
      `x = torch.tensor(${JSON.stringify(x)}).reshape(2, 12)`,
      `z = torch.tensor(${JSON.stringify(z)}).reshape(2, 2)`,
      "with torch.no_grad():",
      "    mu, log_var = vae.encode(x)",
      "    means = vae.decode_mean(z)",
      `model.save_safetensors(vae.state_dict(), ${JSON.stringify(join(work, "back.safetensors"))})`,
      "print(json.dumps({'mu': mu.flatten().tolist(), 'logVar': log_var.flatten().tolist(), 'means': means.flatten().tolist()}))",
    ].join("\n");
    const python = spawnSync(PYTHON, ["-c", script], { encoding: "utf8", timeout: 60_000 });
    expect(python.status, python.stderr).toBe(0);
    const fromTorch = JSON.parse(python.stdout) as { mu: number[]; logVar: number[]; means: number[] };
    const { mu, logVar } = noGrad(() => model.encode(tensor(Float32Array.from(x), { shape: [2, 12] })));
    const means = noGrad(() => model.decodeMean(tensor(Float32Array.from(z), { shape: [2, 2] })));
    console.log(`PyTorch ${torch.stdout.trim()} vs elbo: max |difference| mu ${maxAbsDifference(mu.data, fromTorch.mu)}, log-variance ${maxAbsDifference(logVar.data, fromTorch.logVar)}, decoded means ${maxAbsDifference(means.data, fromTorch.means)}`);
    expect(maxAbsDifference(mu.data, fromTorch.mu)).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDifference(logVar.data, fromTorch.logVar)).toBeLessThanOrEqual(1e-6);
    expect(maxAbsDifference(means.data, fromTorch.means)).toBeLessThanOrEqual(1e-6);

    const back = join(work, "back");
    const imported = elbo("import", "--weights", join(work, "back.safetensors"), "--height", "3", "--out", back);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("Read a 12-6-3-2 VAE (elbo names)");
    const againParameters = new Map(loadRun(back).model.namedParameters());
    for (const [name, parameter] of model.namedParameters()) {
      expect(Array.from(againParameters.get(name)?.data ?? []), name).toEqual(Array.from(parameter.data));
    }
    expect(readFileSync(join(work, "torch", "model.py"), "utf8")).toContain("HIDDEN_SIZES = [6, 3]");
  });
});
