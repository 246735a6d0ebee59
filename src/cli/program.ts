/**
 * The command line's commands: `main(argv)` runs one and returns its exit status (main.ts is the
 * executable). `elbo <command> [flags]`; `elbo <command> --help` for flags, `elbo experiment
 * <name>` for the notes' experiments. Usage errors exit with status 2, other failures with 1;
 * both print one clear line.
 */
import { readFileSync } from "node:fs";
import { formatHelp, parseFlags, UsageError, type FlagSpec, type ParsedFlags } from "./args.js";
import { checkOutputFile, checkOutputFolder } from "./paths.js";
import { commands, type Command } from "./commands.js";
import { runTrain, trainFlags } from "./train.js";
import { InterruptedError } from "./interrupt.js";
import { gradcheckFlags, runGradcheck } from "./gradcheck.js";
import { outliersFlags, runOutliers } from "./outliers.js";
import { denoiseFlags, runDenoise } from "./denoise.js";
import { debiasFlags, runDebias } from "./experiment-debias.js";
import { runVaeVsGan, vaeVsGanFlags } from "./experiment-vae-vs-gan.js";
import { cvaeFlags, runCvae } from "./experiment-cvae.js";
import { latentCommands } from "./latent-commands.js";
import { experimentCommands, qualityCommand } from "./experiment.js";

/** `elbo experiment <name>`: the notes' experiments, each a command of its own. */
const experiments: Record<string, Command> = {
  debias: {
    description: "Plain classifier vs DB-VAE on MNIST digit < 5 with a rare rotated subgroup: per-subgroup accuracy over seeds.",
    flags: debiasFlags,
    run: runDebias,
  },
  "vae-vs-gan": {
    description: "The VAE and a GAN trained on the same digits and epochs: their samples side by side, judged by a digit classifier.",
    flags: vaeVsGanFlags,
    run: runVaeVsGan,
  },
  cvae: {
    description: "A conditional run's samples of each class, judged by a digit classifier: the share classified as the class asked for.",
    flags: cvaeFlags,
    run: runCvae,
  },
  ...experimentCommands,
};
import { pytorchCommands } from "./pytorch.js";

const allCommands: Record<string, Command> = {
  train: {
    description: "Train a VAE, checkpointing every epoch, then write pictures into the run folder.",
    flags: trainFlags,
    run: (flags, log) => runTrain(flags, log, process.stderr),
  },
  ...commands,
  denoise: {
    description: "Corrupt test images, reconstruct them: a clean / corrupted / denoised figure, and BCE and PSNR of both against the clean images.",
    flags: denoiseFlags,
    run: runDenoise,
  },
  ...latentCommands,
  outliers: {
    description: "Score an in-distribution and an outlier set (ELBO, IWAE log p(x), complexity-corrected): AUROC, AUPRC, ROC and histogram PNGs.",
    flags: outliersFlags,
    run: runOutliers,
  },
  ...pytorchCommands,
  quality: qualityCommand,
  gradcheck: {
    description: "Check the gradient of the ELBO for every parameter of a small float64 VAE against central differences.",
    flags: gradcheckFlags,
    run: (flags, log) => {
      if (!runGradcheck(flags, log)) throw new Error("gradients disagree with central differences (see above)");
    },
  },
};

function usage(): string {
  const lines = ["Usage: elbo <command> [flags]", "", "Commands:"];
  for (const [name, command] of Object.entries(allCommands)) lines.push(`  ${name.padEnd(12)} ${command.description}`);
  lines.push("", "Experiments (elbo experiment <name> [flags]):");
  for (const [name, command] of Object.entries(experiments)) lines.push(`  ${name.padEnd(12)} ${command.description}`);
  lines.push("", 'Run "elbo <command> --help" for the flags of a command, "elbo --version" for the version.');
  return lines.join("\n");
}

/** The version in package.json (two folders up from src/cli/ and from dist/cli/ alike). */
function version(): string {
  const text = readFileSync(new URL("../../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

/** Check every output file the command will write before it starts any work. */
function checkOutputs(flags: ParsedFlags, specs: Readonly<Record<string, FlagSpec>>): void {
  for (const [flag, spec] of Object.entries(specs)) {
    const path = flags[flag];
    if (typeof path !== "string") continue;
    if (spec.output === "file") checkOutputFile(path, flag);
    if (spec.output === "folder") checkOutputFolder(path, flag);
  }
}

const isHelp = (arg: string | undefined): boolean => arg === "--help" || arg === "-h" || arg === "help";

function experimentUsage(): string {
  const lines = ["Usage: elbo experiment <name> [flags]", "", "Experiments:"];
  for (const [name, command] of Object.entries(experiments)) lines.push(`  ${name.padEnd(12)} ${command.description}`);
  lines.push("", 'Run "elbo experiment <name> --help" for the flags of an experiment.');
  return lines.join("\n");
}

/** `elbo experiment <name> [flags]`; without a name (exit 2) or with --help (exit 0), the list of experiments. */
function runExperiment(rest: readonly string[]): Promise<number> {
  const [name, ...flags] = rest;
  if (name === undefined || isHelp(name)) {
    (name === undefined ? process.stderr : process.stdout).write(`${experimentUsage()}\n`);
    return Promise.resolve(name === undefined ? 2 : 0);
  }
  return runCommand(`experiment ${name}`, experiments[name], flags);
}

export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === "experiment") return runExperiment(argv.slice(1));
  const [name, ...rest] = argv;
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  if (name === undefined || isHelp(name)) {
    log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    log(`elbo ${version()} (node ${process.version})`);
    return 0;
  }
  return runCommand(name, allCommands[name], rest);
}

async function runCommand(name: string, command: Command | undefined, rest: readonly string[]): Promise<number> {
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  if (!command) {
    process.stderr.write(`elbo: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    log(formatHelp(name, command.description, command.flags));
    return 0;
  }
  try {
    const flags = parseFlags(rest, command.flags);
    checkOutputs(flags, command.flags);
    await command.run(flags, log);
    return 0;
  } catch (error) {
    if (error instanceof InterruptedError) {
      process.stderr.write(`elbo ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`elbo ${name}: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`elbo ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

