/**
 * The engine's op-spec table run in headless Chromium on the wasm kernels: test/web/op-spec-page.ts
 * bundled with esbuild into a page, which checks every row's forward (float64 and float32),
 * float64 gradients (gradcheck) and float32 gradients, and reports back.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { opSpecs } from "../autograd/op-spec.js";
import { serve } from "../../web/serve.js";
import { launchChromium, watchForErrors } from "./browser.js";
import type { OpSpecReport } from "./op-spec-page.js";

const dir = mkdtempSync(join(tmpdir(), "elbo-op-spec-"));
let browser: Browser;

beforeAll(async () => {
  await build({
    entryPoints: [join(import.meta.dirname, "op-spec-page.ts")],
    outfile: join(dir, "op-spec.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    // test/support reads FC_SEED / FC_RUNS from the environment; a page has none.
    define: { "process.env.FC_SEED": "undefined", "process.env.FC_RUNS": "undefined" },
    logLevel: "warning",
  });
  writeFileSync(join(dir, "index.html"), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="op-spec.js"></script>');
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("the op-spec table in Chromium", () => {
  it("passes forward and gradient checks for every row on the wasm kernels", async () => {
    const { server, url } = await serve({ dir, port: 0, isolation: false });
    try {
      const page = await browser.newPage();
      const errors = watchForErrors(page);
      await page.goto(url);
      await page.waitForFunction(() => "opSpecReport" in globalThis, null, { timeout: 120_000 });
      const report = await page.evaluate(() => (globalThis as unknown as { opSpecReport: OpSpecReport }).opSpecReport);
      console.log(`op-spec table in Chromium: ${report.rows.length} rows, ${report.cases} cases, ${report.kernelPath} kernels, ${report.seconds.toFixed(1)} s`);
      expect(errors).toEqual([]);
      expect(report.kernelPath).toBe("wasm");
      expect(report.rows).toEqual(opSpecs.map((spec) => spec.name));
      expect(report.cases).toBeGreaterThanOrEqual(5 * opSpecs.length);
      expect(report.failures).toEqual([]);
    } finally {
      server.close();
    }
  });
});
