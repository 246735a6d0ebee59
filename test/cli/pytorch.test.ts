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
import { buildModel, type RunConfig, type VAE } from "../../src/vae/index.js";
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
      expect([config.model.height, config.model.width, model.kind]).toEqual([4, 4, "vae"]);
      if (model.kind !== "vae") return;
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
  /** A run folder of a fresh (seeded) VAE, exported to PyTorch in `${name}-torch`. */
  function exportedRun(name: string, model: RunConfig["model"]): { run: string; torchDir: string; vae: VAE } {
    const config: RunConfig = {
      format: "elbo-run/1",
      model,
      training: { data: "mnist", epochs: 1, batchSize: 8, lr: 1e-3, beta: 1, warmupSteps: 0, binarize: "none", testSize: 10, seed: 5 },
    };
    const run = join(work, name);
    const vae = buildModel(config.model, 5) as VAE; // no kind: a VAE
    mkdirSync(run, { recursive: true });
    writeJson(join(run, "config.json"), config);
    writeCheckpoint(run, captureCheckpoint({ model: vae, metadata: { epoch: "1", step: "1" } }));
    const torchDir = join(work, `${name}-torch`);
    const exported = elbo("export", "--run", run, "--to", "pytorch", "--out", torchDir);
    expect(exported.status, exported.stderr).toBe(0);
    return { run, torchDir, vae };
  }

  /** PyTorch's encode and decode_mean of the exported module (x: [2, inputs], z: [2, latent]), and its state_dict saved back; undefined, with the reason printed, where torch is missing. */
  function inTorch(torchDir: string, x: number[], z: number[]): { mu: number[]; logVar: number[]; means: number[]; version: string } | undefined {
    const torch = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8" });
    if (torch.status !== 0) {
      console.warn(`PyTorch round trip not run: ${PYTHON} -c "import torch" failed (${(torch.stderr || String(torch.error)).trim().split("\n").pop()})`);
      return undefined;
    }
    const script = [
      "import json, sys",
      `sys.path.insert(0, ${JSON.stringify(torchDir)})`,
      "import torch, model",
      "vae = model.VAE()",
      `vae.load_state_dict(model.load_safetensors(${JSON.stringify(join(torchDir, "model.safetensors"))}))`,
      `x = torch.tensor(${JSON.stringify(x)}).reshape(2, -1)`,
      `z = torch.tensor(${JSON.stringify(z)}).reshape(2, -1)`,
      "with torch.no_grad():",
      "    mu, log_var = vae.encode(x)",
      "    means = vae.decode_mean(z)",
      `model.save_safetensors(vae.state_dict(), ${JSON.stringify(join(torchDir, "back.safetensors"))})`,
      "print(json.dumps({'mu': mu.flatten().tolist(), 'logVar': log_var.flatten().tolist(), 'means': means.flatten().tolist()}))",
    ].join("\n");
    const python = spawnSync(PYTHON, ["-c", script], { encoding: "utf8", timeout: 60_000 });
    expect(python.status, python.stderr).toBe(0);
    return { ...(JSON.parse(python.stdout) as { mu: number[]; logVar: number[]; means: number[] }), version: torch.stdout.trim() };
  }

  /** elbo's outputs for the same inputs, and PyTorch's largest differences from them. */
  function differences(vae: VAE, fromTorch: { mu: number[]; logVar: number[]; means: number[] }, x: number[], z: number[]): { mu: number; logVar: number; means: number } {
    const { mu, logVar } = noGrad(() => vae.encode(tensor(Float32Array.from(x), { shape: [2, x.length / 2] })));
    const means = noGrad(() => vae.decodeMean(tensor(Float32Array.from(z), { shape: [2, z.length / 2] })));
    return { mu: maxAbsDifference(mu.data, fromTorch.mu), logVar: maxAbsDifference(logVar.data, fromTorch.logVar), means: maxAbsDifference(means.data, fromTorch.means) };
  }

  /** Every parameter of the run folder `dir` equals the model's, bit for bit. */
  function expectSameParameters(dir: string, vae: ReturnType<typeof buildModel>): void {
    const again = new Map(loadRun(dir).model.namedParameters());
    expect([...again.keys()]).toEqual([...vae.namedParameters()].map(([name]) => name));
    for (const [name, parameter] of vae.namedParameters()) {
      expect(Array.from(again.get(name)?.data ?? []), name).toEqual(Array.from(parameter.data));
    }
  }

  it("writes a module PyTorch runs to elbo's outputs, whose state_dict imports back bit-identically", () => {
    const { torchDir, vae } = exportedRun("mlp", { inputSize: 12, height: 3, width: 4, hiddenSizes: [6, 3], latentSize: 2, likelihood: "bernoulli" });
    expect(readFileSync(join(torchDir, "model.py"), "utf8")).toContain("HIDDEN_SIZES = [6, 3]");
    const x = Array.from({ length: 2 * 12 }, (_, i) => ((i * 7) % 11) / 10);
    const z = [0.5, -1.25, 2, 0.75];
    const fromTorch = inTorch(torchDir, x, z);
    if (!fromTorch) return;
    const worst = differences(vae, fromTorch, x, z);
    console.log(`PyTorch ${fromTorch.version} vs elbo (MLP): max |difference| mu ${worst.mu}, log-variance ${worst.logVar}, decoded means ${worst.means}`);
    expect(Math.max(worst.mu, worst.logVar, worst.means)).toBeLessThanOrEqual(1e-6);
    const back = join(work, "mlp-back");
    const imported = elbo("import", "--weights", join(torchDir, "back.safetensors"), "--height", "3", "--out", back);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("Read a 12-6-3-2 VAE (elbo names)");
    expectSameParameters(back, vae);
  });

  it("exports a conv run with tanh dense layers that imports back bit-identically and runs in PyTorch", () => {
    const { torchDir, vae } = exportedRun("conv", { arch: "conv", activation: "tanh", inputSize: 64, height: 8, width: 8, hiddenSizes: [5], latentSize: 2, likelihood: "bernoulli" });
    const source = readFileSync(join(torchDir, "model.py"), "utf8");
    expect(source).toContain('ARCH = "conv"');
    expect(source).toContain("ACTIVATION = nn.Tanh");
    const back = join(work, "conv-back");
    const imported = elbo("import", "--weights", join(torchDir, "model.safetensors"), "--activation", "tanh", "--out", back);
    expect(imported.status, imported.stderr).toBe(0);
    expect(imported.stdout).toContain("Read a 64-5-2 conv VAE (elbo names)");
    expect(loadRun(back).config.model).toMatchObject({ arch: "conv", activation: "tanh", height: 8, width: 8, hiddenSizes: [5], latentSize: 2 });
    expectSameParameters(back, vae);

    const x = Array.from({ length: 2 * 64 }, (_, i) => ((i * 5) % 13) / 12);
    const z = [1.5, -0.5, -2, 0.25];
    const fromTorch = inTorch(torchDir, x, z);
    if (!fromTorch) return;
    const worst = differences(vae, fromTorch, x, z);
    console.log(`PyTorch ${fromTorch.version} vs elbo (conv): max |difference| mu ${worst.mu}, log-variance ${worst.logVar}, decoded means ${worst.means}`);
    expect(Math.max(worst.mu, worst.logVar, worst.means)).toBeLessThanOrEqual(1e-5);
  });

  it("refuses a run whose Gaussian decoder learned its variance, naming the run", () => {
    const config: RunConfig = {
      format: "elbo-run/1",
      model: { inputSize: 12, height: 3, width: 4, hiddenSizes: [6], latentSize: 2, likelihood: "gaussian", outputLogVar: "learned" },
      training: { data: "mnist", epochs: 1, batchSize: 8, lr: 1e-3, beta: 1, warmupSteps: 0, binarize: "none", testSize: 10, seed: 5 },
    };
    const run = join(work, "learned-variance");
    mkdirSync(run, { recursive: true });
    writeJson(join(run, "config.json"), config);
    writeCheckpoint(run, captureCheckpoint({ model: buildModel(config.model, 5), metadata: { epoch: "1", step: "1" } }));
    const exported = elbo("export", "--run", run, "--to", "pytorch", "--out", join(work, "learned-variance-torch"));
    expect(exported.status).toBe(2);
    expect(exported.stderr).toContain(`--run ${run}: its Gaussian decoder learns its variance`);
  });
});
