/**
 * The public API is what the README documents, and changes to it are announced: this test
 * compares every exported name of `elbo` and `elbo/node` (values and types, namespace members
 * included) with the checked-in report `test/api/public-api.txt`.
 */
import { describe, expect, it } from "vitest";
import { apiReport, checkedInReport } from "./report.js";

const names = (report: string): Set<string> => new Set(report.split("\n").filter((line) => line.trim() !== ""));

describe("public API", () => {
  const current = apiReport();

  it("matches the checked-in report test/api/public-api.txt", () => {
    const before = names(checkedInReport());
    const after = names(current);
    const changes = [
      ...[...after].filter((line) => !before.has(line)).map((line) => `+ ${line}`),
      ...[...before].filter((line) => !after.has(line)).map((line) => `- ${line}`),
    ];
    if (changes.length > 0) {
      throw new Error(
        `the public API changed (+ new, - gone):\n${changes.join("\n")}\n` +
          "If this is deliberate, run `npm run api:update` and commit test/api/public-api.txt with the change; " +
          "if not, export the name from its own file (tests import internals by path) instead of src/index.ts or src/node.ts.",
      );
    }
  });

  it("publishes no kernel internals and no test hooks", () => {
    const lines = current.split("\n");
    for (const internal of ["kernels", "ops", "createAdamArena", "crc32", "IDX_TYPE_OFFSET", "gunzipBounded"]) {
      expect(lines.filter((line) => line.split(/\s+/)[2] === internal)).toEqual([]);
    }
    expect(lines.filter((line) => line.includes(" kernels."))).toEqual([]);
  });

  it("the runtime exports of each entry are the values the report lists", async () => {
    const entries: Record<string, Record<string, unknown>> = {
      elbo: await import("../../src/index.js"),
      "elbo/node": await import("../../src/node.js"),
      "elbo/testing": await import("../../src/testing.js"),
    };
    for (const [entry, module] of Object.entries(entries)) {
      const values = current
        .split("\n")
        .map((line) => line.split(/\s+/))
        .filter(([name, kind, symbol]) => name === entry && !["type", "interface"].includes(kind as string) && !(symbol as string).includes("."))
        .map(([, , symbol]) => symbol as string);
      expect(Object.keys(module).sort()).toEqual(values.sort());
    }
  });
});
