/**
 * `elbo train --preset NAME`: a published model's settings in one flag. A preset fills the flags
 * it names that are not on the command line (explicit flags win), and the run records the
 * resulting settings in config.json, as if they had been typed.
 */
import { flagOptionalString, UsageError, withValues, type ParsedFlags } from "./args.js";

export const PRESETS: Readonly<Record<string, { help: string; flags: Readonly<ParsedFlags> }>> = {
  // Burda et al. 2016, sec. 5: one stochastic layer of 50 units, two deterministic layers of 200
  // tanh units on each side, a Bernoulli decoder, MNIST binarized afresh for every minibatch of 20.
  "iwae-1layer": {
    help: "Burda et al. 2016's one-stochastic-layer model: 784-200-200-50 tanh, Bernoulli, mnist-full binarized per batch, batch 20",
    flags: { data: "mnist-full", hidden: [200, 200], activation: "tanh", latent: 50, likelihood: "bernoulli", binarize: "dynamic", "batch-size": 20 },
  },
};

/** `flags` with the preset's settings filled in (unchanged without --preset). */
export function applyPreset(flags: ParsedFlags): ParsedFlags {
  const name = flagOptionalString(flags, "preset");
  if (name === undefined) return flags;
  const preset = PRESETS[name];
  if (preset === undefined) throw new UsageError(`--preset: unknown preset "${name}", expected one of ${Object.keys(PRESETS).join(", ")}`);
  return withValues(flags, preset.flags);
}
