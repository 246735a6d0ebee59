/**
 * The pictures of docs/elbo.md: every image link resolves to a PNG that exists (with its size
 * in the IHDR chunk), has alt text, and every PNG under docs/figures/ is shown somewhere (none
 * left behind by a renamed figure). `npm run docs:figures` writes them.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const docs = join(root, "docs");
const doc = readFileSync(join(docs, "elbo.md"), "utf8");
const links = [...doc.matchAll(/!\[([^\]]*)\]\(([^)\s]+)\)/g)].map((m) => ({ alt: m[1] as string, target: m[2] as string }));
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe("docs/elbo.md's figures", () => {
  it("links the figures docs/figures.ts writes: samples (mean and draw), reconstructions, interpolation, attribute vectors (1 -> 7, Fashion shirt -> dress), latent codes and map, AE vs VAE (digits, Fashion), loss terms, traversals, curves", () => {
    const names = links.map(({ target }) => target);
    for (const name of ["samples", "samples-draw", "samples-2d", "samples-beta0", "reconstructions", "interpolation", "attribute-1-to-7", "attribute-fashion-shirt-to-dress", "latent-2d", "latent-map-2d", "ae-vs-vae", "ae-vs-vae-fashion", "loss-terms", "traversal", "curves"]) {
      expect(names, `docs/elbo.md does not show figures/${name}.png`).toContain(`figures/${name}.png`);
    }
  });

  it("every image link resolves to a PNG with a positive width and height, and has alt text", () => {
    for (const { alt, target } of links) {
      expect(alt.trim().length, `${target} has no alt text`).toBeGreaterThan(0);
      expect(target, "image links are relative to docs/").not.toMatch(/^(\/|https?:)/);
      const path = resolve(docs, decodeURI(target));
      expect(existsSync(path), `${target} does not exist`).toBe(true);
      const bytes = readFileSync(path);
      expect([...bytes.subarray(0, 8)], `${target} is not a PNG`).toEqual(PNG_SIGNATURE);
      expect(bytes.subarray(12, 16).toString("latin1"), `${target}: first chunk`).toBe("IHDR");
      expect(bytes.readUInt32BE(16), `${target}: width`).toBeGreaterThan(0);
      expect(bytes.readUInt32BE(20), `${target}: height`).toBeGreaterThan(0);
    }
  });

  it("shows every PNG under docs/figures/", () => {
    const shown = new Set(links.map(({ target }) => resolve(docs, decodeURI(target))));
    const files = readdirSync(join(docs, "figures")).filter((f) => f.endsWith(".png"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(shown.has(join(docs, "figures", file)), `docs/figures/${file} is not linked from docs/elbo.md`).toBe(true);
  });
});
