/**
 * The page in headless Chromium, served as `npm run web` serves it (COOP/COEP): it loads with
 * no console errors, the bundled checkpoint decodes to the same pixels as in Node, dragging the
 * point (by mouse, and by touch on a touch screen) changes the decoding, a 50-step run in the
 * training worker lowers the loss, and the checkpoint it offers for download loads in Node (and
 * in the CLI) as a run folder.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { get, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noGrad, tensor } from "../../src/autograd/index.js";
import { checkpointProgress, loadRun, readCheckpoint } from "../../src/cli/run-folder.js";
import { grayBytes } from "../../web/src/pixels.js";
import { serve } from "../../web/serve.js";
import { buildWeb, launchChromium, watchForErrors } from "./browser.js";

const root = join(import.meta.dirname, "..", "..");
const dist = join(root, "web", "dist");
const work = mkdtempSync(join(tmpdir(), "elbo-web-"));

let browser: Browser;
let server: Server;
let url: string;
let page: Page;
let errors: string[];
/** The paths the page fetched (its workers' scripts included). */
const loaded: string[] = [];

/** What the page shows now: its latent point, decoded means, and the digit canvas's gray bytes. */
async function shown(on: Page = page): Promise<{ z: number[]; means: number[]; pixels: Uint8Array }> {
  const { z, means, pixels } = await on.evaluate(() => {
    const { explorer } = (globalThis as unknown as { elboPage: { explorer: { z: Float32Array; decoded: Float32Array } } }).elboPage;
    const canvas = document.getElementById("digit") as HTMLCanvasElement;
    const rgba = (canvas.getContext("2d") as CanvasRenderingContext2D).getImageData(0, 0, canvas.width, canvas.height).data;
    return { z: Array.from(explorer.z), means: Array.from(explorer.decoded), pixels: Array.from(rgba.filter((_: number, i: number) => i % 4 === 0)) };
  });
  return { z, means, pixels: Uint8Array.from(pixels) };
}

/** The decoding of z by a run folder loaded in Node. */
function nodeDecode(runDir: string, z: number[]): Float32Array {
  const { model } = loadRun(runDir);
  return noGrad(() => model.decodeMean(tensor(Float32Array.from(z), { shape: [1, z.length] }))).data as Float32Array;
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
const maxAbsDifference = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  Array.from(a).reduce((worst, value, i) => Math.max(worst, Math.abs(value - (b[i] as number))), 0);

/** Drag the point from one fraction of the map to another in `moves` pointer moves. */
async function drag(from: [number, number], to: [number, number], moves: number): Promise<void> {
  const box = await page.locator("#latent-overlay").boundingBox();
  if (!box) throw new Error("the latent map is not visible");
  const at = (f: [number, number]): [number, number] => [box.x + f[0] * box.width, box.y + f[1] * box.height];
  await page.mouse.move(...at(from));
  await page.mouse.down();
  for (let i = 1; i <= moves; i++) {
    const t = i / moves;
    await page.mouse.move(...at([from[0] + t * (to[0] - from[0]), from[1] + t * (to[1] - from[1])]));
  }
  await page.mouse.up();
}

beforeAll(async () => {
  const started = performance.now();
  buildWeb(root);
  console.log(`build:web: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  ({ server, url } = await serve({ dir: dist, port: 0, isolation: true }));
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  errors = watchForErrors(page);
  page.on("requestfinished", (request) => loaded.push(new URL(request.url()).pathname));
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById("model-name")?.textContent?.startsWith("bundled 2-D model"));
  await page.waitForFunction(() => !document.getElementById("threads")?.textContent?.startsWith("Starting"));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe("the web page in Chromium", () => {
  it("loads with no console errors, cross-origin isolated, and says how many threads train", async () => {
    expect(errors).toEqual([]);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const threads = await page.textContent("#threads");
    console.log(`page: ${threads}`);
    expect(threads).toMatch(/^Training runs on \d+ threads? \(the page is cross-origin isolated\), wasm kernels\.$/);
    // With more than one thread, the training worker started its gemm helpers from elbo's worker module.
    if (threads?.startsWith("Training runs on 1 thread")) expect(loaded).not.toContain("/gemm-worker.js");
    else expect(loaded).toContain("/gemm-worker.js");
    expect(await page.textContent("#model-name")).toBe("bundled 2-D model: 784-128-2 VAE, 2-D latent");
    expect(await page.textContent("#map-caption")).toBe("Decoded means over z1, z2 ∈ [−3, 3]; drag the point.");
  });

  it("decodes the bundled checkpoint to the same pixels as Node does", async () => {
    await drag([0.5, 0.5], [0.3, 0.7], 5);
    const { z, means, pixels } = await shown();
    expect(z[0]).not.toBe(0);
    const want = nodeDecode(join(dist, "bundled"), z);
    const difference = maxAbsDifference(means, want);
    const identical = means.filter((value, i) => value === want[i]).length;
    console.log(`bundled model at z = (${z.map((v) => v.toFixed(3))}): ${identical} of ${want.length} means bit-identical to Node, max |difference| ${difference}`);
    expect(difference).toBeLessThanOrEqual(1e-6);
    expect(sha256(pixels)).toBe(sha256(Uint8Array.from(grayBytes(want))));
  });

  it("redraws the decoding as the point is dragged, and times every drag event", async () => {
    const before = await shown();
    const timed = await page.evaluate(() => (globalThis as unknown as { elboPage: { explorer: { dragMilliseconds: number[] } } }).elboPage.explorer.dragMilliseconds.length);
    await drag([0.2, 0.2], [0.8, 0.85], 60);
    const after = await shown();
    expect(after.z[0]).toBeGreaterThan(1.5);
    expect(after.z[1]).toBeLessThan(-1.5);
    expect(sha256(after.pixels)).not.toBe(sha256(before.pixels));
    const times = await page.evaluate(() => {
      const { explorer } = (globalThis as unknown as { elboPage: { explorer: { dragMilliseconds: number[]; medianDragMilliseconds(): number } } }).elboPage;
      return { count: explorer.dragMilliseconds.length, median: explorer.medianDragMilliseconds(), max: Math.max(...explorer.dragMilliseconds) };
    });
    console.log(`drag: ${times.count - timed} events, median decode + draw ${times.median.toFixed(3)} ms (max ${times.max.toFixed(2)} ms)`);
    expect(times.count - timed).toBeGreaterThanOrEqual(61);
    expect(await page.textContent("#z-readout")).toBe(`z = (${after.z.map((v) => v.toFixed(2)).join(", ")})`);
  });

  it("drags the point by touch as by mouse: the same touch path draws the same decoding", async () => {
    // The mouse drag's end point on this page, then the same path by touch on a touch-screen page.
    await drag([0.5, 0.5], [0.75, 0.3], 10);
    const byMouse = await shown();
    // A viewport shorter than the page, so a touch that panned would scroll it.
    const context = await browser.newContext({ viewport: { width: 1200, height: 600 }, hasTouch: true });
    const touchPage = await context.newPage();
    const touchErrors = watchForErrors(touchPage);
    try {
      await touchPage.goto(url);
      await touchPage.waitForFunction(() => document.getElementById("model-name")?.textContent?.startsWith("bundled 2-D model"));
      expect(await touchPage.evaluate(() => document.documentElement.scrollHeight > window.innerHeight)).toBe(true);
      const before = await shown(touchPage);
      await touchPage.evaluate(() => {
        const types: string[] = [];
        (globalThis as unknown as { pointerTypes: string[] }).pointerTypes = types;
        document.getElementById("latent-overlay")?.addEventListener("pointermove", (event) => types.push(event.pointerType));
      });
      const box = await touchPage.locator("#latent-overlay").boundingBox();
      if (!box) throw new Error("the latent map is not visible");
      const at = (fx: number, fy: number): { x: number; y: number } => ({ x: box.x + fx * box.width, y: box.y + fy * box.height });
      const cdp = await context.newCDPSession(touchPage);
      await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: [at(0.5, 0.5)] });
      for (let i = 1; i <= 10; i++) {
        await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: [at(0.5 + (i / 10) * 0.25, 0.5 - (i / 10) * 0.2)] });
      }
      await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
      const byTouch = await shown(touchPage);
      const pointerTypes = await touchPage.evaluate(() => (globalThis as unknown as { pointerTypes: string[] }).pointerTypes);
      expect(pointerTypes.length).toBeGreaterThanOrEqual(10);
      expect(new Set(pointerTypes)).toEqual(new Set(["touch"]));
      expect(sha256(byTouch.pixels)).not.toBe(sha256(before.pixels));
      expect(byTouch.z).toEqual(byMouse.z);
      expect(sha256(byTouch.pixels)).toBe(sha256(byMouse.pixels));
      // The page did not scroll under the finger (touch-action: none on the map).
      expect(await touchPage.evaluate(() => window.scrollY)).toBe(0);
      expect(touchErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("trains 50 steps in the worker, lowering the loss, then explores the new model with one slider per dimension", async () => {
    for (const [id, value] of [["latent", "3"], ["hidden", "64"], ["epochs", "1"], ["batch", "32"], ["examples", "1600"], ["seed", "1"]]) {
      await page.fill(`#${id}`, value as string);
    }
    await page.click("#train");
    await page.waitForFunction(() => document.getElementById("train-info")?.textContent?.startsWith("done"), null, { timeout: 120_000 });
    const info = await page.textContent("#train-info");
    console.log(`training: ${info}`);
    const losses = await page.evaluate(() => (globalThis as unknown as { elboPage: { curve: { losses: number[] } } }).elboPage.curve.losses);
    expect(losses).toHaveLength(50);
    const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
    const [first, last] = [mean(losses.slice(0, 10)), mean(losses.slice(-10))];
    console.log(`−ELBO: first 10 steps ${first.toFixed(1)}, last 10 steps ${last.toFixed(1)} nats`);
    expect(last).toBeLessThan(0.8 * first);
    expect(await page.textContent("#model-name")).toBe("trained here: 784-64-3 VAE, 3-D latent");
    // A third dimension: the map shows the principal plane of the digits' codes, and z₂ has its slider.
    expect(await page.textContent("#map-caption")).toBe("Decoded means over PC 1, PC 2 ∈ [−3, 3] (the principal plane of the digits' codes); drag the point.");
    expect(await page.locator("#sliders input").count()).toBe(3);
    // The decoding stays beside the map (not wrapped below it) with the longer caption and readout.
    const [map, digit] = [await page.locator("#latent-map").boundingBox(), await page.locator("#digit").boundingBox()];
    expect(digit && map && digit.x > map.x + map.width && digit.y < map.y + map.height).toBe(true);
    const before = await shown();
    await page.locator("#sliders input").nth(2).evaluate((input: HTMLInputElement) => {
      input.value = "2.5";
      input.dispatchEvent(new Event("input"));
    });
    const after = await shown();
    expect(after.z[2]).toBeCloseTo(2.5, 6);
    expect(sha256(after.pixels)).not.toBe(sha256(before.pixels));
  });

  it("offers the trained checkpoint for download, and Node and the CLI load it as a run folder", async () => {
    const runDir = join(work, "downloaded");
    for (const name of ["config.json", "model.safetensors"]) {
      const [download] = await Promise.all([page.waitForEvent("download"), page.click(`#downloads a[download="${name}"]`)]);
      expect(download.suggestedFilename()).toBe(name);
      await download.saveAs(join(runDir, name));
    }
    const { z, means } = await shown();
    expect(maxAbsDifference(means, nodeDecode(runDir, z))).toBeLessThanOrEqual(1e-6);
    expect(checkpointProgress(readCheckpoint(runDir).metadata, runDir)).toEqual({ epoch: 1, step: 50 });
    expect(JSON.parse(readFileSync(join(runDir, "config.json"), "utf8")).model.hiddenSizes).toEqual([64]);
    const cli = spawnSync(process.execPath, ["--import", "tsx", join(root, "src/cli/main.ts"), "sample", "--run", runDir, "--n", "16", "--out", join(work, "samples.png")], { encoding: "utf8" });
    expect(cli.status, cli.stderr).toBe(0);
    expect(readFileSync(join(work, "samples.png")).subarray(1, 4).toString()).toBe("PNG");
  });

  it("stops a run at the end of the epoch when Stop is pressed, and offers what it trained", async () => {
    for (const [id, value] of [["latent", "2"], ["hidden", "32"], ["epochs", "50"], ["batch", "100"], ["examples", "500"]]) {
      await page.fill(`#${id}`, value as string);
    }
    await page.click("#train");
    await page.waitForFunction(() => /^step \d+ \/ 250/.test(document.getElementById("train-info")?.textContent ?? ""));
    await page.click("#stop");
    await page.waitForFunction(() => document.getElementById("train-info")?.textContent?.startsWith("stopped"), null, { timeout: 60_000 });
    const steps = Number(/after (\d+) steps/.exec((await page.textContent("#train-info")) ?? "")?.[1]);
    console.log(`stop: ${await page.textContent("#train-info")}`);
    expect(steps % 5).toBe(0); // whole epochs of 500 / 100 steps
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThan(250);
    expect(await page.locator("#downloads a").count()).toBe(2);
    expect(await page.isEnabled("#train")).toBe(true);
  });

  it("names what is wrong with files that are not a run folder, and opens dropped files", async () => {
    await page.setInputFiles("#files", [{ name: "config.json", mimeType: "application/json", buffer: readFileSync(join(dist, "bundled", "config.json")) }]);
    await expect.poll(() => page.textContent("#status")).toBe("choose a run folder's config.json and model.safetensors together (got config.json)");
    const truncated = readFileSync(join(dist, "bundled", "model.safetensors")).subarray(0, 1000);
    await page.setInputFiles("#files", [
      { name: "config.json", mimeType: "application/json", buffer: readFileSync(join(dist, "bundled", "config.json")) },
      { name: "model.safetensors", mimeType: "application/octet-stream", buffer: truncated },
    ]);
    await expect.poll(() => page.textContent("#status")).toBe('model.safetensors: tensor "model.encoder.0.weight": data_offsets [0,401408] run past the end of the 56-byte data section');
    // Dropping the bundled run's two files loads them.
    await page.evaluate(async () => {
      const files = await Promise.all(["config.json", "model.safetensors"].map(async (name) => new File([await (await fetch(`bundled/${name}`)).blob()], name)));
      const transfer = new DataTransfer();
      for (const file of files) transfer.items.add(file);
      document.getElementById("explorer")?.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => page.textContent("#model-name")).toBe("model.safetensors + config.json: 784-128-2 VAE, 2-D latent");
    expect(await page.textContent("#status")).toBe("");
  });

  it("ran the whole session without a console error or failed request", () => {
    expect(errors).toEqual([]);
  });

  it("npm run web's server prints its address and sends COOP/COEP", async () => {
    const child = spawn(join(root, "node_modules", ".bin", "tsx"), [join(root, "web", "serve.ts"), "--port", "0"], { cwd: root });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => resolve(chunk.toString()));
        child.once("exit", (code) => reject(new Error(`web/serve.ts exited with ${code}`)));
      });
      const address = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(line)?.[1];
      expect(line).toContain("cross-origin isolated: COOP/COEP sent");
      const response = await fetch(address as string);
      expect(response.status).toBe(200);
      expect(response.headers.get("cross-origin-opener-policy")).toBe("same-origin");
      expect(response.headers.get("cross-origin-embedder-policy")).toBe("require-corp");
      expect(await response.text()).toContain("<title>elbo: latent explorer</title>");
      // A path that climbs out of web/dist ("/../../package.json", escaped so no client tidies it) is refused.
      const escaped = await new Promise<number | undefined>((resolve, reject) => {
        get({ host: "127.0.0.1", port: new URL(address as string).port, path: "/..%2f..%2fpackage.json" }, (res) => resolve(res.statusCode)).on("error", reject);
      });
      expect(escaped).toBe(404);
    } finally {
      child.kill();
    }
  });

  it("trains on one thread, and says so, where the server sends no COOP/COEP", async () => {
    const plain = await serve({ dir: dist, port: 0, isolation: false });
    const other = await browser.newPage();
    const otherErrors = watchForErrors(other);
    try {
      await other.goto(plain.url);
      await other.waitForFunction(() => !document.getElementById("threads")?.textContent?.startsWith("Starting"));
      expect(await other.evaluate(() => crossOriginIsolated)).toBe(false);
      expect(await other.textContent("#threads")).toBe("Training runs on 1 thread: the page is not cross-origin isolated (no COOP/COEP headers), wasm kernels.");
      expect(otherErrors).toEqual([]);
    } finally {
      await other.close();
      plain.server.close();
    }
  });
});
