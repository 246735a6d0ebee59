/**
 * Seeded malformed inputs for the readers: a valid safetensors checkpoint, a plain IDX file and a
 * gzipped one, each mutated (bytes flipped, truncated, spliced, length fields overwritten). Each
 * case is fed to its reader, and its outcome is a valid result, a typed error, or (a bug) any
 * other throw. Shared by test/io/fuzz.test.ts and scripts/fuzz.ts; no vitest here.
 */
import { gzipSync } from "node:zlib";
import { decodeIdxFile, IdxError } from "../../src/data/index.js";
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from "../../src/io/safetensors.js";
import { Adam, captureCheckpoint, CheckpointError, restoreCheckpoint } from "../../src/nn/index.js";
import { Generator } from "../../src/tensor/index.js";
import { VAE } from "../../src/vae/index.js";

export type Kind = "safetensors" | "idx" | "idx.gz";
export type Outcome = "valid" | "typed error" | "other error";

/** Decoded arrays may never exceed this many times the input's size (the allocation bound). */
export const ALLOCATION_FACTOR = 8;
/** The IDX readers' size cap in the fuzz (a mutated header may not declare more). */
export const MAX_IDX_BYTES = 1 << 20;

function smallVae(): VAE {
  return new VAE({ inputSize: 6, hiddenSizes: [4], latentSize: 2, generator: new Generator(1) });
}

function idxBytes(): Uint8Array {
  const dims = [5, 3, 2];
  const out = new Uint8Array(4 + 4 * dims.length + 30);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, i) => new DataView(out.buffer).setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < 30; i++) out[4 + 4 * dims.length + i] = (i * 37) % 256;
  return out;
}

function checkpointBytes(): Uint8Array {
  const model = smallVae();
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  return encodeSafetensors(...((c) => [c.tensors, c.metadata] as const)(captureCheckpoint({ model, optimizer, generator: new Generator(2), metadata: { epoch: "1" } })));
}

const seeds: Record<Kind, Uint8Array> = { safetensors: checkpointBytes(), idx: idxBytes(), "idx.gz": gzipSync(idxBytes()) };

/** One mutation of `bytes`, chosen and placed by `g`. */
function mutate(bytes: Uint8Array, g: Generator): Uint8Array {
  const pick = (n: number): number => Math.floor(g.uniform() * n);
  const copy = Uint8Array.from(bytes);
  switch (pick(5)) {
    case 0: // flip up to 8 bytes
      for (let i = 1 + pick(8); i > 0; i--) copy[pick(copy.length)] = pick(256);
      return copy;
    case 1: // truncate
      return copy.subarray(0, pick(copy.length));
    case 2: { // splice in random bytes
      const at = pick(copy.length);
      const extra = Uint8Array.from({ length: 1 + pick(16) }, () => pick(256));
      return Uint8Array.from([...copy.subarray(0, at), ...extra, ...copy.subarray(at)]);
    }
    case 3: { // overwrite a 4-byte field (a length, a dimension, an offset) with an extreme value
      const at = pick(Math.max(1, Math.min(copy.length - 4, 64)));
      const value = [0, 1, 0x7fffffff, 0xffffffff, pick(2 ** 32)][pick(5)] as number;
      new DataView(copy.buffer).setUint32(Math.max(0, at), value, g.uniform() < 0.5);
      return copy;
    }
    default: // drop a run of bytes
      return Uint8Array.from([...copy.subarray(0, pick(copy.length)), ...copy.subarray(pick(copy.length))]);
  }
}

function bytesOf(result: unknown): number {
  const data = (result as { data?: ArrayBufferView }).data;
  return data ? data.byteLength : 0;
}

/** Feed one mutated input of `kind` to its reader. */
export function runCase(kind: Kind, seed: number): Outcome {
  const g = new Generator(seed + 1);
  const input = mutate(seeds[kind], g);
  try {
    if (kind === "safetensors") {
      const decoded = decodeSafetensors(input, "fuzz.safetensors");
      for (const [, t] of decoded.tensors) if (t.data.byteLength > ALLOCATION_FACTOR * input.length) return "other error";
      const model = smallVae();
      restoreCheckpoint(decoded, { model, optimizer: new Adam(model.parameters()), generator: new Generator(3) }, { source: "fuzz.safetensors" });
    } else {
      const array = decodeIdxFile(input, `fuzz.${kind}`, MAX_IDX_BYTES);
      if (bytesOf(array) > (kind === "idx" ? ALLOCATION_FACTOR * input.length : MAX_IDX_BYTES)) return "other error";
    }
    return "valid";
  } catch (error) {
    return error instanceof SafetensorsError || error instanceof CheckpointError || error instanceof IdxError ? "typed error" : "other error";
  }
}

/** Counts of each outcome over `count` cases per kind, and the first few other errors' seeds. */
export function fuzz(count: number, firstSeed = 0): { counts: Record<Kind, Record<Outcome, number>>; failures: string[] } {
  const kinds: Kind[] = ["safetensors", "idx", "idx.gz"];
  const counts = Object.fromEntries(kinds.map((k) => [k, { valid: 0, "typed error": 0, "other error": 0 }])) as Record<Kind, Record<Outcome, number>>;
  const failures: string[] = [];
  for (let i = 0; i < count; i++) {
    for (const kind of kinds) {
      const outcome = runCase(kind, firstSeed + i);
      counts[kind][outcome]++;
      if (outcome === "other error" && failures.length < 10) failures.push(`${kind} seed ${firstSeed + i}`);
    }
  }
  return { counts, failures };
}
