/**
 * The training worker: trains a VAE on the digits the page sends, posting every step's loss and
 * the speed, and at the end (or at Stop, checked between epochs) the run's config.json and
 * checkpoint, which `elbo` on the command line loads as a run folder.
 */
import { encodeSafetensors, Generator, nn, vae, type Dataset } from "elbo";
import type { DigitBytes, FromWorker, ToWorker, TrainSettings } from "./protocol.js";
import { startThreads } from "./web-threads.js";

const post = (message: FromWorker, transfer: Transferable[] = []): void => postMessage(message, { transfer });

let stopRequested = false;

function datasetOf(digits: DigitBytes, count: number): Dataset {
  const pixels = digits.height * digits.width;
  const images = new Float32Array(count * pixels);
  for (let i = 0; i < images.length; i++) images[i] = (digits.pixels[i] as number) / 255;
  return { images, labels: digits.labels.slice(0, count), count, height: digits.height, width: digits.width, name: "mnist (bundled subset)" };
}

function runConfig(settings: TrainSettings, dataset: Dataset): vae.RunConfig {
  return {
    format: "elbo-run/1",
    model: {
      inputSize: dataset.height * dataset.width,
      height: dataset.height,
      width: dataset.width,
      hiddenSizes: settings.hiddenSizes,
      latentSize: settings.latentSize,
      likelihood: "bernoulli",
    },
    training: {
      data: "mnist",
      epochs: settings.epochs,
      batchSize: settings.batchSize,
      lr: settings.lr,
      beta: 1,
      warmupSteps: 0,
      binarize: "none",
      testSize: 1000,
      seed: settings.seed,
    },
  };
}

/** Lets a "stop" message that arrived during an epoch run its handler. */
const yieldToMessages = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

async function train(settings: TrainSettings, digits: DigitBytes): Promise<void> {
  const dataset = datasetOf(digits, Math.min(settings.examples, digits.count));
  const config = runConfig(settings, dataset);
  const model = vae.buildModel(config.model, settings.seed);
  if (model.kind !== "vae") throw new Error("the page trains VAEs only (model.kind is \"ae\")");
  const optimizer = new nn.Adam(model.parameters(), { lr: settings.lr });
  const generator = new Generator(settings.seed);
  const epochSteps = Math.ceil(dataset.count / settings.batchSize);
  const totalSteps = epochSteps * settings.epochs;
  const started = performance.now();
  let step = 0;
  let epoch = 0;
  let examples = 0;
  const speed = (): number => examples / ((performance.now() - started) / 1000);
  while (epoch < settings.epochs && !stopRequested) {
    vae.trainEpoch(model, optimizer, dataset, {
      objective: vae.elboObjective(),
      batchSize: settings.batchSize,
      generator,
      startStep: step,
      onStep: (info) => {
        examples += info.batchSize;
        post({ type: "step", step: info.step, totalSteps, loss: -info.terms.elbo, examplesPerSecond: speed() });
      },
    });
    step += epochSteps;
    epoch++;
    await yieldToMessages();
  }
  const seconds = (performance.now() - started) / 1000;
  const { tensors, metadata } = nn.captureCheckpoint({
    model,
    optimizer,
    generator,
    metadata: { epoch: String(epoch), step: String(step) },
  });
  const checkpoint = encodeSafetensors(tensors, metadata);
  const done: FromWorker = { type: "done", stopped: epoch < settings.epochs, steps: step, seconds, examplesPerSecond: speed(), config, checkpoint };
  post(done, [checkpoint.buffer]);
}

onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === "stop") {
    stopRequested = true;
    return;
  }
  stopRequested = false;
  train(message.settings, message.digits).catch((error: unknown) => {
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
  });
};

try {
  post({ type: "ready", ...startThreads(2) });
} catch (error) {
  post({ type: "error", message: `threads: ${error instanceof Error ? error.message : String(error)}` });
}
