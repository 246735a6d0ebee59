/**
 * `elbo gradcheck`: check the engine's gradient of the whole ELBO loss against central
 * differences, for every parameter of a small float64 VAE, and print one line per parameter.
 */
import { gradcheck, randn, tensor, type Tensor } from "../autograd/index.js";
import { Generator, formatShape } from "../tensor/index.js";
import { elbo, VAE } from "../vae/index.js";
import { flagInts, flagNumber, flagString, type FlagSpec, type ParsedFlags } from "./args.js";

export const gradcheckFlags: Record<string, FlagSpec> = {
  input: { type: "int", default: 12, min: 1, help: "pixels per example" },
  hidden: { type: "ints", default: [8], min: 1, help: "hidden layer sizes, comma-separated" },
  latent: { type: "int", default: 3, min: 1, help: "latent dimensions" },
  batch: { type: "int", default: 4, min: 1, help: "examples in the batch" },
  likelihood: { type: "string", default: "bernoulli", choices: ["bernoulli", "gaussian"], help: "decoder likelihood (gaussian learns its variance)" },
  beta: { type: "number", default: 1, min: 0, help: "weight of the KL term" },
  seed: { type: "int", default: 0, min: 0, help: "seed of the weights, the data and eps" },
};

/** Runs the check; returns whether every parameter passed. */
export function runGradcheck(flags: ParsedFlags, log: (line: string) => void): boolean {
  const generator = new Generator(flagNumber(flags, "seed"));
  const likelihood = flagString(flags, "likelihood") as "bernoulli" | "gaussian";
  const batch = flagNumber(flags, "batch");
  const inputSize = flagNumber(flags, "input");
  const model = new VAE({
    inputSize,
    hiddenSizes: flagInts(flags, "hidden"),
    latentSize: flagNumber(flags, "latent"),
    likelihood,
    outputLogVar: likelihood === "gaussian" ? "learned" : 0,
    dtype: "float64",
    generator,
  });
  // Pixels in (0, 1) and a fixed eps: the loss is then a deterministic function of the weights.
  const x = tensor(generator.fillUniform(new Float64Array(batch * inputSize), 0.05, 0.95), { shape: [batch, inputSize] });
  const eps = randn([batch, model.latentSize], { dtype: "float64", generator });
  const named = model.namedParameters();
  const inputs = named.map(([, p]) => tensor(Float64Array.from(p.data), { shape: p.shape, requiresGrad: true }));
  const loss = (...params: Tensor[]): Tensor =>
    model.withParameters(new Map(named.map(([name], i) => [name, params[i] as Tensor])), () => elbo(model, x, { eps, beta: flagNumber(flags, "beta") }).loss);
  log(`gradcheck of the ELBO loss of a ${inputSize}-${model.hiddenSizes.join("-")}-${model.latentSize} ${likelihood} VAE, batch ${batch}, float64, eps 1e-6, atol 1e-5, rtol 1e-3`);
  const report = gradcheck(loss, inputs);
  for (const r of report.inputs) {
    const name = (named[r.input] as [string, Tensor])[0];
    log(`  ${r.ok ? "ok      " : "MISMATCH"} ${name.padEnd(24)} ${formatShape(r.shape).padEnd(9)} ${r.mode.padEnd(10)} max abs error ${r.maxAbsError.toExponential(2)}, max rel error ${r.maxRelError.toExponential(2)}`);
  }
  log(`  backward twice gives identical gradients: ${report.deterministic ? "yes" : "NO"}; zero upstream gives zero gradients: ${report.zeroUpstreamGivesZero ? "yes" : "NO"}`);
  log(report.ok ? "gradcheck passed" : "gradcheck FAILED");
  return report.ok;
}
