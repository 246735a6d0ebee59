/**
 * The layering of DESIGN.md, checked on the import statements of src/: arrows point down only,
 * and nothing that tensor/, autograd/, nn/ or vae/ import (transitively) touches a node: module,
 * so the engine and the VAE run unchanged in a browser.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const src = join(import.meta.dirname, "..", "..", "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/** The module specifiers a file imports or re-exports. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+"([^"]+)"/gms)].map((m) => m[1] as string);
}

const files = sourceFiles(src);
const layerOf = (file: string): string => relative(src, file).split("/")[0] as string;
const resolveImport = (file: string, specifier: string): string => resolve(dirname(file), specifier.replace(/\.js$/, ".ts"));

/** What each layer may import besides itself (DESIGN.md, "Layers"). */
const allowed: Record<string, readonly string[]> = {
  tensor: [],
  autograd: ["tensor"],
  testing: ["tensor", "autograd"],
  nn: ["tensor", "autograd"],
  data: ["tensor"],
  io: ["tensor"],
  threads: ["tensor"],
  vae: ["tensor", "autograd", "nn", "data"],
  models: ["tensor", "autograd", "nn", "data"],
  experiments: ["tensor", "autograd", "nn", "data", "io", "vae", "models"],
  cli: ["tensor", "autograd", "nn", "data", "io", "threads", "vae", "models", "experiments", "index.ts"],
};

describe("layers", () => {
  it("every import points down (or within the layer)", () => {
    const violations: string[] = [];
    for (const file of files) {
      const layer = layerOf(file);
      const permitted = allowed[layer];
      if (!permitted) continue; // src/index.ts and src/node.ts are the entry points
      for (const specifier of importsOf(file)) {
        if (!specifier.startsWith(".")) continue;
        const target = layerOf(resolveImport(file, specifier));
        if (target !== layer && !permitted.includes(target)) violations.push(`${relative(src, file)} imports ${specifier} (${target})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it("the web page (web/src) imports the elbo entry only, besides its own files", () => {
    const web = join(src, "..", "web", "src");
    const strays = sourceFiles(web).flatMap((file) =>
      importsOf(file).filter((s) => s !== "elbo" && !s.startsWith("./")).map((s) => `${relative(web, file)} imports ${s}`),
    );
    expect(strays).toEqual([]);
    expect(sourceFiles(web).some((file) => importsOf(file).includes("elbo"))).toBe(true);
  });

  it("nothing reachable from the browser entry point imports a node: module", () => {
    const reached = new Set<string>();
    const stack = [join(src, "index.ts")];
    const nodeImports: string[] = [];
    while (stack.length > 0) {
      const file = stack.pop() as string;
      if (reached.has(file)) continue;
      reached.add(file);
      for (const specifier of importsOf(file)) {
        if (specifier.startsWith("node:")) nodeImports.push(`${relative(src, file)} imports ${specifier}`);
        else if (specifier.startsWith(".")) stack.push(resolveImport(file, specifier));
      }
    }
    expect(nodeImports).toEqual([]);
    // The entry point does reach the engine, the layers and the VAE (so the check means something).
    for (const layer of ["tensor", "autograd", "nn", "vae"]) expect([...reached].some((f) => layerOf(f) === layer)).toBe(true);
  });
});
