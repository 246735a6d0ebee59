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
  it("links at least the five figures of what exists today (samples, reconstructions, interpolation, latent map, curves)", () => {
    expect(links.length).toBeGreaterThanOrEqual(5);
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
