/**
 * Ctrl-C during `elbo train`: the run stops at a step boundary, keeps its last checkpoint,
 * releases its lock, exits 130 (SIGTERM: 143) and prints the command that resumes it; that
 * command ends byte-identical to an uninterrupted run. A second signal exits at once; the same
 * one delivered twice (terminal and npm) counts once.
 */
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPEAT_MS, shellQuote, watchInterrupts, type InterruptSignal } from "../../src/cli/interrupt.js";
import { nodeCli, writeTinyIdx } from "../support/cli.js";

const work = mkdtempSync(join(tmpdir(), "elbo-interrupt-"));
writeTinyIdx(join(work, "tiny"));
const small = ["--data", "tiny", "--hidden", "16", "--latent", "2", "--batch-size", "50", "--threads", "1", "--seed", "3"];
const read = (path: string): Buffer => readFileSync(join(work, path));

interface Finished {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `elbo ...args` as one node process (its pid is the CLI's); `signal` is sent once the first epoch's line is out. */
function elbo(args: readonly string[], signal?: InterruptSignal): Promise<Finished> {
  const child = spawn(process.execPath, [...nodeCli, ...args], { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => {
    out.stdout += chunk.toString();
    if (signal !== undefined && /^epoch 1\//m.test(out.stdout)) {
      child.kill(signal);
      signal = undefined;
    }
  });
  child.stderr.on("data", (chunk: Buffer) => void (out.stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, ...out })));
}

const metricsWithoutTimes = (dir: string): unknown =>
  (JSON.parse(read(join(dir, "metrics.json")).toString()) as Record<string, unknown>[]).map(({ seconds: _s, examplesPerSecond: _e, ...rest }) => rest);

describe("elbo train, interrupted", () => {
  it("Ctrl-C: exits 130 naming the resume command, which ends byte-identical to an uninterrupted run", async () => {
    const epochs = ["--epochs", "40"];
    const [whole, stopped] = await Promise.all([elbo(["train", ...small, ...epochs, "--out", "whole"]), elbo(["train", ...small, ...epochs, "--out", "stopped"], "SIGINT")]);
    expect(whole.status).toBe(0);
    expect(stopped.status).toBe(130);
    const line = /^elbo train: interrupted by SIGINT (in epoch (\d+)\/40 at step \d+\/12 \(the checkpoint of epoch (\d+) is kept, .*\)|after epoch (\d+)\/40 \(checkpointed\)): resume with: elbo (train --out stopped --resume)$/m.exec(stopped.stderr);
    expect(line, stopped.stderr).not.toBeNull();
    const [, , inEpoch, kept, after, command] = line as RegExpExecArray;
    const checkpointed = Number(after ?? kept);
    if (inEpoch !== undefined) expect(Number(inEpoch)).toBe(checkpointed + 1);
    expect(checkpointed).toBeGreaterThanOrEqual(1);
    expect(checkpointed).toBeLessThan(40);
    expect(metricsWithoutTimes("stopped")).toEqual((metricsWithoutTimes("whole") as unknown[]).slice(0, checkpointed));
    expect(existsSync(join(work, "stopped", "elbo.lock"))).toBe(false);
    expect(existsSync(join(work, "stopped", "samples.png"))).toBe(false);

    const resumed = await elbo((command as string).split(" "));
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Resuming stopped after epoch ${checkpointed}`);
    expect(read("stopped/model.safetensors").equals(read("whole/model.safetensors"))).toBe(true);
    expect(metricsWithoutTimes("stopped")).toEqual(metricsWithoutTimes("whole"));
  }, 60_000);

  it("SIGTERM: exits 143, the lock released", async () => {
    const stopped = await elbo(["train", ...small, "--epochs", "2000", "--out", "terminated"], "SIGTERM");
    expect(stopped.status).toBe(143);
    expect(stopped.stderr).toMatch(/^elbo train: interrupted by SIGTERM .*: resume with: elbo train --out terminated --resume$/m);
    expect(existsSync(join(work, "terminated", "elbo.lock"))).toBe(false);
  }, 60_000);
});

describe("watchInterrupts", () => {
  it("the first signal aborts; a repeat within REPEAT_MS is the same one; a later one exits with 128 + its number", () => {
    const source = new EventEmitter();
    let now = 1000;
    const exits: number[] = [];
    const watch = watchInterrupts({ source, exitNow: (code) => void exits.push(code), now: () => now });
    expect(watch.signal.aborted).toBe(false);
    expect(watch.received()).toBeNull();
    source.emit("SIGINT", "SIGINT");
    expect(watch.signal.aborted).toBe(true);
    expect(watch.received()).toBe("SIGINT");
    now += REPEAT_MS - 1;
    source.emit("SIGINT", "SIGINT");
    expect(exits).toEqual([]);
    now += 1;
    source.emit("SIGTERM", "SIGTERM");
    expect(exits).toEqual([143]);
    watch.dispose();
    expect(source.listenerCount("SIGINT") + source.listenerCount("SIGTERM")).toBe(0);
  });

  it("quotes a resume command's path for the shell only when it needs it", () => {
    expect(shellQuote("runs/mnist-1")).toBe("runs/mnist-1");
    expect(shellQuote("my runs/a")).toBe("'my runs/a'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });
});
