/**
 * Every command and experiment that `elbo --help` lists answers `--help` (and `-h`) with its
 * usage and flags, exit 0, without running; `elbo experiment --help` lists the experiments.
 * In process: `main` returns the exit status and writes to process.stdout / stderr.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/program.js";

/** `main(argv)`'s exit status and what it wrote. */
async function elbo(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out = { stdout: "", stderr: "" };
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    out.stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    out.stderr += String(chunk);
    return true;
  });
  const status = await main(argv);
  vi.restoreAllMocks();
  return { status, ...out };
}

afterEach(() => vi.restoreAllMocks());

/** The names listed under `heading` in a usage text: indented lines up to the next blank line. */
function listed(usage: string, heading: RegExp): string[] {
  const lines = usage.split("\n");
  const start = lines.findIndex((line) => heading.test(line));
  expect(start, `${heading} in:\n${usage}`).toBeGreaterThanOrEqual(0);
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === "") break;
    names.push((/^ {2}(\S+)/.exec(line) as RegExpExecArray)[1] as string);
  }
  return names;
}

describe("--help", () => {
  it("every command elbo --help lists answers --help and -h with its usage and flags", async () => {
    const usage = await elbo("--help");
    expect(usage.status).toBe(0);
    const names = listed(usage.stdout, /^Commands:$/);
    expect(names).toContain("train");
    expect(names.length).toBeGreaterThan(10);
    for (const name of names) {
      for (const flag of ["--help", "-h"]) {
        const help = await elbo(name, flag);
        expect({ name, flag, status: help.status, stderr: help.stderr }).toEqual({ name, flag, status: 0, stderr: "" });
        expect(help.stdout).toMatch(new RegExp(`^Usage: elbo ${name} \\[flags\\]\n\n.+\n\nFlags:\n`));
        expect(help.stdout).toContain("  --help ");
      }
    }
  });

  it("elbo experiment --help lists the experiments of elbo --help, each of which answers --help", async () => {
    const fromMain = listed((await elbo("--help")).stdout, /^Experiments \(elbo experiment <name> \[flags\]\):$/);
    expect(fromMain).toContain("ae-vs-vae");
    for (const flag of ["--help", "-h", "help"]) {
      const help = await elbo("experiment", flag);
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^Usage: elbo experiment <name> \[flags\]\n/);
      expect(listed(help.stdout, /^Experiments:$/)).toEqual(fromMain);
    }
    for (const name of fromMain) {
      const help = await elbo("experiment", name, "--help");
      expect({ name, status: help.status, stderr: help.stderr }).toEqual({ name, status: 0, stderr: "" });
      expect(help.stdout).toMatch(new RegExp(`^Usage: elbo experiment ${name} \\[flags\\]\n\n.+\n\nFlags:\n`));
    }
  });

  it("elbo experiment without a name lists them on stderr, exit 2; an unknown one is named", async () => {
    const bare = await elbo("experiment");
    expect(bare.status).toBe(2);
    expect(bare.stderr).toMatch(/^Usage: elbo experiment <name> \[flags\]\n/);
    const unknown = await elbo("experiment", "nope", "--help");
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^elbo: unknown command "experiment nope"/);
  });
});
