/**
 * PyTorch as a peer of `bench/vae-step.ts`: `pytorch_step.py` runs in a child python process
 * that waits for JSON-line commands, so that its timed blocks interleave with ours.
 *
 * The python is the first of $ELBO_BENCH_PYTHON, /usr/bin/python3 (Debian's, where
 * `apt-get install python3-torch` puts torch) and `python3` on PATH that can import torch.
 * The thread count goes to torch.set_num_threads and to OMP/OpenBLAS through the environment.
 * The BLAS shared library the process really maps is reported with the system's name.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { reason, type Loaded, type StepSystem } from "./common.js";

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), "pytorch_step.py");

interface Ready {
  ready: boolean;
  error?: string;
  torch?: string;
  threads?: number;
  blas?: string[];
}

interface Reply {
  seconds?: number;
  loss?: number;
  error?: string;
}

/** A running pytorch_step.py and a way to send it a command and await its one-line reply. */
class PythonPeer {
  private readonly lines: AsyncIterator<string>;
  /** Rejects when the process exits: raced against every awaited line. */
  private readonly exited: Promise<never>;
  constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    this.exited = new Promise<never>((_, reject) => {
      child.once("exit", (code) => reject(new Error(`python exited with code ${code}`)));
    });
    this.exited.catch(() => undefined);
  }

  async next(timeoutMs: number): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from python within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      const line = await Promise.race([this.lines.next(), timeout, this.exited]);
      if (line.done) throw new Error("python closed its output");
      return line.value;
    } finally {
      clearTimeout(timer);
    }
  }

  async ask(command: object): Promise<Reply> {
    this.child.stdin.write(`${JSON.stringify(command)}\n`);
    const reply = JSON.parse(await this.next(600_000)) as Reply;
    if (reply.error !== undefined) throw new Error(`python: ${reply.error}`);
    return reply;
  }

  close(): void {
    if (this.child.exitCode === null) {
      this.child.stdin.end(`${JSON.stringify({ cmd: "quit" })}\n`);
      setTimeout(() => this.child.kill(), 2000).unref();
    }
  }
}

function blasName(paths: readonly string[]): string {
  const openblas = paths.find((p) => p.includes("openblas"));
  if (openblas !== undefined) return openblas.includes("openmp") ? "OpenBLAS-openmp" : openblas.includes("pthread") ? "OpenBLAS-pthread" : "OpenBLAS";
  if (paths.some((p) => p.includes("mkl"))) return "MKL";
  if (paths.some((p) => p.includes("/blas/"))) return "reference BLAS (!)";
  return paths.length === 0 ? "no BLAS mapped" : (paths[0] as string);
}

async function startPeer(python: string, threads: number, batchFile: string): Promise<{ peer: PythonPeer; ready: Ready }> {
  const n = String(threads);
  const child = spawn(python, [SCRIPT, n, batchFile], {
    env: { ...process.env, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", () => resolve());
    child.once("error", reject);
  });
  await spawned;
  const peer = new PythonPeer(child);
  try {
    return { peer, ready: JSON.parse(await peer.next(120_000)) as Ready };
  } catch (error) {
    peer.close();
    const lastLine = stderr.trim().split("\n").pop() ?? "";
    throw new Error(`${reason(error)}${lastLine ? `: ${lastLine}` : ""}`);
  }
}

/** PyTorch with each of `threadCounts`, or one skipped entry saying why. */
export async function loadPytorch(batch: Float32Array, threadCounts: readonly number[]): Promise<Loaded[]> {
  const folder = mkdtempSync(join(tmpdir(), "elbo-bench-"));
  const batchFile = join(folder, "batch.f32");
  writeFileSync(batchFile, new Uint8Array(batch.buffer, batch.byteOffset, batch.byteLength));
  const candidates = [process.env.ELBO_BENCH_PYTHON, "/usr/bin/python3", "python3"].filter((p): p is string => !!p);
  const failures: string[] = [];
  let python: string | null = null;
  const out: Loaded[] = [];
  for (const candidate of candidates) {
    try {
      const { peer, ready } = await startPeer(candidate, threadCounts[0] ?? 1, batchFile);
      if (!ready.ready) {
        peer.close();
        failures.push(`${candidate}: ${ready.error ?? "not ready"}`);
        continue;
      }
      python = candidate;
      peer.close();
      break;
    } catch (error) {
      failures.push(`${candidate}: ${reason(error)}`);
    }
  }
  if (python === null) {
    rmSync(folder, { recursive: true, force: true });
    return [{ skipped: `PyTorch: no python can import torch (${failures.join("; ")})` }];
  }
  let open = 0;
  for (const threads of threadCounts) {
    try {
      const { peer, ready } = await startPeer(python, threads, batchFile);
      if (!ready.ready) throw new Error(ready.error ?? "not ready");
      open++;
      let lastLoss = NaN;
      const system: StepSystem = {
        name: `PyTorch ${ready.torch ?? "?"} + ${blasName(ready.blas ?? [])}`,
        threads: String(ready.threads ?? threads),
        async run(steps) {
          const reply = await peer.ask({ cmd: "steps", n: steps });
          lastLoss = reply.loss ?? NaN;
          return reply.seconds ?? NaN;
        },
        async loss() {
          return lastLoss;
        },
        async matmul(reps) {
          return (await peer.ask({ cmd: "matmul", n: reps })).seconds ?? NaN;
        },
        async close() {
          peer.close();
          if (--open === 0) rmSync(folder, { recursive: true, force: true });
        },
      };
      out.push({ system });
    } catch (error) {
      out.push({ skipped: `PyTorch (${threads} threads): ${reason(error)}` });
    }
  }
  if (open === 0) rmSync(folder, { recursive: true, force: true });
  return out;
}
