/**
 * No import cycles in src/: a module never reaches itself through its imports (value imports;
 * `import type` is erased at compile time and cannot make a cycle at run time). A cycle means
 * load order decides whether a class is defined when another module's top level runs, and two
 * files that can only be understood together.
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

/** The src/ files a file imports at run time (type-only imports and exports left out). */
function valueImportsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s+"(\.[^"]+)"/gms)]
    .filter((m) => m[2] === undefined && hasValueName(m[3] as string))
    .map((m) => resolve(dirname(file), (m[4] as string).replace(/\.js$/, ".ts")));
}

/** `{ a, type B }` names a value unless every name in it is marked `type`. */
function hasValueName(clause: string): boolean {
  const braces = /^\{([^}]*)\}$/s.exec(clause.trim());
  if (!braces) return true;
  return (braces[1] as string).split(",").map((name) => name.trim()).some((name) => name !== "" && !name.startsWith("type "));
}

/** Every cycle found by a depth-first walk, each as the files around it. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    path.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === "open") cycles.push([...path.slice(path.indexOf(next)), next].map((f) => relative(src, f)));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

describe("import cycles", () => {
  it("no module of src/ reaches itself through its imports", () => {
    const graph = new Map(sourceFiles(src).map((file) => [file, valueImportsOf(file)]));
    expect(findCycles(graph).map((cycle) => cycle.join(" -> "))).toEqual([]);
  });

  it("the check finds a cycle where there is one, and reads type-only imports as none", () => {
    const [a, b, c] = ["a.ts", "b.ts", "c.ts"].map((name) => join(src, "autograd", name)) as [string, string, string];
    expect(findCycles(new Map([[a, [b]], [b, [c]], [c, [a]]]))).toEqual([["autograd/a.ts", "autograd/b.ts", "autograd/c.ts", "autograd/a.ts"]]);
    expect(findCycles(new Map([[a, [b]], [b, [c]], [c, []]]))).toEqual([]);
    expect(hasValueName("{ type Tensor, type Shape }")).toBe(false);
    expect(hasValueName("{ type Tensor, apply }")).toBe(true);
    expect(hasValueName("* as F")).toBe(true);
  });
});
