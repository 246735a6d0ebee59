/**
 * The readers under seeded fuzzing (test/support/fuzz-cases.ts): 1,500 mutated inputs each of a
 * safetensors checkpoint (decoded, then restored into a VAE, Adam and a generator), a plain IDX
 * file and a gzipped one give a valid result or a typed error (SafetensorsError,
 * CheckpointError, IdxError), never another throw, and decode no more than the allocation bound.
 * scripts/fuzz.ts runs the same cases by the 100,000.
 */
import { describe, expect, it } from "vitest";
import { fuzz } from "../support/fuzz-cases.js";

describe("fuzzing the readers", () => {
  it("1,500 mutated inputs per reader: a valid result or a typed error, nothing else", () => {
    const { counts, failures } = fuzz(1500);
    expect(failures).toEqual([]);
    for (const kind of ["safetensors", "idx", "idx.gz"] as const) {
      expect(counts[kind]["other error"]).toBe(0);
      // Both outcomes occur: the mutations reach past the first check.
      expect(counts[kind]["typed error"]).toBeGreaterThan(300);
      expect(counts[kind].valid).toBeGreaterThan(0);
      expect(counts[kind].valid + counts[kind]["typed error"]).toBe(1500);
    }
  });
});
