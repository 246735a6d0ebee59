/**
 * The page: a latent explorer for a trained model (the bundled 2-D one, or a run folder's two
 * files opened or dropped) and a small VAE trained in a Web Worker on bundled digits, whose
 * checkpoint can be explored and downloaded for `elbo` on the command line.
 */
import { kernelPath, noGrad, tensor, type Tensor } from "elbo";
import { Explorer } from "./explorer.js";
import { LossCurve } from "./loss-curve.js";
import { modelFromBytes, modelFromFiles, modelFromUrl, type LoadedModel } from "./model-files.js";
import type { DigitBytes, FromWorker, ToWorker, TrainSettings } from "./protocol.js";

const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page: no element #${id}`);
  return element as T;
};

const status = byId<HTMLElement>("status");
const modelName = byId<HTMLElement>("model-name");
const explorer = new Explorer({
  map: byId("latent-map"),
  overlay: byId("latent-overlay"),
  digit: byId("digit"),
  sliders: byId("sliders"),
  readout: byId("z-readout"),
  caption: byId("map-caption"),
});
const curve = new LossCurve(byId("loss-curve"));
const progress = byId<HTMLProgressElement>("train-progress");
const trainInfo = byId<HTMLElement>("train-info");
const [trainButton, stopButton] = [byId<HTMLButtonElement>("train"), byId<HTMLButtonElement>("stop")];
const downloads = byId<HTMLElement>("downloads");

function report(error: unknown): void {
  status.textContent = error instanceof Error ? error.message : String(error);
  status.classList.add("error");
}

/** Digits encoded for the principal plane of a latent of more than 2 dimensions. */
const CODE_DIGITS = 500;
let digits: Promise<DigitBytes> | null = null;

/** The posterior means of the first bundled digits under a model with more than 2 latent dimensions. */
async function codesFor(loaded: LoadedModel): Promise<Tensor | undefined> {
  const { latentSize, inputSize } = loaded.config.model;
  if (latentSize <= 2) return undefined;
  digits ??= fetchDigits();
  const bytes = await digits;
  const pixels = bytes.height * bytes.width;
  if (pixels !== inputSize) throw new Error(`${loaded.name}: the map of a ${latentSize}-D latent needs the codes of digits, but the model takes ${inputSize} inputs, not ${pixels}`);
  const count = Math.min(CODE_DIGITS, bytes.count);
  const images = Float32Array.from(bytes.pixels.subarray(0, count * pixels), (value) => value / 255);
  return noGrad(() => loaded.model.encode(tensor(images, { shape: [count, pixels], dtype: loaded.model.dtype })).mu);
}

async function show(loaded: LoadedModel): Promise<void> {
  explorer.show(loaded, await codesFor(loaded));
  const { hiddenSizes, latentSize, inputSize } = loaded.config.model;
  modelName.textContent = `${loaded.name}: ${[inputSize, ...hiddenSizes, latentSize].join("-")} VAE, ${latentSize}-D latent`;
  status.textContent = "";
  status.classList.remove("error");
}

const openFiles = (files: FileList | null | undefined): void => {
  if (files && files.length > 0) modelFromFiles([...files]).then(show).catch(report);
};
byId<HTMLInputElement>("files").addEventListener("change", (event) => openFiles((event.target as HTMLInputElement).files));
const drop = byId<HTMLElement>("explorer");
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("dropping");
});
drop.addEventListener("dragleave", () => drop.classList.remove("dropping"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("dropping");
  openFiles(event.dataTransfer?.files);
});
const loadBundled = (): Promise<void> => modelFromUrl("bundled 2-D model", "bundled/").then(show).catch(report);
byId<HTMLButtonElement>("bundled").addEventListener("click", () => void loadBundled());

// Training in the worker.
const worker = new Worker(new URL("./train-worker.js", import.meta.url), { type: "module", name: "elbo training" });
async function fetchDigits(): Promise<DigitBytes> {
  const [shape, bytes] = await Promise.all([fetch("digits.json"), fetch("digits.bin")]);
  if (!shape.ok || !bytes.ok) throw new Error(`digits.json / digits.bin: HTTP ${shape.status} / ${bytes.status}`);
  const { count, height, width } = (await shape.json()) as { count: number; height: number; width: number };
  const all = new Uint8Array(await bytes.arrayBuffer());
  if (all.length !== count * (height * width + 1)) throw new Error(`digits.bin: ${all.length} bytes, expected ${count} × (${height}·${width} + 1)`);
  return { pixels: all.subarray(0, count * height * width), labels: all.subarray(count * height * width), count, height, width };
}

/** A form field as a number, or an error naming the field and what it holds. */
function field(id: string, kind: "positive integer" | "positive number" | "non-negative integer"): number {
  const text = byId<HTMLInputElement>(id).value.trim();
  const value = Number(text);
  const ok = text !== "" && (kind === "positive number" ? value > 0 : Number.isSafeInteger(value) && (kind === "positive integer" ? value > 0 : value >= 0));
  if (!ok) throw new Error(`training setting "${id}": expected a ${kind}, got "${text}"`);
  return value;
}

function settingsFromForm(): TrainSettings {
  const hidden = byId<HTMLInputElement>("hidden").value;
  const hiddenSizes = hidden.split(",").map(Number);
  if (!hiddenSizes.every((size) => Number.isSafeInteger(size) && size > 0)) {
    throw new Error(`training setting "hidden": expected positive integers separated by commas, got "${hidden}"`);
  }
  return {
    latentSize: field("latent", "positive integer"),
    hiddenSizes,
    epochs: field("epochs", "positive integer"),
    batchSize: field("batch", "positive integer"),
    lr: field("lr", "positive number"),
    examples: field("examples", "positive integer"),
    seed: field("seed", "non-negative integer"),
  };
}

trainButton.addEventListener("click", () => {
  let settings: TrainSettings;
  try {
    settings = settingsFromForm();
  } catch (error) {
    report(error);
    return;
  }
  digits ??= fetchDigits();
  digits.then((bytes) => {
    curve.clear();
    downloads.replaceChildren();
    trainButton.disabled = true;
    stopButton.disabled = false;
    trainInfo.textContent = "starting";
    worker.postMessage({ type: "train", settings, digits: bytes } satisfies ToWorker);
  }, report);
});
stopButton.addEventListener("click", () => {
  worker.postMessage({ type: "stop" } satisfies ToWorker);
  trainInfo.textContent += " (stopping after this epoch)";
});

function offerDownload(name: string, bytes: Uint8Array | string, type: string): void {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  link.download = name;
  link.textContent = `Download ${name}`;
  downloads.append(link);
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const message = event.data;
  if (message.type === "ready") {
    byId("threads").textContent = message.isolated
      ? `Training runs on ${message.threads} thread${message.threads === 1 ? "" : "s"} (the page is cross-origin isolated), ${kernelPath()} kernels.`
      : `Training runs on 1 thread: the page is not cross-origin isolated (no COOP/COEP headers), ${kernelPath()} kernels.`;
  } else if (message.type === "step") {
    progress.max = message.totalSteps;
    progress.value = message.step;
    curve.add(message.loss);
    trainInfo.textContent = `step ${message.step} / ${message.totalSteps}, −ELBO ${message.loss.toFixed(1)} nats, ${Math.round(message.examplesPerSecond)} examples/s`;
  } else if (message.type === "done") {
    trainButton.disabled = false;
    stopButton.disabled = true;
    trainInfo.textContent = `${message.stopped ? "stopped" : "done"} after ${message.steps} steps in ${message.seconds.toFixed(1)} s (${Math.round(message.examplesPerSecond)} examples/s)`;
    const configText = `${JSON.stringify(message.config, null, 2)}\n`;
    Promise.resolve()
      .then(() => show(modelFromBytes("trained here", configText, "config.json", message.checkpoint, "model.safetensors")))
      .catch(report);
    offerDownload("config.json", configText, "application/json");
    offerDownload("model.safetensors", message.checkpoint, "application/octet-stream");
  } else {
    trainButton.disabled = false;
    stopButton.disabled = true;
    report(`training: ${message.message}`);
  }
};

/** For the console and the browser tests: the explorer (z, decoded, drag timings) and the loss curve. */
Object.assign(globalThis, { elboPage: { explorer, curve } });
void loadBundled();
