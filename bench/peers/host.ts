/**
 * The child side of `isolated.ts`: loads one group of JS systems in a process of its own (ours on
 * the wasm path with 1 or 2 threads, ours on the JS path, jax-js, or TensorFlow.js's two backends) and serves the parent's requests over the IPC channel of `fork`, one at a
 * time: { id, op: "run" | "matmul", index, count } → { id, seconds }, { id, op: "loss", index } →
 * { id, loss }, { id, op: "close" } → { id } (then exits). After loading it sends
 * { loaded: [{ name, threads } | { skipped }] }.
 */
import { syntheticBatch, reason, type Loaded, type StepSystem } from "./common.js";
import { loadJax } from "./jax.js";
import { loadOurs } from "./ours.js";
import { loadTfjs } from "./tfjs.js";

export type Group = "ours-wasm" | "ours-wasm-2" | "ours-js" | "jax" | "tfjs";

export interface Request {
  id: number;
  op: "run" | "matmul" | "loss" | "close";
  index: number;
  count: number;
}

export type Reply = { id: number; seconds?: number; loss?: number; error?: string };
export type LoadedMessage = { loaded: ({ name: string; threads: string } | { skipped: string })[] };

async function load(group: Group): Promise<Loaded[]> {
  const batch = syntheticBatch();
  if (group === "ours-wasm") return [loadOurs("wasm", batch)];
  if (group === "ours-wasm-2") return [loadOurs("wasm", batch, 2)];
  if (group === "ours-js") return [loadOurs("js", batch)];
  if (group === "jax") return [await loadJax(batch)];
  return loadTfjs(batch);
}

const send = (message: Reply | LoadedMessage): void => void process.send?.(message);

const loaded = await load(process.argv[2] as Group);
const systems = loaded.map((item) => ("system" in item ? item.system : null));
send({ loaded: loaded.map((item) => ("system" in item ? { name: item.system.name, threads: item.system.threads } : { skipped: item.skipped })) });

process.on("message", (message: Request) => {
  void (async () => {
    const system = systems[message.index] as StepSystem;
    try {
      if (message.op === "run") send({ id: message.id, seconds: await system.run(message.count) });
      else if (message.op === "matmul") send({ id: message.id, seconds: await system.matmul(message.count) });
      else if (message.op === "loss") send({ id: message.id, loss: await system.loss() });
      else {
        for (const s of systems) await s?.close();
        send({ id: message.id });
        process.exit(0);
      }
    } catch (error) {
      send({ id: message.id, error: reason(error) });
    }
  })();
});
