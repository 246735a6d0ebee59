/**
 * The PyTorch bridge, as data: state_dicts in PyTorch's names and layouts (Linear weights
 * [out, in], as elbo stores them), and the source of a PyTorch module with elbo's VAE layers.
 *
 * Two layouts of a VAE's state_dict are read:
 *
 *   pytorch/examples   vae/main.py's VAE: fc1 (encoder), fc21 (mean), fc22 (log-variance),
 *                      fc3 (decoder), fc4 (output logits); one hidden layer, mirrored
 *   elbo               elbo's own names, as `elbo export --to pytorch` writes them:
 *                      encoder.{0,2,...}, meanHead, logVarHead, decoder.{0,2,...}, outputLayer;
 *                      a conv VAE (architecture.ts) also has features.{1,3} and its decoder's
 *                      convolutions decoder.{3,5} (PyTorch's Conv2d / ConvTranspose2d layouts)
 */
import type { NDArray } from "../tensor/index.js";
import type { Activation, Architecture } from "./architecture.js";

/** What a state_dict says of the model that holds it. */
export interface PyTorchVAEShape {
  layout: "pytorch/examples" | "elbo";
  arch: Architecture;
  inputSize: number;
  hiddenSizes: number[];
  latentSize: number;
  /** The weights under elbo's parameter names (no "model." prefix). */
  state: Map<string, NDArray>;
}

/** pytorch/examples' vae/main.py layer → elbo's. */
export const EXAMPLES_LAYERS: Readonly<Record<string, string>> = {
  fc1: "encoder.0",
  fc21: "meanHead",
  fc22: "logVarHead",
  fc3: "decoder.0",
  fc4: "outputLayer",
};

/**
 * The VAE in a PyTorch state_dict of either layout; `source` (a file) prefixes every error, which
 * names the tensors that are missing, unexpected, or of the wrong shape.
 */
export function readPyTorchVAE(tensors: ReadonlyMap<string, NDArray>, source: string): PyTorchVAEShape {
  const fail = (problem: string): never => {
    throw new Error(`${source}: ${problem}`);
  };
  const names = [...tensors.keys()];
  const layout = names.some((name) => name.startsWith("fc1.")) ? "pytorch/examples" : "elbo";
  const state = new Map<string, NDArray>();
  for (const [name, value] of tensors) {
    const [layer, ...rest] = name.split(".");
    const renamed = layout === "pytorch/examples" ? EXAMPLES_LAYERS[layer as string] : name;
    if (renamed === undefined) fail(`"${name}" is not a layer of pytorch/examples' VAE (fc1, fc21, fc22, fc3, fc4)`);
    state.set(layout === "pytorch/examples" ? [renamed, ...rest].join(".") : name, value);
  }
  /** A layer as the file names it. */
  const shown = (layer: string): string => (layout === "pytorch/examples" ? Object.keys(EXAMPLES_LAYERS).find((k) => EXAMPLES_LAYERS[k] === layer) : undefined) ?? layer;
  const shapeOf = (layer: string): [number, number] => {
    const weight = state.get(`${layer}.weight`);
    const bias = state.get(`${layer}.bias`);
    if (!weight || !bias) return fail(`no ${shown(layer)}.${weight ? "bias" : "weight"} (the state_dict has ${names.join(", ") || "no tensors"})`);
    if (weight.shape.length !== 2 || bias.shape.length !== 1 || bias.shape[0] !== weight.shape[0]) {
      fail(`${shown(layer)}: weight [${weight.shape}] and bias [${bias.shape}] are not a Linear layer's [out, in] and [out]`);
    }
    return weight.shape as [number, number];
  };
  const encoder: [number, number][] = [];
  while (state.has(`encoder.${2 * encoder.length}.weight`)) encoder.push(shapeOf(`encoder.${2 * encoder.length}`));
  if (state.has("features.1.weight")) return convShape(state, encoder, shapeOf("meanHead")[0], fail);
  const [latentSize, lastHidden] = shapeOf("meanHead");
  const [inputSize, firstHidden] = shapeOf("outputLayer");
  const hiddenSizes = encoder.map(([out]) => out);
  const expected = new Map<string, [number, number]>();
  const sizes = [inputSize, ...hiddenSizes];
  sizes.slice(1).forEach((out, i) => expected.set(`encoder.${2 * i}`, [out, sizes[i] as number]));
  const back = [latentSize, ...[...hiddenSizes].reverse()];
  back.slice(1).forEach((out, i) => expected.set(`decoder.${2 * i}`, [out, back[i] as number]));
  expected.set("meanHead", [latentSize, hiddenSizes[hiddenSizes.length - 1] ?? inputSize]);
  expected.set("logVarHead", [latentSize, lastHidden]);
  expected.set("outputLayer", [inputSize, firstHidden]);
  for (const [layer, [out, inp]] of expected) {
    const [gotOut, gotIn] = shapeOf(layer);
    if (gotOut !== out || gotIn !== inp) fail(`${shown(layer)} is [${gotOut}, ${gotIn}], expected [${out}, ${inp}] for a mirrored ${[inputSize, ...hiddenSizes, latentSize].join("-")} VAE`);
  }
  const extra = [...state.keys()].filter((name) => !expected.has(name.slice(0, name.lastIndexOf("."))));
  if (extra.length > 0) fail(`tensors that are not layers of the VAE: ${extra.join(", ")}`);
  return { layout, arch: "mlp", inputSize, hiddenSizes, latentSize, state };
}

/**
 * A conv VAE's sizes from its dense layers: the encoder's input is the flattened 64 × (h/4) × (w/4)
 * features, so the image has a quarter as many pixels. The other tensors' shapes are checked
 * against the model built from these sizes (VAE.checkStateDict), which names each that differs.
 */
function convShape(state: Map<string, NDArray>, encoder: [number, number][], latentSize: number, fail: (problem: string) => never): PyTorchVAEShape {
  const flat = encoder[0]?.[1] ?? state.get("decoder.0.weight")?.shape[0];
  if (flat === undefined || flat % 64 !== 0) fail(`a conv VAE's encoder.0 must take 64 × (height/4) × (width/4) features, got ${flat ?? "no encoder.0 or decoder.0"}`);
  return { layout: "elbo", arch: "conv", inputSize: (flat as number) / 4, hiddenSizes: encoder.map(([out]) => out), latentSize, state };
}

/** A PyTorch module file with elbo's VAE layers and names, and a safetensors reader and writer. */
export function pytorchModuleSource(model: { arch?: Architecture; activation?: Activation; inputSize: number; height: number; width: number; hiddenSizes: readonly number[]; latentSize: number; likelihood: string }): string {
  const arch = model.arch ?? "mlp";
  const activation = model.activation ?? "relu";
  const sizes = [model.inputSize, ...model.hiddenSizes, model.latentSize].join("-");
  return `"""A ${sizes} ${arch === "conv" ? "conv " : ""}VAE (${model.likelihood} decoder) exported by elbo: the layers and parameter names of elbo's VAE.

    import model
    vae = model.VAE()
    vae.load_state_dict(model.load_safetensors("model.safetensors"))
    mu, log_var = vae.encode(x)         # x: [batch, ${model.inputSize}] in [0, 1]
    means = vae.decode_mean(z)          # z: [batch, ${model.latentSize}]
    model.save_safetensors(vae.state_dict(), "trained.safetensors")   # elbo import reads it back

(safetensors.torch.load_file / save_file read and write the same files.)
"""
import json
import struct

import torch
from torch import nn

ARCH = "${arch}"
INPUT_SIZE = ${model.inputSize}
HEIGHT, WIDTH = ${model.height}, ${model.width}
HIDDEN_SIZES = [${model.hiddenSizes.join(", ")}]
# The dense layers' nonlinearity (the convolutions, if any, use ReLU).
ACTIVATION = nn.${activation === "tanh" ? "Tanh" : "ReLU"}
LATENT_SIZE = ${model.latentSize}
LIKELIHOOD = "${model.likelihood}"
# elbo's boundLogVar: the predicted log-variance is clamped to [-30, 20].
LOG_VAR_MIN, LOG_VAR_MAX = -30.0, 20.0
DTYPES = {"F32": torch.float32, "F64": torch.float64}


def mlp(sizes):
    """Linear + ACTIVATION through sizes, as elbo's hidden stacks (nn.Sequential names 0, 2, ...)."""
    layers = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        layers += [nn.Linear(fan_in, fan_out), ACTIVATION()]
    return nn.Sequential(*layers)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        if ARCH == "conv":
            # Conv2d 32, 64 (3x3, stride 2) down to 64 x HEIGHT/4 x WIDTH/4; the decoder mirrors it.
            flat = 64 * (HEIGHT // 4) * (WIDTH // 4)
            self.features = nn.Sequential(
                nn.Unflatten(1, (1, HEIGHT, WIDTH)),
                nn.Conv2d(1, 32, 3, stride=2, padding=1), nn.ReLU(),
                nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.ReLU(),
                nn.Flatten(),
            )
            self.encoder = mlp([flat] + HIDDEN_SIZES)
            last_hidden = (HIDDEN_SIZES or [flat])[-1]
            self.decoder = nn.Sequential(
                *mlp([LATENT_SIZE, flat]),
                nn.Unflatten(1, (64, HEIGHT // 4, WIDTH // 4)),
                nn.ConvTranspose2d(64, 64, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                nn.ConvTranspose2d(64, 32, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
            )
            self.outputLayer = nn.ConvTranspose2d(32, 1, 3, stride=1, padding=1)
        else:
            self.features = nn.Sequential()
            self.encoder = mlp([INPUT_SIZE] + HIDDEN_SIZES)
            last_hidden = (HIDDEN_SIZES or [INPUT_SIZE])[-1]
            self.decoder = mlp([LATENT_SIZE] + HIDDEN_SIZES[::-1])
            self.outputLayer = nn.Linear((HIDDEN_SIZES or [LATENT_SIZE])[0], INPUT_SIZE)
        self.meanHead = nn.Linear(last_hidden, LATENT_SIZE)
        self.logVarHead = nn.Linear(last_hidden, LATENT_SIZE)

    def encode(self, x):
        hidden = self.encoder(self.features(x))
        return self.meanHead(hidden), self.logVarHead(hidden).clamp(LOG_VAR_MIN, LOG_VAR_MAX)

    def decode(self, z):
        """Logits (bernoulli) or means (gaussian) of p(x|z), flattened to [batch, INPUT_SIZE]."""
        return self.outputLayer(self.decoder(z)).flatten(1)

    def decode_mean(self, z):
        decoded = self.decode(z)
        return torch.sigmoid(decoded) if LIKELIHOOD == "bernoulli" else decoded

    def forward(self, x):
        mu, log_var = self.encode(x)
        z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
        return self.decode(z), mu, log_var


def load_safetensors(path):
    """The F32/F64 tensors of a safetensors file, by name."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + length])
    header.pop("__metadata__", None)
    start = 8 + length
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        flat = torch.frombuffer(bytearray(data[start + begin : start + end]), dtype=DTYPES[info["dtype"]])
        tensors[name] = flat.reshape(info["shape"])
    return tensors


def save_safetensors(tensors, path):
    """Write float32/float64 tensors (a state_dict) as a safetensors file."""
    codes = {torch.float32: "F32", torch.float64: "F64"}
    header, chunks, offset = {}, [], 0
    for name, tensor in tensors.items():
        raw = tensor.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": codes[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(chunks))
`;
}
