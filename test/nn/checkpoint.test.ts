/**
 * Checkpoints: a run resumed from a checkpoint (through the safetensors codec, and at the Map
 * level) continues bit-identically, and restoring refuses, with a clear message and without
 * changing anything, a checkpoint that does not fit.
 */
import { describe, expect, it } from "vitest";
import { randn, type Tensor } from "../../src/autograd/index.js";
import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.js";
import { Generator, NDArray } from "../../src/tensor/index.js";
import {
  Adam,
  AdamW,
  captureCheckpoint,
  CheckpointError,
  clipGradNorm,
  Layer,
  Linear,
  restoreCheckpoint,
  Sequential,
  SGD,
  Tanh,
  type Checkpoint,
  type Optimizer,
} from "../../src/nn/index.js";

/** An MLP, plus a layer that is never used (its parameters get no gradient, hence no state). */
class Net extends Layer {
  readonly body: Sequential;
  readonly spare: Linear;
  constructor(generator: Generator) {
    super();
    this.body = this.registerModule("body", new Sequential(new Linear(3, 8, { generator }), new Tanh(), new Linear(8, 2, { generator })));
    this.spare = this.registerModule("spare", new Linear(2, 2, { generator }));
  }
  forward(x: Tensor): Tensor {
    return this.body.forward(x);
  }
}

const DATA = randn([32, 3], { generator: new Generator(100) });
const TARGET = randn([32, 2], { generator: new Generator(101) });

/** One minibatch step whose batch and input noise come from `generator`. */
function trainStep(model: Net, optimizer: Optimizer, generator: Generator): void {
  const batch = [...generator.permutation(32).slice(0, 8)];
  const noise = randn([8, 3], { generator }).mul(0.1);
  const x = DATA.gather(batch).add(noise);
  optimizer.zeroGrad();
  model.forward(x).sub(TARGET.gather(batch)).square().mean().backward();
  clipGradNorm(model.parameters(), 0.5);
  optimizer.step();
}

const optimizers: [string, (model: Net) => Optimizer][] = [
  ["AdamW, amsgrad, scheduled lr", (m) => new AdamW(m.parameters(), { lr: (t) => 0.02 * 0.9 ** t, amsgrad: true })],
  ["Adam with weight decay", (m) => new Adam(m.parameters(), { lr: 0.01, weightDecay: 0.01 })],
  ["SGD, Nesterov", (m) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true })],
];

const bits = (t: { data: Float32Array | Float64Array }): number[] => [...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)];

function expectSameState(a: { model: Net; optimizer: Optimizer; generator: Generator }, b: typeof a): void {
  a.model.namedParameters().forEach(([name, p], i) => {
    const q = b.model.parameters()[i] as Tensor;
    expect(bits(q), name).toEqual(bits(p));
  });
  const sa = a.optimizer.stateDict();
  const sb = b.optimizer.stateDict();
  expect({ ...sb, parameters: null }).toEqual({ ...sa, parameters: null });
  sa.parameters.forEach((entry, i) => {
    const other = sb.parameters[i] ?? null;
    if (entry === null) return expect(other).toBeNull();
    expect(other?.step).toBe(entry.step);
    expect([...(other?.buffers.keys() ?? [])]).toEqual([...entry.buffers.keys()]);
    for (const [name, buffer] of entry.buffers) expect(bits(other?.buffers.get(name) as NDArray)).toEqual(bits(buffer));
  });
  expect(b.generator.getState()).toEqual(a.generator.getState());
}

describe.each(optimizers)("resuming %s from a checkpoint", (_, makeOptimizer) => {
  const run = (seed: number) => {
    const generator = new Generator(seed);
    const model = new Net(generator);
    return { model, optimizer: makeOptimizer(model), generator };
  };

  it.each([["through safetensors bytes", true], ["at the Map level", false]])("is bit-identical to not stopping (%s)", (_, viaBytes) => {
    const a = run(1);
    for (let k = 0; k < 4; k++) trainStep(a.model, a.optimizer, a.generator);
    const checkpoint = captureCheckpoint({ ...a, metadata: { epoch: "4", note: "résumé" } });
    const bytes = encodeSafetensors(checkpoint.tensors, checkpoint.metadata);
    const frozen = new Map([...checkpoint.tensors].map(([name, value]) => [name, bits(value)]));
    for (let k = 0; k < 6; k++) trainStep(a.model, a.optimizer, a.generator);
    // The checkpoint is a snapshot: training on did not change it.
    for (const [name, value] of checkpoint.tensors) expect(bits(value), name).toEqual(frozen.get(name));

    const b = run(2);
    expect(bits(b.model.body.at(0).parameters()[0] as Tensor)).not.toEqual(bits(a.model.body.at(0).parameters()[0] as Tensor));
    const loaded: Checkpoint = viaBytes ? decodeSafetensors(bytes, "resume.safetensors") : checkpoint;
    expect(restoreCheckpoint(loaded, b)).toEqual({ epoch: "4", note: "résumé" });
    expect(b.optimizer.stateOf(b.model.spare.weight)).toBeUndefined();
    for (let k = 0; k < 6; k++) trainStep(b.model, b.optimizer, b.generator);
    expectSameState(a, b);
  });
});

describe("checkpoint layout", () => {
  it("names parameters model.<name>, buffers optimizer.<buffer>.<name>, and keeps JSON metadata", () => {
    const generator = new Generator(3);
    const model = new Net(generator);
    const optimizer = new Adam(model.parameters(), { lr: 0.01, amsgrad: true });
    trainStep(model, optimizer, generator);
    const { tensors, metadata } = captureCheckpoint({ model, optimizer, generator });
    const params = ["body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias"];
    expect([...tensors.keys()]).toEqual([
      ...[...params, "spare.weight", "spare.bias"].map((n) => `model.${n}`),
      ...params.flatMap((n) => ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"].map((b) => `optimizer.${b}.${n}`)),
    ]);
    expect(tensors.get("optimizer.exp_avg.body.2.weight")?.shape).toEqual([2, 8]);
    expect(Object.keys(metadata)).toEqual(["format", "optimizer", "generator"]);
    expect(JSON.parse(metadata.optimizer as string)).toEqual({
      kind: "Adam",
      stepCount: 1,
      lr: 0.01,
      hyperParameters: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: true },
      steps: params.map((n) => [n, 1]),
    });
    expect(JSON.parse(metadata.generator as string)).toEqual(generator.getState());
  });

  it("restores only the model when no optimizer or generator is given", () => {
    const source = new Net(new Generator(4));
    const optimizer = new SGD(source.parameters(), { momentum: 0.5 });
    const target = new Net(new Generator(5));
    restoreCheckpoint(captureCheckpoint({ model: source, optimizer }), { model: target });
    expect(target.parameters().map(bits)).toEqual(source.parameters().map(bits));
  });

  it("restores the saved hyper-parameters and numeric lr, and keeps a schedule (as torch)", () => {
    const source = new Net(new Generator(6));
    const saved = new AdamW(source.parameters(), { lr: 0.003, betas: [0.8, 0.9], weightDecay: 0.5 });
    const target = new Net(new Generator(7));
    const optimizer = new AdamW(target.parameters(), { lr: 0.1, amsgrad: true });
    restoreCheckpoint(captureCheckpoint({ model: source, optimizer: saved }), { model: target, optimizer });
    expect(optimizer.lr).toBe(0.003);
    expect(optimizer.hyper).toEqual({ beta1: 0.8, beta2: 0.9, eps: 1e-8, weightDecay: 0.5, amsgrad: false });
    const schedule = (t: number): number => 1 / (t + 1);
    const scheduled = new AdamW(target.parameters(), { lr: schedule });
    restoreCheckpoint(captureCheckpoint({ model: source, optimizer: new AdamW(source.parameters(), { lr: (t) => t }) }), { model: target, optimizer: scheduled });
    expect(scheduled.lr).toBe(schedule);
  });
});

/** Replace the first entries of a checkpoint's tensor (a copy) with `values`. */
function withValues(checkpoint: Checkpoint, name: string, values: number[]): void {
  const copy = (checkpoint.tensors.get(name) as NDArray).clone();
  copy.data.set(values);
  checkpoint.tensors.set(name, copy);
}

describe("restoreCheckpoint refuses what does not fit, and changes nothing", () => {
  const source = (): { checkpoint: Checkpoint; model: Net } => {
    const generator = new Generator(8);
    const model = new Net(generator);
    const optimizer = new Adam(model.parameters(), { lr: 0.01 });
    trainStep(model, optimizer, generator);
    return { checkpoint: captureCheckpoint({ model, optimizer, generator }), model };
  };
  const targets = () => {
    const model = new Net(new Generator(9));
    return { model, optimizer: new Adam(model.parameters(), { lr: 0.01 }), generator: new Generator(9) };
  };
  const edited = (edit: (c: Checkpoint) => void): Checkpoint => {
    const { checkpoint } = source();
    edit(checkpoint);
    return checkpoint;
  };

  const cases: [string, (c: Checkpoint) => void, RegExp][] = [
    ["no format", (c) => delete c.metadata.format, /no "format" in the metadata: not an elbo checkpoint/],
    ["another format", (c) => (c.metadata.format = "elbo-checkpoint/9"), /format "elbo-checkpoint\/9" is not supported/],
    ["a missing parameter", (c) => c.tensors.delete("model.body.2.bias"), /model: missing: body\.2\.bias/],
    ["an unexpected parameter", (c) => c.tensors.set("model.head.weight", NDArray.zeros([1], "float32")), /model: unexpected: head\.weight/],
    ["a mis-shaped parameter", (c) => c.tensors.set("model.body.0.weight", NDArray.zeros([3, 8], "float32")), /body\.0\.weight: shape \[3,8\] in the state, \[8,3\] in the module/],
    ["a stray tensor", (c) => c.tensors.set("ema.body.0.weight", NDArray.zeros([8, 3], "float32")), /neither model\.\* nor optimizer\.\*: ema\.body\.0\.weight/],
    ["a missing buffer", (c) => c.tensors.delete("optimizer.exp_avg_sq.body.0.bias"), /"body\.0\.bias": buffers \[exp_avg\], expected \[exp_avg, exp_avg_sq\]/],
    ["a mis-shaped buffer", (c) => c.tensors.set("optimizer.exp_avg.body.0.bias", NDArray.zeros([7], "float32")), /"body\.0\.bias": buffer exp_avg has shape \[7\], the parameter \[8\]/],
    ["a buffer of a parameter without state", (c) => c.tensors.set("optimizer.exp_avg.spare.bias", NDArray.zeros([2], "float32")), /"optimizer\.exp_avg\.spare\.bias" belongs to "spare\.bias", which has no optimizer state/],
    ["no optimizer state", (c) => delete c.metadata.optimizer, /an optimizer was given but the checkpoint has no optimizer state/],
    ["broken optimizer JSON", (c) => (c.metadata.optimizer = "{"), /metadata "optimizer" is not valid JSON/],
    ["optimizer steps that are not pairs", (c) => (c.metadata.optimizer = (c.metadata.optimizer as string).replace('"steps":[[', '"steps":[[1,')), /steps must be \[name, step\] pairs/],
    ["state of an unknown parameter", (c) => (c.metadata.optimizer = (c.metadata.optimizer as string).replace('"body.0.weight"', '"decoder.weight"')), /optimizer state for parameters the optimizer does not have: decoder\.weight/],
    ["another optimizer's state", (c) => (c.metadata.optimizer = (c.metadata.optimizer as string).replace('"kind":"Adam"', '"kind":"SGD"')), /optimizer: Adam\.loadStateDict: the state was written by SGD, not Adam/],
    ["a hyper-parameter of the wrong type", (c) => (c.metadata.optimizer = (c.metadata.optimizer as string).replace('"amsgrad":false', '"amsgrad":0')), /hyper-parameter amsgrad is number, expected boolean/],
    ["an invalid hyper-parameter", (c) => (c.metadata.optimizer = (c.metadata.optimizer as string).replace('"beta1":0.9', '"beta1":1.5')), /Adam: invalid beta1 1\.5/],
    ["no generator state", (c) => delete c.metadata.generator, /a generator was given but the checkpoint has no generator state/],
    ["a malformed generator state", (c) => (c.metadata.generator = '{"words":[1,2,3]}'), /"generator" must be \{ words: \[4 numbers\], spareNormal: number \| null \}/],
    ["an invalid generator state", (c) => (c.metadata.generator = '{"words":[0,0,0,0],"spareNormal":null}'), /all-zero state is invalid/],
    ["a NaN weight", (c) => withValues(c, "model.body.2.weight", [Number.NaN, 1, Number.NaN]), /tensor "model\.body\.2\.weight" holds 2 NaN or infinite values of 16 \(allowNonFinite/],
    ["an infinite Adam moment", (c) => withValues(c, "optimizer.exp_avg_sq.body.0.bias", [Number.POSITIVE_INFINITY]), /tensor "optimizer\.exp_avg_sq\.body\.0\.bias" holds 1 NaN or infinite value of 8 /],
  ];

  it.each(cases)("%s", (_, edit, message) => {
    const checkpoint = edited(edit);
    const t = targets();
    const before = { params: t.model.parameters().map(bits), state: t.generator.getState() };
    expect(() => restoreCheckpoint(checkpoint, t)).toThrow(message);
    expect(t.model.parameters().map(bits)).toEqual(before.params);
    expect(t.optimizer.stepCount).toBe(0);
    expect(t.optimizer.stateOf(t.model.body.at(0).parameters()[0] as Tensor)).toBeUndefined();
    expect(t.generator.getState()).toEqual(before.state);
  });

  it("names the problem when capturing, too", () => {
    const model = new Net(new Generator(10));
    const stranger = new Linear(2, 2);
    expect(() => captureCheckpoint({ model, metadata: { format: "mine" } })).toThrow(/metadata key "format" is reserved/);
    expect(() => captureCheckpoint({ model, optimizer: new SGD([...model.parameters(), stranger.weight]) })).toThrow(
      /optimizer parameter 6 \[2,2\] is not a parameter of the model/,
    );
  });
});

describe("non-finite values and sources", () => {
  const poisoned = (): { checkpoint: Checkpoint; model: Net } => {
    const generator = new Generator(8);
    const model = new Net(generator);
    const checkpoint = captureCheckpoint({ model });
    withValues(checkpoint, "model.body.0.bias", [Number.NaN]);
    return { checkpoint, model };
  };

  it("allowNonFinite loads NaN weights as they are, for forensic use", () => {
    const { checkpoint } = poisoned();
    const target = new Net(new Generator(9));
    restoreCheckpoint(checkpoint, { model: target }, { allowNonFinite: true });
    expect(Number.isNaN(target.body.at(0).parameters()[1]?.data[0])).toBe(true);
  });

  it("an error names the source it was given, and carries it", () => {
    const { checkpoint } = poisoned();
    let thrown: unknown;
    try {
      restoreCheckpoint(checkpoint, { model: new Net(new Generator(9)) }, { source: "runs/x/model.safetensors" });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CheckpointError);
    expect((thrown as CheckpointError).source).toBe("runs/x/model.safetensors");
    expect((thrown as Error).message).toMatch(/^runs\/x\/model\.safetensors: checkpoint: tensor "model\.body\.0\.bias" holds 1 NaN/);
  });

  it("captureCheckpoint refuses a model with NaN weights unless allowNonFinite", () => {
    const model = new Net(new Generator(10));
    (model.body.at(2).parameters()[0] as Tensor).data[3] = Number.NEGATIVE_INFINITY;
    expect(() => captureCheckpoint({ model })).toThrow(/captureCheckpoint: tensor "model\.body\.2\.weight" holds 1 NaN or infinite value of 16/);
    expect(Number.isFinite(captureCheckpoint({ model, allowNonFinite: true }).tensors.get("model.body.2.weight")?.data[3])).toBe(false);
  });
});
