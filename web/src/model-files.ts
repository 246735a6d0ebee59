/**
 * A trained model for the page: a run folder's `config.json` + `model.safetensors`, handed in
 * by the file picker or by drag-and-drop, or fetched (the bundled 2-D model). Both files are
 * untrusted: the config is validated field by field, the checkpoint by `decodeSafetensors`
 * (sizes checked before anything is allocated) and by `restoreRun` (every name and shape).
 */
import { decodeSafetensors, vae } from "elbo";

export interface LoadedModel {
  name: string;
  config: vae.RunConfig;
  model: vae.VAE;
}

/** The largest config.json the page reads (as the CLI's limit for JSON files). */
const MAX_CONFIG_BYTES = 16 << 20;

function parseConfigText(text: string, source: string): vae.RunConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return vae.parseRunConfig(value, source);
}

/** A model from the two files' contents; `configSource` and `checkpointSource` name them in errors. */
export function modelFromBytes(name: string, configText: string, configSource: string, checkpoint: Uint8Array, checkpointSource: string): LoadedModel {
  const config = parseConfigText(configText, configSource);
  const decoded = decodeSafetensors(checkpoint, checkpointSource);
  try {
    const model = vae.restoreRun(config, decoded);
    if (model.kind !== "vae") throw new Error(`an autoencoder run (model.kind "ae"); the page shows VAEs`);
    return { name, config, model };
  } catch (error) {
    throw new Error(`${checkpointSource} does not fit ${configSource}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The model in a set of files (a picker's or a drop's): one config.json and one .safetensors. */
export async function modelFromFiles(files: readonly File[]): Promise<LoadedModel> {
  const configs = files.filter((file) => file.name.endsWith(".json"));
  const checkpoints = files.filter((file) => file.name.endsWith(".safetensors"));
  const named = files.map((file) => file.name).join(", ") || "no files";
  if (configs.length !== 1 || checkpoints.length !== 1) {
    throw new Error(`choose a run folder's config.json and model.safetensors together (got ${named})`);
  }
  const [config, checkpoint] = [configs[0] as File, checkpoints[0] as File];
  if (config.size > MAX_CONFIG_BYTES) throw new Error(`${config.name}: ${config.size} bytes, more than a config.json may hold (${MAX_CONFIG_BYTES})`);
  const bytes = new Uint8Array(await checkpoint.arrayBuffer());
  return modelFromBytes(`${checkpoint.name} + ${config.name}`, await config.text(), config.name, bytes, checkpoint.name);
}

/** The model of a run folder served at `base` (e.g. "bundled/"). */
export async function modelFromUrl(name: string, base: string): Promise<LoadedModel> {
  const fetchOk = async (file: string): Promise<Response> => {
    const response = await fetch(`${base}${file}`);
    if (!response.ok) throw new Error(`${base}${file}: HTTP ${response.status}`);
    return response;
  };
  const [config, checkpoint] = await Promise.all([fetchOk("config.json"), fetchOk("model.safetensors")]);
  return modelFromBytes(name, await config.text(), `${base}config.json`, new Uint8Array(await checkpoint.arrayBuffer()), `${base}model.safetensors`);
}
