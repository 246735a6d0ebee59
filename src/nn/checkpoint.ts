/**
 * Checkpoints as data: a model, optionally its optimizer and random generator, and free-form
 * metadata, turned into `{ tensors, metadata }` (what a safetensors file holds) and back. This
 * file never touches files (see `io/` for the bytes), so it runs in a browser.
 *
 *   tensors   "model.<name>"                 each parameter, e.g. model.encoder.0.weight
 *             "optimizer.<buffer>.<name>"    each optimizer buffer, e.g. optimizer.exp_avg.0.weight
 *   metadata  "format"                       CHECKPOINT_FORMAT
 *             "optimizer"                    JSON: kind, stepCount, lr, hyperParameters, steps
 *             "generator"                    JSON: the GeneratorState
 *             anything else                  the caller's metadata, verbatim
 *
 * Restoring validates everything (names, shapes, JSON, and that every value is finite) before it
 * changes anything, and every error says what is wrong with which name. Capturing refuses
 * non-finite values too, so a NaN never reaches a checkpoint unless asked (`allowNonFinite`).
 */
import type { Tensor } from "../autograd/index.js";
import { formatShape, Generator, nonFiniteEntries, type GeneratorState, type NDArray } from "../tensor/index.js";
import type { Module } from "./module.js";
import type { HyperParameters, Optimizer, OptimizerStateDict, ParameterState } from "./optim/optimizer.js";

export const CHECKPOINT_FORMAT = "elbo-checkpoint/1";
const RESERVED_KEYS = new Set(["format", "optimizer", "generator"]);
const MODEL = "model.";
const OPTIMIZER = "optimizer.";

/** A checkpoint that cannot be captured or restored; the message names the source (when known) and the problem. */
export class CheckpointError extends Error {
  override name = "CheckpointError";
  /** The file (or other source) the checkpoint came from, when the caller said. */
  readonly source: string | undefined;

  constructor(message: string, source?: string) {
    super(message);
    this.source = source;
  }
}

export interface NonFiniteOptions {
  /** Accept NaN and ±∞ values (for forensic use: looking at a run that went wrong). Default false. */
  allowNonFinite?: boolean;
}

export interface RestoreOptions extends NonFiniteOptions {
  /** Where the checkpoint came from (a file path), named in every error. */
  source?: string;
}

export interface Checkpoint {
  tensors: Map<string, NDArray>;
  metadata: Record<string, string>;
}

export interface CheckpointTargets {
  model: Module;
  optimizer?: Optimizer;
  generator?: Generator;
}

export interface CheckpointContents extends CheckpointTargets, NonFiniteOptions {
  /** Free-form string metadata; the keys format, optimizer and generator are reserved. */
  metadata?: Readonly<Record<string, string>>;
}

/** The optimizer's metadata entry: its state dict without the tensors, steps keyed by name. */
interface OptimizerMetadata {
  kind: string;
  stepCount: number;
  lr: number | null;
  hyperParameters: HyperParameters;
  /** [parameter name, step] for each parameter that has state. */
  steps: [string, number][];
}

function fail(problem: string, source?: string): never {
  throw new CheckpointError(`${source === undefined ? "" : `${source}: `}checkpoint: ${problem}`, source);
}

/** Throws naming the first tensor that holds a NaN or ±∞, with the count. */
function checkFinite(tensors: Iterable<[string, NDArray]>, what: string, source?: string): void {
  for (const [name, value] of tensors) {
    const { count } = nonFiniteEntries(value.data);
    if (count > 0) {
      fail(`${what} "${name}" holds ${count} NaN or infinite value${count === 1 ? "" : "s"} of ${value.size} (allowNonFinite loads it anyway, for forensic use)`, source);
    }
  }
}

/** The name of each of the optimizer's parameters in the model (which must own them all). */
function parameterNames(model: Module, optimizer: Optimizer): string[] {
  const nameOf = new Map<Tensor, string>();
  for (const [name, p] of model.namedParameters()) nameOf.set(p, name);
  return optimizer.params.map((p, i) => nameOf.get(p) ?? fail(`optimizer parameter ${i} ${formatShape(p.shape)} is not a parameter of the model`));
}

/** A snapshot of `contents`: every array is copied, so training on does not change it. */
export function captureCheckpoint(contents: CheckpointContents): Checkpoint {
  const tensors = new Map<string, NDArray>();
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT };
  for (const [key, value] of Object.entries(contents.metadata ?? {})) {
    if (RESERVED_KEYS.has(key)) fail(`metadata key "${key}" is reserved`);
    if (typeof value !== "string") fail(`metadata value for "${key}" is not a string`);
    metadata[key] = value;
  }
  for (const [name, p] of contents.model.namedParameters()) tensors.set(MODEL + name, p.value.clone());
  if (contents.optimizer) {
    const names = parameterNames(contents.model, contents.optimizer);
    const dict = contents.optimizer.stateDict();
    const steps: [string, number][] = [];
    dict.parameters.forEach((entry, i) => {
      if (entry === null) return;
      const name = names[i] as string;
      steps.push([name, entry.step]);
      for (const [buffer, value] of entry.buffers) tensors.set(`${OPTIMIZER}${buffer}.${name}`, value);
    });
    const { kind, stepCount, lr, hyperParameters } = dict;
    metadata.optimizer = JSON.stringify({ kind, stepCount, lr, hyperParameters, steps } satisfies OptimizerMetadata);
  }
  if (contents.generator) metadata.generator = JSON.stringify(contents.generator.getState());
  if (contents.allowNonFinite !== true) checkFinite(tensors, "captureCheckpoint: tensor");
  return { tensors, metadata };
}

function parseJson(key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return fail(`metadata "${key}" is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

function parseOptimizerMetadata(text: string): OptimizerMetadata {
  const value = parseJson("optimizer", text);
  const bad = (what: string): never => fail(`metadata "optimizer": ${what}`);
  if (!isRecord(value)) return bad("not a JSON object");
  const { kind, stepCount, lr, hyperParameters, steps } = value;
  if (typeof kind !== "string") bad("kind is not a string");
  if (typeof stepCount !== "number") bad("stepCount is not a number");
  if (lr !== null && typeof lr !== "number") bad("lr is neither a number nor null");
  if (!isRecord(hyperParameters)) return bad("hyperParameters is not an object");
  for (const [key, h] of Object.entries(hyperParameters)) {
    if (typeof h !== "number" && typeof h !== "boolean") bad(`hyper-parameter ${key} is neither a number nor a boolean`);
  }
  if (!Array.isArray(steps)) return bad("steps is not an array");
  const seen = new Set<string>();
  for (const pair of steps as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "number") {
      bad("steps must be [name, step] pairs");
    }
    const name = (pair as [string, number])[0];
    if (seen.has(name)) bad(`steps lists "${name}" twice`);
    seen.add(name);
  }
  return value as unknown as OptimizerMetadata;
}

function parseGeneratorState(text: string): GeneratorState {
  const value = parseJson("generator", text);
  const words = isRecord(value) ? value.words : undefined;
  const spare = isRecord(value) ? value.spareNormal : undefined;
  if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => typeof w === "number") || !(spare === null || typeof spare === "number")) {
    fail('metadata "generator" must be { words: [4 numbers], spareNormal: number | null }');
  }
  const state = { words: words as GeneratorState["words"], spareNormal: spare as number | null };
  try {
    new Generator(0).setState(state); // validates the words
  } catch (error) {
    fail(`metadata "generator": ${error instanceof Error ? error.message : String(error)}`);
  }
  return state;
}

/** The optimizer's state dict from the checkpoint's metadata and "optimizer.*" tensors. */
function optimizerStateDict(meta: OptimizerMetadata, names: readonly string[], tensors: ReadonlyMap<string, NDArray>): OptimizerStateDict {
  const stepOf = new Map(meta.steps);
  const known = new Set(names);
  const stray = meta.steps.filter(([name]) => !known.has(name)).map(([name]) => name);
  if (stray.length > 0) fail(`optimizer state for parameters the optimizer does not have: ${stray.join(", ")}`);
  const buffersOf = new Map<string, Map<string, NDArray>>();
  for (const [key, value] of tensors) {
    const rest = key.slice(OPTIMIZER.length);
    const dot = rest.indexOf(".");
    if (dot <= 0) fail(`tensor "${key}" is not named optimizer.<buffer>.<parameter>`);
    const name = rest.slice(dot + 1);
    if (!stepOf.has(name)) fail(`tensor "${key}" belongs to "${name}", which has no optimizer state`);
    const buffers = buffersOf.get(name) ?? new Map<string, NDArray>();
    buffers.set(rest.slice(0, dot), value);
    buffersOf.set(name, buffers);
  }
  const parameters = names.map((name): ParameterState | null => {
    const step = stepOf.get(name);
    return step === undefined ? null : { step, buffers: buffersOf.get(name) ?? new Map() };
  });
  return { kind: meta.kind, stepCount: meta.stepCount, lr: meta.lr, hyperParameters: meta.hyperParameters, parameters };
}

/**
 * Load a checkpoint into a model, and into an optimizer and a generator when given (the
 * checkpoint must then hold their state). Returns the caller's metadata (reserved keys removed).
 * Nothing is changed unless everything validates; a NaN or ±∞ in a tensor that would be loaded
 * is refused, naming it and the count, unless `allowNonFinite`. `source` prefixes every error.
 */
export function restoreCheckpoint(checkpoint: Checkpoint, targets: CheckpointTargets, options: RestoreOptions = {}): Record<string, string> {
  try {
    return restoreValidated(checkpoint, targets, options.allowNonFinite === true);
  } catch (error) {
    if (error instanceof CheckpointError && options.source !== undefined) throw new CheckpointError(`${options.source}: ${error.message}`, options.source);
    throw error;
  }
}

function restoreValidated(checkpoint: Checkpoint, targets: CheckpointTargets, allowNonFinite: boolean): Record<string, string> {
  const { tensors, metadata } = checkpoint;
  const format = metadata.format;
  if (format === undefined) fail(`no "format" in the metadata: not an elbo checkpoint (expected ${CHECKPOINT_FORMAT})`);
  if (format !== CHECKPOINT_FORMAT) fail(`format "${format}" is not supported (expected ${CHECKPOINT_FORMAT})`);

  const modelState = new Map<string, NDArray>();
  const optimizerTensors = new Map<string, NDArray>();
  const strange: string[] = [];
  for (const [key, value] of tensors) {
    if (key.startsWith(MODEL)) modelState.set(key.slice(MODEL.length), value);
    else if (key.startsWith(OPTIMIZER)) optimizerTensors.set(key, value);
    else strange.push(key);
  }
  if (strange.length > 0) fail(`tensors that are neither model.* nor optimizer.*: ${strange.join(", ")}`);
  const problems = targets.model.checkStateDict(modelState);
  if (problems.length > 0) fail(`model: ${problems.join("; ")}`);
  if (!allowNonFinite) checkFinite([...modelState].map(([name, value]) => [MODEL + name, value]), "tensor");

  let optimizerLoad: (() => void) | null = null;
  if (targets.optimizer) {
    const optimizer = targets.optimizer;
    const text = metadata.optimizer ?? fail("an optimizer was given but the checkpoint has no optimizer state");
    const names = parameterNames(targets.model, optimizer);
    const dict = optimizerStateDict(parseOptimizerMetadata(text), names, optimizerTensors);
    try {
      optimizer.checkStateDict(dict, names);
    } catch (error) {
      fail(`optimizer: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!allowNonFinite) checkFinite(optimizerTensors, "tensor");
    optimizerLoad = () => optimizer.loadStateDict(dict, names);
  }
  let generatorState: GeneratorState | null = null;
  if (targets.generator) {
    generatorState = parseGeneratorState(metadata.generator ?? fail("a generator was given but the checkpoint has no generator state"));
  }

  targets.model.loadStateDict(modelState);
  optimizerLoad?.();
  if (generatorState) targets.generator?.setState(generatorState);
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => !RESERVED_KEYS.has(key)));
}
