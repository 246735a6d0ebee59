/**
 * The networks of a VAE, by architecture. Each is four pieces, which `VAE` chains as
 *
 *   q(z|x):  features(x) → encoder → meanHead / logVarHead
 *   p(x|z):  decoder(z) → outputLayer → logits (or means), flattened to [batch, pixels]
 *
 * - "mlp" (the default, the pytorch/examples VAE): features is empty; encoder Linear + ReLU
 *   through `hiddenSizes`; the decoder mirrors it; outputLayer a Linear to the pixels. With
 *   `activation: "tanh"` the dense layers use tanh instead (Burda et al. 2016's networks: 784 →
 *   200 → 200 → 50 and back, tanh).
 * - "conv" (the Keras VAE example's shape): features [N, 784] → [N, 1, 28, 28] → Conv2d 32 3x3
 *   stride 2 → Conv2d 64 3x3 stride 2 (ReLU after each; padding 1, PyTorch's "same" for these)
 *   → flattened [N, 64·7·7]; encoder Linear + ReLU through `hiddenSizes` (Keras: [16]); decoder
 *   Linear(z → 64·7·7) + ReLU → [N, 64, 7, 7] → ConvTranspose2d 64 and 32, 3x3 stride 2 (padding 1,
 *   output padding 1: 7 → 14 → 28) with ReLU; outputLayer ConvTranspose2d 1 3x3 stride 1 padding 1.
 *
 * Conditional (Sohn et al. 2015's CVAE, `classes` > 0): the one-hot label y is concatenated to
 * the encoder's dense input and to z. For "mlp" the dense input is x itself; for "conv" it is
 * the flattened conv features (64·7·7 + classes), so the convolutions see pixels only and the
 * label enters where the two archs are alike; the decoder's first Linear takes [z, y] in both.
 *
 * The names are those of a PyTorch module with the same attributes (`features.1.weight`,
 * `decoder.3.weight`, ...), so a checkpoint maps 1:1 onto its state_dict.
 */
import { Conv2d, ConvTranspose2d, Flatten, Layer, Linear, ReLU, Sequential, Tanh, Unflatten } from "../nn/index.js";
import type { DType, Generator } from "../tensor/index.js";

export type Architecture = "mlp" | "conv";

/** The nonlinearity after each dense hidden layer (the conv layers keep ReLU). */
export type Activation = "relu" | "tanh";

export interface ArchitectureConfig {
  inputSize: number;
  /** The image's height and width (conv only): both multiples of 4. */
  height: number;
  width: number;
  hiddenSizes: number[];
  latentSize: number;
  /** Default "relu". */
  activation?: Activation;
  /** Width of the one-hot label concatenated to the dense input and to z (0: unconditional). */
  classes?: number;
}

export interface EncoderNetworks {
  features: Sequential;
  encoder: Sequential;
  /** Width of the encoder's output, the heads' input. */
  encodedSize: number;
}

export interface DecoderNetworks {
  decoder: Sequential;
  outputLayer: Linear | ConvTranspose2d;
}

interface Options {
  dtype: DType;
  generator: Generator;
}

/** Linear layers through `sizes`, each followed by the activation (ReLU unless given). */
function denseStack(sizes: number[], options: Options, activation: Activation = "relu"): Layer[] {
  const layers: Layer[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new Linear(sizes[i] as number, sizes[i + 1] as number, options), activation === "tanh" ? new Tanh() : new ReLU());
  }
  return layers;
}

/** An MLP of Linear + ReLU layers through `sizes`, ending with a ReLU. */
export function hiddenStack(sizes: number[], options: Options): Sequential {
  return new Sequential(...denseStack(sizes, options));
}

/** features and encoder. Built before the heads, and the decoder after them: the generator's draws stay in that order. */
export function buildEncoder(arch: Architecture, config: ArchitectureConfig, options: Options): EncoderNetworks {
  const hidden = config.hiddenSizes;
  const classes = config.classes ?? 0;
  if (arch === "mlp") {
    const input = config.inputSize + classes;
    return {
      features: new Sequential(),
      encoder: new Sequential(...denseStack([input, ...hidden], options, config.activation)),
      encodedSize: hidden[hidden.length - 1] ?? input,
    };
  }
  const { height, width } = checkConvImage(config);
  const down = { stride: 2, padding: 1, ...options };
  const flat = 64 * (height / 4) * (width / 4) + classes;
  return {
    features: new Sequential(new Unflatten(1, [1, height, width]), new Conv2d(1, 32, 3, down), new ReLU(), new Conv2d(32, 64, 3, down), new ReLU(), new Flatten()),
    encoder: new Sequential(...denseStack([flat, ...hidden], options, config.activation)),
    encodedSize: hidden[hidden.length - 1] ?? flat,
  };
}

export function buildDecoder(arch: Architecture, config: ArchitectureConfig, options: Options): DecoderNetworks {
  const hidden = config.hiddenSizes;
  const decoderInput = config.latentSize + (config.classes ?? 0);
  if (arch === "mlp") {
    return {
      decoder: new Sequential(...denseStack([decoderInput, ...[...hidden].reverse()], options, config.activation)),
      outputLayer: new Linear(hidden[0] ?? decoderInput, config.inputSize, options),
    };
  }
  const { height, width } = checkConvImage(config);
  const up = { stride: 2, padding: 1, outputPadding: 1, ...options };
  return {
    decoder: new Sequential(
      ...denseStack([decoderInput, 64 * (height / 4) * (width / 4)], options, config.activation),
      new Unflatten(1, [64, height / 4, width / 4]),
      new ConvTranspose2d(64, 64, 3, up),
      new ReLU(),
      new ConvTranspose2d(64, 32, 3, up),
      new ReLU(),
    ),
    outputLayer: new ConvTranspose2d(32, 1, 3, { padding: 1, ...options }),
  };
}

function checkConvImage({ height, width }: ArchitectureConfig): { height: number; width: number } {
  if (height % 4 !== 0 || width % 4 !== 0) {
    throw new RangeError(`VAE: the conv architecture halves the image twice, so its height and width must be multiples of 4, got ${height}x${width}`);
  }
  return { height, width };
}
