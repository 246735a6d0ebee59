/** vaeVsGan on 600 digits: seeded snapshots of both models' samples, judged, and the figure's layout. */
import { describe, expect, it } from "vitest";
import { loadBundledMnist, subset } from "../../src/data/index.js";
import { vaeVsGan, vaeVsGanPng } from "../../src/experiments/vae-vs-gan.js";

describe("vaeVsGan", () => {
  const digits = subset(loadBundledMnist(), Array.from({ length: 600 }, (_, i) => i * 16));
  // A stand-in judge: the mean pixel of the batch.
  const quality = (images: { data: ArrayLike<number> }): number => Array.from(images.data).reduce((a, b) => a + b, 0) / images.data.length;

  it("keeps samples of both models at the asked epochs, judged, and repeats with the seed", () => {
    const lines: string[] = [];
    const run = () => vaeVsGan(digits, { epochs: 2, snapshotEpochs: [1, 2], seed: 3, samples: 16, batchSize: 100, quality, onEpoch: (l) => lines.push(l) });
    const snapshots = run();
    expect(snapshots.map((s) => s.epoch)).toEqual([1, 2]);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^epoch 2\/2: VAE train ELBO -\d+\.\d\d; GAN D loss \d\.\d{3}, G loss \d+\.\d{3}$/);
    for (const s of snapshots) {
      expect(s.vae.images).toHaveLength(16 * 784);
      expect(s.gan.images).toHaveLength(16 * 784);
      expect(s.vae.quality).toBeCloseTo(quality({ data: s.vae.images }), 6);
      expect(s.gan.quality).toBeCloseTo(quality({ data: s.gan.images }), 6);
    }
    expect(Array.from(run()[1]?.gan.images ?? [])).toEqual(Array.from(snapshots[1]?.gan.images ?? []));
    const png = vaeVsGanPng(snapshots, digits, "mean pixel");
    const view = new DataView(png.buffer, png.byteOffset);
    // Two 8-wide grids of 57-px cells (+1 border) and three 24-px gaps; two rows of 2x57+1 + 22 + 24, plus 24.
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([2 * (8 * 57 + 1) + 3 * 24, 2 * (2 * 57 + 1 + 22 + 24) + 24]);
    expect(() => vaeVsGan(digits, { epochs: 1, snapshotEpochs: [2], seed: 0, quality })).toThrow(/snapshot epoch 2 is outside 1\.\.1/);
  });
});
