/**
 * JS systems in processes of their own: `loadIsolated("tfjs")` forks `host.ts`, which loads the
 * group there, and returns proxies that forward each measurement to it. Each system then has its
 * own V8 heap, so one library's heap never slows another's garbage collection (measured: loading
 * TensorFlow.js into our process cost our 2-thread step 20-30%, through longer scavenges).
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { reason, type Loaded, type StepSystem } from "./common.js";
import type { Group, LoadedMessage, Reply, Request } from "./host.js";

const HOST = fileURLToPath(new URL("./host.ts", import.meta.url));

/** Sends requests one at a time and matches replies by id. */
class Channel {
  private next = 0;
  private readonly waiting = new Map<number, (reply: Reply) => void>();

  constructor(private readonly child: ChildProcess) {
    child.on("message", (message: Reply) => this.waiting.get(message.id)?.(message));
  }

  request(op: Request["op"], index: number, count = 0): Promise<Reply> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => {
        this.waiting.delete(id);
        if (reply.error !== undefined) reject(new Error(reply.error));
        else resolve(reply);
      });
      this.child.send({ id, op, index, count } satisfies Request);
    });
  }
}

/** The group's systems, each a proxy to the child process; skipped ones as the child reported them. */
export async function loadIsolated(group: Group): Promise<Loaded[]> {
  // fork reuses this process's execArgv, so the child runs under tsx too.
  const child = fork(HOST, [group], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  let loaded: LoadedMessage;
  try {
    loaded = await new Promise<LoadedMessage>((resolve, reject) => {
      child.once("message", (message: LoadedMessage) => resolve(message));
      child.once("exit", (code) => reject(new Error(`the ${group} process exited with code ${code} while loading`)));
    });
  } catch (error) {
    return [{ skipped: `${group}: ${reason(error)}` }];
  }
  const channel = new Channel(child);
  let open = loaded.loaded.filter((item) => "name" in item).length;
  return loaded.loaded.map((item, index): Loaded => {
    if ("skipped" in item) return item;
    const system: StepSystem = {
      name: item.name,
      threads: item.threads,
      run: async (steps) => (await channel.request("run", index, steps)).seconds as number,
      matmul: async (reps) => (await channel.request("matmul", index, reps)).seconds as number,
      loss: async () => (await channel.request("loss", index)).loss as number,
      // The child closes all its systems at once, when the last proxy closes.
      close: async () => void (--open === 0 ? await channel.request("close", 0) : undefined),
    };
    return { system };
  });
}
