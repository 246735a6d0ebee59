/**
 * `elbo export --to pytorch` and `elbo import --from pytorch`: a run's VAE as a PyTorch module
 * file plus its weights (safetensors, PyTorch's names and layouts), and a PyTorch state_dict
 * (pytorch/examples' vae/main.py VAE, or one exported here) as a run folder the other commands use.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadSafetensors, saveSafetensorsSync, writeFileAtomicSync } from "../io/files.js";
import { captureCheckpoint } from "../nn/index.js";
import { buildModel, pytorchModuleSource, readPyTorchVAE, type Activation, type RunConfig } from "../vae/index.js";
import { flagNumber, flagOptionalString, flagString, UsageError, type FlagSpec, type ParsedFlags } from "./args.js";
import type { Command } from "./commands.js";
import { CHECKPOINT_FILE, CONFIG_FILE, ensureDir, loadRun, writeCheckpoint, writeJson } from "./run-folder.js";

const MODULE_FILE = "model.py";

const exportFlags: Record<string, FlagSpec> = {
  run: { type: "string", default: "runs/latest", help: "run folder written by elbo train" },
  to: { type: "string", default: "pytorch", choices: ["pytorch"], help: "what to export to" },
  out: { type: "string", default: "pytorch", help: `folder for ${MODULE_FILE} and ${CHECKPOINT_FILE} (the state_dict)` },
};

const importFlags: Record<string, FlagSpec> = {
  from: { type: "string", default: "pytorch", choices: ["pytorch"], help: "what the weights come from" },
  weights: { type: "string", help: "safetensors file of a state_dict: pytorch/examples' vae/main.py VAE (fc1, fc21, fc22, fc3, fc4) or an elbo export (MLP or conv)" },
  height: { type: "int", min: 1, help: "image height (default: the square root of the input size)" },
  width: { type: "int", min: 1, help: "image width (default: input size / height)" },
  likelihood: { type: "string", default: "bernoulli", choices: ["bernoulli", "gaussian"], help: "decoder likelihood the weights were trained with" },
  activation: { type: "string", default: "relu", choices: ["relu", "tanh"], help: "the dense layers' nonlinearity (a state_dict does not say)" },
  out: { type: "string", default: "runs/imported", help: "run folder to write (config.json, model.safetensors)" },
};

function runExport(flags: ParsedFlags, log: (line: string) => void): void {
  const run = flagString(flags, "run");
  const { config, model } = loadRun(run);
  if (config.model.outputLogVar !== undefined) throw new UsageError(`--run ${run}: its Gaussian decoder learns its variance (outputLogVar), which the PyTorch module does not have yet; export a run with the fixed variance`);
  if (config.model.classes !== undefined) throw new UsageError(`--run ${run}: a conditional VAE (--conditional, ${config.model.classes} classes) takes labels beside the pixels, which the PyTorch module does not have yet`);
  const dir = flagString(flags, "out");
  ensureDir(dir);
  saveSafetensorsSync(join(dir, CHECKPOINT_FILE), new Map([...model.namedParameters()].map(([name, p]) => [name, p.value])));
  writeFileAtomicSync(join(dir, MODULE_FILE), new TextEncoder().encode(pytorchModuleSource(config.model)));
  log(`Wrote ${join(dir, MODULE_FILE)} and ${join(dir, CHECKPOINT_FILE)}: in Python, model.VAE().load_state_dict(model.load_safetensors("${CHECKPOINT_FILE}"))`);
}

/** Image height and width for `inputSize` pixels: the flags, else the square it makes. */
function imageSide(flags: ParsedFlags, inputSize: number): { height: number; width: number } {
  const height = flags.height === undefined ? Math.round(Math.sqrt(inputSize)) : flagNumber(flags, "height");
  const width = flags.width === undefined ? inputSize / height : flagNumber(flags, "width");
  if (!Number.isInteger(width) || height * width !== inputSize) {
    throw new UsageError(`--height ${height} and --width ${Number.isInteger(width) ? width : "(none)"} do not make the model's ${inputSize} inputs; give both`);
  }
  return { height, width };
}

function runImport(flags: ParsedFlags, log: (line: string) => void): void {
  const path = flagOptionalString(flags, "weights");
  if (path === undefined) throw new UsageError("--weights FILE.safetensors is required");
  if (!existsSync(path)) throw new UsageError(`--weights ${path}: no such file`);
  const read = readPyTorchVAE(loadSafetensors(path).tensors, path);
  const dir = flagString(flags, "out");
  const config: RunConfig = {
    format: "elbo-run/1",
    model: { arch: read.arch, inputSize: read.inputSize, ...imageSide(flags, read.inputSize), hiddenSizes: read.hiddenSizes, latentSize: read.latentSize, likelihood: flagString(flags, "likelihood") as RunConfig["model"]["likelihood"], activation: flagString(flags, "activation") as Activation },
    // The PyTorch example's recipe (10 epochs, Adam 1e-3, batch 128); the checkpoint has no optimizer state.
    training: { data: "mnist", epochs: 10, batchSize: 128, lr: 1e-3, beta: 1, warmupSteps: 0, binarize: "none", testSize: 1000, seed: 0 },
  };
  const model = buildModel(config.model, 0);
  const problems = model.checkStateDict(read.state);
  if (problems.length > 0) throw new Error(`${path}: ${problems.join("; ")}`);
  model.loadStateDict(read.state);
  ensureDir(dir);
  writeJson(join(dir, CONFIG_FILE), config);
  writeCheckpoint(dir, captureCheckpoint({ model, metadata: { epoch: "0", step: "0", importedFrom: path } }));
  const sizes = [read.inputSize, ...read.hiddenSizes, read.latentSize].join("-");
  log(`Read a ${sizes} ${read.arch === "conv" ? "conv " : ""}VAE (${read.layout} names) from ${path}; wrote the run folder ${dir}`);
}

export const pytorchCommands: Record<string, Command> = {
  export: {
    description: "Write a run's VAE as a PyTorch module file (same layers and names) and its weights as safetensors.",
    flags: exportFlags,
    run: runExport,
  },
  import: {
    description: "Read a PyTorch VAE state_dict (pytorch/examples' vae/main.py, or an elbo export) saved as safetensors into a run folder.",
    flags: importFlags,
    run: runImport,
  },
};
