/**
 * Training speed in the browser vs Node, same machine, same run: the canonical VAE step
 * (784-400-20, batch 128, Adam) on the page's 2,000 bundled digits for 4 epochs (64 steps), in
 * the page's training worker in headless Chromium (served without COOP/COEP, so one thread) and
 * in a Node process of its own (one thread), each timed from its first step.
 *
 *   npx tsx bench/browser-train.ts        (builds web/dist first if needed: npm run build:web)
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Generator, nn, vae, type Dataset } from "../src/index.js";
import { launchChromium } from "../test/web/browser.js";
import { serve } from "../web/serve.js";

const root = join(import.meta.dirname, "..");
const dist = join(root, "web", "dist");
const SETTINGS = { latentSize: 20, hiddenSizes: [400], epochs: 4, batchSize: 128, lr: 1e-3, examples: 2000, seed: 0 };

function digits(): Dataset {
  const { count, height, width } = JSON.parse(readFileSync(join(dist, "digits.json"), "utf8")) as { count: number; height: number; width: number };
  const bytes = readFileSync(join(dist, "digits.bin"));
  const images = new Float32Array(count * height * width);
  for (let i = 0; i < images.length; i++) images[i] = (bytes[i] as number) / 255;
  return { images, labels: Uint8Array.from(bytes.subarray(images.length)), count, height, width, name: "bundled digits" };
}

/** The worker's loop (web/src/train-worker.ts) in Node: examples per second from the first step. */
function nodeExamplesPerSecond(): number {
  const dataset = digits();
  const model = vae.buildModel({ inputSize: 784, height: 28, width: 28, hiddenSizes: SETTINGS.hiddenSizes, latentSize: SETTINGS.latentSize, likelihood: "bernoulli" }, SETTINGS.seed);
  if (model.kind !== "vae") throw new Error("a config without kind builds a VAE");
  const optimizer = new nn.Adam(model.parameters(), { lr: SETTINGS.lr });
  const generator = new Generator(SETTINGS.seed);
  const started = performance.now();
  let step = 0;
  for (let epoch = 0; epoch < SETTINGS.epochs; epoch++) {
    step += vae.trainEpoch(model, optimizer, dataset, { objective: vae.elboObjective(), batchSize: SETTINGS.batchSize, generator, startStep: step }).steps;
  }
  return (SETTINGS.epochs * dataset.count) / ((performance.now() - started) / 1000);
}

async function browserExamplesPerSecond(): Promise<{ speed: number; threads: string }> {
  const { server, url } = await serve({ dir: dist, port: 0, isolation: false });
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForFunction(() => !document.getElementById("threads")?.textContent?.startsWith("Starting"));
    const fields: [string, string][] = [["latent", "20"], ["hidden", "400"], ["epochs", "4"], ["batch", "128"], ["examples", "2000"], ["seed", "0"]];
    for (const [id, value] of fields) await page.fill(`#${id}`, value);
    await page.click("#train");
    await page.waitForFunction(() => document.getElementById("train-info")?.textContent?.startsWith("done"), null, { timeout: 300_000 });
    const info = (await page.textContent("#train-info")) ?? "";
    const speed = Number(/\((\d+) examples\/s\)/.exec(info)?.[1]);
    return { speed, threads: (await page.textContent("#threads")) ?? "" };
  } finally {
    await browser.close();
    server.close();
  }
}

if (process.argv.includes("--node")) {
  console.log(JSON.stringify({ speed: nodeExamplesPerSecond() }));
} else {
  if (!existsSync(join(dist, "digits.bin"))) throw new Error("web/dist is missing: run npm run build:web first");
  const rounds = 3;
  const node: number[] = [];
  const browser: number[] = [];
  let threads = "";
  for (let round = 0; round < rounds; round++) {
    const child = spawnSync(join(root, "node_modules", ".bin", "tsx"), [import.meta.filename, "--node"], { encoding: "utf8" });
    if (child.status !== 0) throw new Error(`node run failed: ${child.stderr}`);
    node.push((JSON.parse(child.stdout) as { speed: number }).speed);
    const run = await browserExamplesPerSecond();
    browser.push(run.speed);
    threads = run.threads;
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1] as number;
  console.log(`canonical VAE step (784-400-20, batch 128), ${SETTINGS.epochs} epochs of ${SETTINGS.examples} digits, one thread, ${rounds} rounds alternating`);
  console.log(`  Node:     median ${Math.round(median(node))} examples/s (${node.map(Math.round).join(", ")})`);
  console.log(`  Chromium: median ${Math.round(median(browser))} examples/s (${browser.map(Math.round).join(", ")}); page: ${threads}`);
  console.log(`  browser / Node: ${(median(browser) / median(node)).toFixed(2)}`);
}
