/**
 * `Normal` and `Bernoulli` distribution objects, as `torch.distributions` has them: `logProb`,
 * `rsample` (Normal: reparameterized, so gradients flow to the parameters), `sample` (no
 * gradient), and `klDivergence(q, p)`. They are built on the free functions of `gaussian.ts`
 * and `likelihood.ts`, which the VAE uses and which stay; like torch, `logProb` and the KL are
 * elementwise (sum the last axis for a diagonal Gaussian's).
 */
import { noGrad, Tensor, zeros } from "../autograd/index.js";
import { broadcastShapes, type Generator, type Shape } from "../tensor/index.js";
import { gaussianKLPerDimension, gaussianLogDensity, reparameterize, sampleEpsilon } from "./gaussian.js";
import { bernoulliLogLikelihood } from "./likelihood.js";

export interface SampleOptions {
  generator: Generator;
  /** Draws stacked in front of the distribution's own shape (torch's `sample_shape`). Default []. */
  sampleShape?: Shape;
}

/** N(loc, scale²) elementwise. */
export class Normal {
  readonly loc: Tensor;
  readonly logVar: Tensor;

  /** `new Normal(loc, scale)` as in torch, or `new Normal(mu, { logVar })`, the encoder's parameterization. */
  constructor(loc: Tensor, scale: Tensor | number | { logVar: Tensor }) {
    this.loc = loc;
    if (scale instanceof Tensor || typeof scale === "number") {
      // log σ² = 2 log σ, recorded so that gradients reach `scale`.
      this.logVar = (scale instanceof Tensor ? scale : zeros([], { dtype: loc.dtype }).add(scale)).log().mul(2);
    } else {
      this.logVar = scale.logVar;
    }
  }

  /** The shape of one draw: loc's and the scale's shapes broadcast. */
  get batchShape(): Shape {
    return broadcastShapes("Normal", this.loc.shape, this.logVar.shape);
  }
  get mean(): Tensor {
    return this.loc;
  }
  get variance(): Tensor {
    return this.logVar.exp();
  }
  get stddev(): Tensor {
    return this.logVar.mul(0.5).exp();
  }

  /** log N(x; μ, σ²) per element (eq. 10 of docs/elbo.md, one term of its sum). */
  logProb(x: Tensor): Tensor {
    // gaussianLogDensity sums its last axis: over a new axis of size 1 that is the elementwise term.
    return gaussianLogDensity(x.unsqueeze(-1), this.loc.unsqueeze(-1), this.logVar.unsqueeze(-1));
  }

  /** z = μ + σ·ε with ε ~ N(0, I) a constant leaf (eq. 11): gradients flow to μ and σ. */
  rsample(options: SampleOptions): Tensor {
    const shape = [...(options.sampleShape ?? []), ...this.batchShape];
    return reparameterize(this.loc, this.logVar, sampleEpsilon(shape, options.generator, this.loc.dtype));
  }

  /** A draw without a gradient. */
  sample(options: SampleOptions): Tensor {
    return noGrad(() => this.rsample(options));
  }
}

/** Bernoulli(p) elementwise, held by its logits l = log p − log(1 − p) (stable, as the likelihood is). */
export class Bernoulli {
  readonly logits: Tensor;

  constructor(parameters: { logits: Tensor } | { probs: Tensor }) {
    this.logits = "logits" in parameters ? parameters.logits : parameters.probs.log().sub(parameters.probs.neg().add(1).log());
  }

  get probs(): Tensor {
    return this.logits.sigmoid();
  }
  get mean(): Tensor {
    return this.probs;
  }

  /** log p(x) = x log σ(l) + (1 − x) log(1 − σ(l)) per element (eq. 9, one term of its sum). */
  logProb(x: Tensor): Tensor {
    return bernoulliLogLikelihood(this.logits.unsqueeze(-1), x.expand(this.logits.shape).unsqueeze(-1));
  }

  /** 1 with probability p, else 0 (no gradient: a Bernoulli draw is not reparameterizable). */
  sample(options: SampleOptions): Tensor {
    const shape = [...(options.sampleShape ?? []), ...this.logits.shape];
    const uniform = zeros(shape, { dtype: this.logits.dtype });
    options.generator.fillUniform(uniform.data, 0, 1);
    return noGrad(() => uniform.lt(this.probs.expand(shape)));
  }
}

export type Distribution = Normal | Bernoulli;

/**
 * KL(q ‖ p) per element, in nats, for two Normals or two Bernoullis. Against N(0, 1) it is
 * `gaussianKLPerDimension` (eq. 7); in general ½ [log σp² − log σq² + (σq² + (μq − μp)²) / σp² − 1].
 */
export function klDivergence(q: Distribution, p: Distribution): Tensor {
  if (q instanceof Normal && p instanceof Normal) {
    if (isConstant(p.loc, 0) && isConstant(p.logVar, 0)) return gaussianKLPerDimension(q.loc, q.logVar).expand(broadcastShapes("klDivergence", q.batchShape, p.batchShape));
    const ratio = q.logVar.exp().add(q.loc.sub(p.loc).square()).div(p.logVar.exp());
    return p.logVar.sub(q.logVar).add(ratio).sub(1).mul(0.5);
  }
  if (q instanceof Bernoulli && p instanceof Bernoulli) {
    // q log(q / p) + (1 − q) log((1 − q) / (1 − p)), with log p = log σ(l) and log(1 − p) = log σ(−l).
    const [lq, lp] = [q.logits, p.logits];
    const onesTerm = lq.sigmoid().mul(lq.logSigmoid().sub(lp.logSigmoid()));
    const zerosTerm = lq.neg().sigmoid().mul(lq.neg().logSigmoid().sub(lp.neg().logSigmoid()));
    return onesTerm.add(zerosTerm);
  }
  throw new TypeError(`klDivergence: no closed form for ${q.constructor.name} ‖ ${p.constructor.name}; both must be Normal or both Bernoulli`);
}

/** Whether t is a constant (no gradient) equal to `value` everywhere: the standard normal prior. */
function isConstant(t: Tensor, value: number): boolean {
  return !t.requiresGrad && t.data.every((v) => v === value);
}
