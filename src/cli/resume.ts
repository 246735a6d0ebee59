/**
 * Honest resume: the flags of `elbo train --resume` against the run's saved config.json (the
 * VAE's here; the GAN's in train-gan.ts, through the same two functions).
 *
 *   - a flag that shapes the model or the data (--latent, --hidden, --data, ...) cannot change:
 *     given with another value than the run's, it is an error naming it;
 *   - a flag that may change mid-run (--lr, --adam-eps, --epochs, --threads) is applied from the next epoch
 *     and recorded in config.json's "changes" with that epoch;
 *   - a flag left out keeps the run's value.
 */
import { flagGiven, UsageError, type FlagValue, type ParsedFlags } from "./args.js";
import type { ConfigChange, RunConfig } from "./run-folder.js";

/** Flags fixed for the life of a run, and where config.json keeps each. */
const FIXED: readonly [string, (config: RunConfig) => FlagValue][] = [
  ["data", (c) => c.training.data],
  ["arch", (c) => c.model.arch ?? "mlp"],
  ["latent", (c) => c.model.latentSize],
  ["hidden", (c) => c.model.hiddenSizes],
  ["likelihood", (c) => c.model.likelihood],
  ["activation", (c) => c.model.activation ?? "relu"],
  ["learned-variance", (c) => c.model.outputLogVar === "learned"],
  ["objective", (c) => c.training.objective ?? "elbo"],
  ["k", (c) => c.training.k ?? 1],
  ["batch-size", (c) => c.training.batchSize],
  ["lr-schedule", (c) => c.training.lrSchedule ?? "constant"],
  ["beta", (c) => c.training.beta],
  ["warmup", (c) => c.training.warmupSteps],
  ["binarize", (c) => c.training.binarize],
  ["test-size", (c) => c.training.testSize],
  ["seed", (c) => c.training.seed],
  ["exclude-labels", (c) => c.training.excludeLabels ?? []],
  ["conditional", (c) => (c.model.classes ?? 0) > 0],
  ["corrupt", (c) => c.training.corrupt ?? "none"],
];

const show = (value: FlagValue): string => (Array.isArray(value) ? (value.length === 0 ? "none" : value.join(",")) : String(value));

/** Throws a `UsageError` naming the first of `fixed` (flag, the run's value) given with another value. */
export function refuseChangedFlags(fixed: readonly (readonly [string, FlagValue])[], flags: ParsedFlags, dir: string): void {
  for (const [flag, savedValue] of fixed) {
    if (!flagGiven(flags, flag)) continue;
    const value = flags[flag];
    if (show(value) === show(savedValue)) continue;
    throw new UsageError(
      `--${flag} ${show(value)}: the run in ${dir} was trained with --${flag} ${show(savedValue)}, and a flag that shapes the model or the data cannot change on --resume (leave it out, or train a new run with another --out)`,
    );
  }
}

/** Throws a `UsageError` naming the first fixed flag given with a value other than the VAE run's. */
export function checkFixedFlags(saved: RunConfig, flags: ParsedFlags, dir: string): void {
  refuseChangedFlags(FIXED.map(([flag, savedValue]) => [flag, savedValue(saved)] as const), flags, dir);
}

/** The settings a resumed run may change: the VAE's and the GAN's training settings alike. */
interface Changeable {
  lr: number;
  /** The VAE's Adam ε (the GAN refuses --adam-eps). */
  adamEps?: number;
  epochs: number;
  threads?: number;
}

/**
 * The training settings a resumed run continues with: the saved ones, with --lr, --adam-eps,
 * --epochs and --threads applied when given and different, each change recorded as holding from
 * `fromEpoch` (`threads` is the count --threads set).
 */
export function resumedTraining<T extends Changeable>(saved: T, flags: ParsedFlags, fromEpoch: number, threads: number): { training: T; changes: ConfigChange[] } {
  const training = { ...saved };
  const changes: ConfigChange[] = [];
  const apply = (flag: string, from: number | undefined, to: number): void => {
    if (from === to) return;
    changes.push({ fromEpoch, flag: `--${flag}`, from: from ?? null, to });
  };
  if (flagGiven(flags, "lr")) {
    apply("lr", training.lr, flags.lr as number);
    training.lr = flags.lr as number;
  }
  if (flagGiven(flags, "adam-eps")) {
    apply("adam-eps", training.adamEps, flags["adam-eps"] as number);
    training.adamEps = flags["adam-eps"] as number;
  }
  if (flagGiven(flags, "epochs")) {
    apply("epochs", training.epochs, flags.epochs as number);
    training.epochs = flags.epochs as number;
  }
  if (flagGiven(flags, "threads")) {
    apply("threads", training.threads, threads);
    training.threads = threads;
  }
  return { training, changes };
}

/** The config a resumed VAE run continues with (`resumedTraining`), its changes appended to the saved ones. */
export function resumedConfig(saved: RunConfig, flags: ParsedFlags, fromEpoch: number, threads: number): { config: RunConfig; changes: ConfigChange[] } {
  const { training, changes } = resumedTraining(saved.training, flags, fromEpoch, threads);
  return { config: { ...saved, training, changes: [...(saved.changes ?? []), ...changes] }, changes };
}

/** The line printed for each change --resume applied. */
export function changeLine(change: ConfigChange): string {
  return `${change.flag} ${change.to} from epoch ${change.fromEpoch} on (was ${change.from ?? "not recorded"}); recorded in config.json`;
}

/** The line printed when --epochs asks for no epoch past the `done` ones (and nothing is written). */
export function nothingToTrainLine(dir: string, done: number, epochs: number): string {
  return `Nothing to train: ${dir} has finished ${done} epoch${done === 1 ? "" : "s"}, and --epochs ${epochs} asks for no more (pass --epochs ${done + 1} or more to continue). No file was changed.`;
}
