/**
 * What anomaly mode costs: `npx tsx bench/anomaly.ts [--baseline <elbo checkout>] [--rounds N]`.
 *
 * One training step of the canonical VAE (784-400-20, batch 128, Bernoulli, Adam 1e-3: the step
 * `trainEpoch` takes, with its non-finite guard) is timed in three systems, each in a process of
 * its own, in alternating rounds: this tree with anomaly mode off, this tree inside
 * `detectAnomaly` (every op's output and gradient checked, a creation stack per op), and, with
 * --baseline, another checkout (e.g. main before anomaly mode) with it off. Prints the median
 * ms/step of each and the ratios: off / baseline is what the mode costs when off.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseBenchArgs } from "./args.js";

const STEPS = 30;
const BLOCKS = 5;
const argv = process.argv.slice(2);

/** In a child: time blocks of steps of the system named by --system, print the median ms/step. */
async function child(src: string, anomaly: boolean): Promise<void> {
  const load = (path: string): Promise<Record<string, unknown>> => import(pathToFileURL(resolve(src, path)).href) as Promise<Record<string, unknown>>;
  const { tensor, detectAnomaly } = (await load("src/autograd/index.ts")) as { tensor: (d: Float32Array, o: { shape: number[] }) => unknown; detectAnomaly?: <T>(fn: () => T) => T };
  const { Adam } = (await load("src/nn/index.ts")) as { Adam: new (p: unknown[], o: { lr: number }) => { zeroGrad(): void; step(): void } };
  const { Generator } = (await load("src/tensor/index.ts")) as { Generator: new (seed: number) => { uniform(): number } };
  const { VAE, elbo } = (await load("src/vae/index.ts")) as {
    VAE: new (c: object) => { parameters(): unknown[] };
    elbo: (m: unknown, x: unknown, o: object) => { loss: { item(): number; backward(): void } };
  };
  const generator = new Generator(0);
  const model = new VAE({ inputSize: 784, hiddenSizes: [400], latentSize: 20, generator });
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const x = tensor(Float32Array.from({ length: 128 * 784 }, () => generator.uniform()), { shape: [128, 784] });
  const step = (): void => {
    optimizer.zeroGrad();
    const loss = elbo(model, x, { generator }).loss;
    if (!Number.isFinite(loss.item())) throw new Error("non-finite loss");
    loss.backward();
    optimizer.step();
  };
  const run = anomaly && detectAnomaly ? (fn: () => void): void => detectAnomaly(fn) : (fn: () => void): void => fn();
  run(() => {
    for (let i = 0; i < 10; i++) step();
  });
  const times: number[] = [];
  for (let block = 0; block < BLOCKS; block++) {
    const start = performance.now();
    run(() => {
      for (let i = 0; i < STEPS; i++) step();
    });
    times.push((performance.now() - start) / STEPS);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ msPerStep: times[BLOCKS >> 1] }));
}

function parent(): void {
  const here = resolve(import.meta.dirname, "..");
  const args = parseBenchArgs(argv, { usage: "usage: npx tsx bench/anomaly.ts [--baseline <elbo checkout>] [--rounds N]", values: ["--baseline", "--rounds"] });
  const baseline = args.string("--baseline", undefined, "a path");
  const rounds = args.integer("--rounds", 3, 1);
  const systems: [string, string, boolean][] = [["this tree, anomaly off", here, false], ["this tree, detectAnomaly", here, true]];
  if (baseline !== undefined) systems.push([`baseline ${baseline}, off`, resolve(baseline), false]);
  const results = new Map<string, number[]>(systems.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, src, anomaly] of systems) {
      const result = spawnSync(process.execPath, ["--import", "tsx", import.meta.filename, "--child", src, anomaly ? "on" : "off"], { encoding: "utf8", cwd: here });
      if (result.status !== 0) throw new Error(`${name}: ${result.stderr}`);
      results.get(name)?.push((JSON.parse(result.stdout.trim().split("\n").pop() as string) as { msPerStep: number }).msPerStep);
    }
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
  console.log(`VAE step (batch 128), median of ${rounds} processes x ${BLOCKS} blocks of ${STEPS} steps, each system in its own process:`);
  const off = median(results.get(systems[0]?.[0] as string) as number[]);
  for (const [name] of systems) {
    const values = results.get(name) as number[];
    console.log(`  ${name.padEnd(40)} ${median(values).toFixed(2)} ms/step (range ${Math.min(...values).toFixed(2)}-${Math.max(...values).toFixed(2)}), ${(median(values) / off).toFixed(3)}x off`);
  }
}

if (argv[0] === "--child") await child(argv[1] as string, argv[2] === "on");
else parent();
