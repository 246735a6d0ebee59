/**
 * bench/quality.ts stopped by a SIGTERM sent to it alone (not to its process group, as Ctrl-C in a
 * terminal is) while the PyTorch peer runs: the signal is passed on to the peer, the peer's data
 * folder is removed, and the script exits 143. The peer here is a stand-in "python" that passes
 * the torch probe, writes its pid and sleeps.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodeCli, root } from "../support/cli.js";

const work = mkdtempSync(join(tmpdir(), "elbo-quality-signal-"));
const pidFile = join(work, "peer.pid");
const python = join(work, "python");
// `-c ...` is quality.ts's probe for torch; anything else is the peer, which becomes `sleep` (same pid).
writeFileSync(python, `#!/bin/sh\nif [ "$1" = "-c" ]; then exit 0; fi\necho $$ > "${pidFile}"\nexec sleep 600\n`);
chmodSync(python, 0o755);

/** Whether `pid` still runs: it exists and (where /proc tells) is not a zombie left for a parent that no longer reaps. */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !existsSync(stat) || !/^\d+ \(.*\) Z/.test(readFileSync(stat, "utf8"));
};

let peerPid: number | null = null;
afterAll(() => {
  if (peerPid !== null && alive(peerPid)) process.kill(peerPid, "SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

describe("bench/quality.ts, SIGTERM while the peer runs", () => {
  it("passes the signal on to the peer, removes its data folder and exits 143", async () => {
    const quality = join(root, "bench", "quality.ts");
    const child = spawn(process.execPath, [nodeCli[0] as string, nodeCli[1] as string, quality, "--only", "torch", "--data", "mnist", "--epochs", "1", "--python", python], {
      cwd: work, stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => void (stdout += chunk.toString()));
    const status = new Promise<number | null>((resolve) => child.on("close", resolve));
    const deadline = Date.now() + 60_000;
    while (!existsSync(pidFile) || readFileSync(pidFile, "utf8").trim() === "") {
      if (Date.now() > deadline) throw new Error(`the peer never started; quality.ts printed: ${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    peerPid = Number(readFileSync(pidFile, "utf8"));
    expect(alive(peerPid)).toBe(true);
    child.kill("SIGTERM");
    expect(await status).toBe(143);
    const line = /^# SIGTERM: passed on to the peer \(pid (\d+)\); removed (\S+)$/m.exec(stdout);
    expect(line, stdout).not.toBeNull();
    const [, pid, folder] = line as RegExpExecArray;
    expect(Number(pid)).toBe(peerPid);
    expect(existsSync(folder as string)).toBe(false);
    // The kill is sent before the script exits; give the peer's own exit a moment.
    for (let waited = 0; alive(peerPid) && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alive(peerPid)).toBe(false);
  });
});
