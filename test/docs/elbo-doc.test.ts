/**
 * docs/elbo.md and the code point at each other. The doc numbers its equations with \tag{N}, and
 * under each one a line "**Code (eq. N):**" names the functions that implement it as
 * `src/<file>.ts: <name>`. This test fails when
 * - a referenced file or exported name no longer exists;
 * - the doc comment of a function named under eq. N does not cite "eq. N";
 * - the equations are not numbered 1, 2, 3, ... or one has no Code line;
 * - a doc comment in src/vae cites an equation the doc does not have, or the doc never names
 *   the function whose comment cites it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const doc = readFileSync(join(root, "docs/elbo.md"), "utf8");

interface Reference {
  file: string;
  name: string;
}

const REFERENCE = /`(src\/[\w./-]+\.ts): (\w+)`/g;

function referencesIn(text: string): Reference[] {
  return [...text.matchAll(REFERENCE)].map((m) => ({ file: m[1] as string, name: m[2] as string }));
}

/** Equation numbers cited in a comment: "eq. 7", "eqs. 7-8", "eqs. 9 and 10", "eqs. 4, 6 and 11". */
function citedEquations(comment: string): number[] {
  const out: number[] = [];
  for (const match of comment.matchAll(/\beqs?\.\s*(\d+(?:\s*(?:,|and|-|–)\s*\d+)*)\b/g)) {
    const list = match[1] as string;
    for (const part of list.split(/\s*(?:,|and)\s*/)) {
      const range = part.split(/\s*[-–]\s*/).map(Number);
      const [from, to] = [range[0] as number, range[range.length - 1] as number];
      for (let n = from; n <= to; n++) out.push(n);
    }
  }
  return out;
}

/** Doc comments attached to exported declarations of a source file, by name. */
function exportedDocComments(source: string): Map<string, string> {
  const out = new Map<string, string>();
  const pattern = /\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*export\s+(?:abstract\s+)?(?:async\s+)?(?:function|class|const|let)\s+(\w+)/g;
  for (const match of source.matchAll(pattern)) out.set(match[2] as string, match[1] as string);
  return out;
}

/** eq. N → the references on its "**Code (eq. N):**" line. */
function codeLines(): Map<number, Reference[]> {
  const out = new Map<number, Reference[]>();
  for (const match of doc.matchAll(/^\*\*Code \(eq\. (\d+)\):\*\*(.*)$/gm)) {
    const n = Number(match[1]);
    expect(out.has(n), `eq. ${n} has two Code lines`).toBe(false);
    out.set(n, referencesIn(match[2] as string));
  }
  return out;
}

const tags = [...doc.matchAll(/\\tag\{(\d+)\}/g)].map((m) => Number(m[1]));

describe("docs/elbo.md", () => {
  it("numbers its equations 1, 2, 3, ... and gives each one a Code line naming at least one function", () => {
    expect(tags.length).toBeGreaterThanOrEqual(15);
    expect(tags).toEqual(tags.map((_, i) => i + 1));
    const lines = codeLines();
    expect([...lines.keys()].sort((a, b) => a - b)).toEqual(tags);
    for (const [n, refs] of lines) expect(refs.length, `eq. ${n}`).toBeGreaterThan(0);
  });

  it("refers only to files that exist and names they export", async () => {
    const refs = referencesIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const { file, name } of refs) {
      const path = join(root, file);
      expect(existsSync(path), `${file} does not exist`).toBe(true);
      const module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
      expect(typeof module[name], `${file} does not export ${name}`).toBe("function");
    }
  });

  it("names, under each equation, functions whose doc comments cite that equation", () => {
    for (const [n, refs] of codeLines()) {
      for (const { file, name } of refs) {
        const comment = exportedDocComments(readFileSync(join(root, file), "utf8")).get(name);
        expect(comment, `${file}: ${name} has no doc comment`).toBeDefined();
        expect(citedEquations(comment ?? ""), `${file}: ${name}'s doc comment should cite eq. ${n}`).toContain(n);
      }
    }
  });

  it("is cited correctly from src/vae: every cited equation exists and the doc names every citing function", () => {
    const named = new Set(referencesIn(doc).map(({ file, name }) => `${file}: ${name}`));
    const dir = join(root, "src/vae");
    let citing = 0;
    for (const entry of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const source = readFileSync(join(dir, entry), "utf8");
      for (const n of citedEquations(source)) expect(tags, `src/vae/${entry} cites eq. ${n}`).toContain(n);
      for (const [name, comment] of exportedDocComments(source)) {
        if (citedEquations(comment).length === 0) continue;
        citing++;
        expect(named.has(`src/vae/${entry}: ${name}`), `docs/elbo.md never names src/vae/${entry}: ${name}, which cites it`).toBe(true);
      }
    }
    expect(citing).toBeGreaterThanOrEqual(10);
  });

  it("parses the citation forms the source uses", () => {
    expect(citedEquations("(eq. 7) and eq. 12")).toEqual([7, 12]);
    expect(citedEquations("eqs. 7-8; eqs. 9 and 10; eqs. 4, 6 and 11")).toEqual([7, 8, 9, 10, 4, 6, 11]);
    expect(citedEquations("no equation here, eq.5x")).toEqual([]);
  });
});
