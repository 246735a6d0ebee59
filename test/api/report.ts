/**
 * The API report: every public name of the package's entry points, as a checked-in text file
 * (`test/api/public-api.txt`), in the spirit of api-extractor's report. `public-api.test.ts`
 * fails when a name appears or disappears without the report saying so; after a deliberate
 * change, `npm run api:update` rewrites the report, and the diff is reviewed with the change.
 *
 * Each line is `entry  kind  name`; the members of exported namespaces (`nn.Linear`) are listed
 * too. Types count: removing an exported interface breaks users as surely as removing a function.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const root = join(import.meta.dirname, "..", "..");

/** The package's entry points (package.json "exports") and the source file of each. */
export const ENTRY_POINTS: Readonly<Record<string, string>> = {
  elbo: "src/index.ts",
  "elbo/node": "src/node.ts",
  "elbo/testing": "src/testing.ts",
};

export const REPORT_PATH = join(root, "test", "api", "public-api.txt");

function kindOf(symbol: ts.Symbol): string {
  const flags = symbol.flags;
  if (flags & ts.SymbolFlags.Class) return "class";
  if (flags & ts.SymbolFlags.Function) return "function";
  if (flags & ts.SymbolFlags.Enum) return "enum";
  if (flags & (ts.SymbolFlags.ValueModule | ts.SymbolFlags.NamespaceModule)) return "namespace";
  if (flags & ts.SymbolFlags.Variable) return "const";
  if (flags & ts.SymbolFlags.Interface) return "interface";
  if (flags & ts.SymbolFlags.TypeAlias) return "type";
  return "other";
}

/** The report's lines for every entry point, sorted within each entry. */
export function apiReport(): string {
  const files = Object.values(ENTRY_POINTS).map((file) => join(root, file));
  const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, noLib: true, types: [], skipLibCheck: true };
  const program = ts.createProgram(files, options);
  const checker = program.getTypeChecker();
  const lines: string[] = [];
  for (const [entry, file] of Object.entries(ENTRY_POINTS)) {
    const source = program.getSourceFile(join(root, file));
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`api report: cannot read the exports of ${file}`);
    const entryLines: string[] = [];
    const list = (symbol: ts.Symbol, prefix: string): void => {
      for (const exported of checker.getExportsOfModule(symbol)) {
        const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        const kind = kindOf(target);
        const name = prefix + exported.getName();
        entryLines.push(`${entry.padEnd(12)} ${kind.padEnd(9)} ${name}`);
        if (kind === "namespace") list(target, `${name}.`);
      }
    };
    list(moduleSymbol, "");
    lines.push(...entryLines.sort((a, b) => (a.split(/\s+/)[2] as string).localeCompare(b.split(/\s+/)[2] as string, "en")));
  }
  return `${lines.join("\n")}\n`;
}

export function checkedInReport(): string {
  return readFileSync(REPORT_PATH, "utf8");
}

// `npm run api:update`: rewrite the report from the sources.
if (process.argv[1] && import.meta.filename === process.argv[1]) {
  writeFileSync(REPORT_PATH, apiReport());
  console.log(`wrote ${REPORT_PATH}`);
}
