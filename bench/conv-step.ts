/**
 * Conv VAE training-step benchmark: `npx tsx bench/conv-step.ts [repeats] [--tfjs]` (default 5;
 * `npm run bench` runs it after vae-step.ts and matmul.ts, without TensorFlow.js).
 *
 * One training step (forward, backward, Adam 1e-3; batch 128) of the `--arch conv` VAE (the Keras
 * example's shape, latent 20; src/vae/architecture.ts) in our engine on 1 and 2 threads, in
 * PyTorch (bench/peers/conv_vae.py, the same module) on 1 and 2 threads, and in TensorFlow.js
 * (wasm and cpu backends). Each system runs in a process of its own (peers/conv_ours.ts,
 * peers/pytorch_conv_step.py, peers/tfjs_conv.ts), one after the other, two rounds in
 * alternating order so that a burst of load from other processes does not hit one system only;
 * each times `repeats` steps after 3 warm-up steps. Printed: median seconds per step (and the
 * range over both rounds), examples/s, and the ratios of ours to each peer.
 * TensorFlow.js (`--tfjs`) needs `npm ci --prefix bench`; PyTorch needs /usr/bin/python3 with torch.
 * NOTE: TensorFlow.js is left out unless asked for: its wasm backend cannot train this model (no
 * Conv2DBackpropFilter kernel) and its cpu backend took over 7 minutes for one round of 8 steps on
 * the loaded 2-core machine (2026-12-02), holding the machine's CPU lock for everyone.
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseBenchArgs } from "./args.js";

const args = parseBenchArgs(process.argv.slice(2), { usage: "usage: npx tsx bench/conv-step.ts [repeats] [--tfjs]", switches: ["--tfjs"], positional: 1 });
const repeats = Math.max(3, Number(args.positional[0] ?? 5));
const withTfjs = args.has("--tfjs");
const here = dirname(fileURLToPath(import.meta.url));
const tsx = join(here, "..", "node_modules", ".bin", "tsx");
const python = process.env.ELBO_PYTHON ?? "/usr/bin/python3";

interface System {
  label: string;
  command: string;
  args: string[];
  cwd: string;
}

const systems: System[] = [
  { label: "ours-1", command: tsx, args: [join(here, "peers/conv_ours.ts"), "1", String(repeats)], cwd: here },
  { label: "ours-2", command: tsx, args: [join(here, "peers/conv_ours.ts"), "2", String(repeats)], cwd: here },
  { label: "torch-1", command: python, args: [join(here, "peers/pytorch_conv_step.py"), "1", String(repeats)], cwd: here },
  { label: "torch-2", command: python, args: [join(here, "peers/pytorch_conv_step.py"), "2", String(repeats)], cwd: here },
  ...(withTfjs
    ? [
      { label: "tfjs-wasm", command: tsx, args: [join(here, "peers/tfjs_conv.ts"), String(repeats), "wasm"], cwd: here },
      { label: "tfjs-cpu", command: tsx, args: [join(here, "peers/tfjs_conv.ts"), String(repeats), "cpu"], cwd: here },
    ]
    : []),
];

interface Result {
  name: string;
  seconds: number[];
  error: string | null;
}

const results = new Map<string, Result>();
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(" ");
console.log(`conv VAE training step (batch 128, Adam 1e-3), ${repeats} steps per system per round, 2 rounds; load average at start: ${load()}`);
for (const round of [systems, [...systems].reverse()]) {
  for (const system of round) {
    const run = spawnSync(system.command, system.args, { cwd: system.cwd, encoding: "utf8", timeout: 600_000 });
    const line = run.stdout.trim().split("\n").filter((l) => l.startsWith("{")).pop();
    const entry = results.get(system.label) ?? { name: system.label, seconds: [], error: null };
    if (!line) entry.error = `exit ${run.status}: ${(run.stderr || run.error?.message || "no output").trim().split("\n").filter((l) => /Error/.test(l)).pop() ?? "failed"}`;
    else {
      const parsed = JSON.parse(line) as { name: string; seconds?: number[]; error?: string };
      entry.name = parsed.name;
      if (parsed.error) entry.error = parsed.error;
      else entry.seconds.push(...(parsed.seconds ?? []));
    }
    results.set(system.label, entry);
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const perStep = (label: string): number => {
  const r = results.get(label);
  return r && r.error === null && r.seconds.length > 0 ? median(r.seconds) : NaN;
};
for (const [, r] of results) {
  if (r.error !== null) console.log(`  ${r.name.padEnd(34)} failed: ${r.error}`);
  else {
    const m = median(r.seconds);
    console.log(`  ${r.name.padEnd(34)} ${(m * 1000).toFixed(0).padStart(6)} ms/step (${(Math.min(...r.seconds) * 1000).toFixed(0)}-${(Math.max(...r.seconds) * 1000).toFixed(0)})  ${Math.round(128 / m).toLocaleString("en-US").padStart(6)} examples/s`);
  }
}
const ratio = (ours: string, peer: string): string => {
  const value = perStep(peer) / perStep(ours);
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : "-";
};
console.log(`ours / PyTorch, same threads: ${ratio("ours-1", "torch-1")} on 1, ${ratio("ours-2", "torch-2")} on 2`);
if (withTfjs) console.log(`ours / TensorFlow.js: wasm ${ratio("ours-1", "tfjs-wasm")} (1 thread) ${ratio("ours-2", "tfjs-wasm")} (2), cpu ${ratio("ours-1", "tfjs-cpu")} (1) ${ratio("ours-2", "tfjs-cpu")} (2)`);
console.log(`load average at end: ${load()}`);
