/**
 * The readers' fuzz at scale: `npx tsx scripts/fuzz.ts [cases per reader] [first seed]`
 * (default 34,000 per reader: 102,000 cases). The cases are those of test/io/fuzz.test.ts
 * (test/support/fuzz-cases.ts). Prints, per reader, how many inputs decoded, how many gave a
 * typed error and how many gave anything else (must be 0); exits 1 if any did.
 */
import { fuzz } from "../test/support/fuzz-cases.js";

const perReader = Number(process.argv[2] ?? 34_000);
const firstSeed = Number(process.argv[3] ?? 0);
if (!Number.isInteger(perReader) || perReader < 1 || !Number.isInteger(firstSeed)) {
  console.error("usage: npx tsx scripts/fuzz.ts [cases per reader] [first seed]");
  process.exit(2);
}
const started = performance.now();
const { counts, failures } = fuzz(perReader, firstSeed);
const seconds = (performance.now() - started) / 1000;
console.log(`${3 * perReader} cases (seeds ${firstSeed}-${firstSeed + perReader - 1} per reader) in ${seconds.toFixed(1)} s`);
for (const [kind, c] of Object.entries(counts)) console.log(`  ${kind.padEnd(12)} valid ${c.valid}, typed error ${c["typed error"]}, other error ${c["other error"]}`);
if (failures.length > 0) {
  console.log(`other errors at: ${failures.join(", ")}`);
  process.exit(1);
}
