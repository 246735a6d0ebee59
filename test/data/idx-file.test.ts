import fc from "fast-check";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { readIdxFile } from "../../src/data/idx-file.js";
import { concatBytes, encodeIdx, encodeIdxHeader, expectIdxError } from "./idx-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "elbo-idx-file-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNumber = 0;
function writeTemp(bytes: Uint8Array, name = `f${fileNumber++}`): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const ubyteArb = fc
  .array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 })
  .chain((dims) => {
    const size = dims.reduce((a, b) => a * b, 1);
    return fc.uint8Array({ minLength: size, maxLength: size }).map((data) => ({ dims, data }));
  });

describe("readIdxFile", () => {
  it("reads plain and gzipped files, detecting gzip by its magic bytes, not the name", () => {
    fc.assert(
      fc.property(ubyteArb, fc.boolean(), fc.boolean(), ({ dims, data }, gzip, gzName) => {
        const encoded = encodeIdx("ubyte", dims, data);
        const path = writeTemp(gzip ? gzipSync(encoded) : encoded, `r${fileNumber++}${gzName ? ".gz" : ""}`);
        const parsed = readIdxFile(path);
        expect(parsed.type).toBe("ubyte");
        expect(parsed.dims).toEqual(dims);
        expect(Array.from(parsed.data)).toEqual(Array.from(data));
      }),
      { numRuns: 30 },
    );
  });

  it("names the path in parse errors, with offsets into the decompressed content", () => {
    const bytes = concatBytes(encodeIdxHeader(0x08, [10, 2]), new Uint8Array(5));
    const path = writeTemp(gzipSync(bytes), "short.gz");
    const error = expectIdxError(() => readIdxFile(path), path);
    expect(error.offset).toBe(12);
    expect(error.message).toContain("expected 20 data bytes after the 12-byte header, found 5");
  });

  it("refuses a file larger than maxBytes before reading it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 1, max: 4000 }), (size, maxBytes) => {
        const path = writeTemp(encodeIdx("ubyte", [size], new Uint8Array(size)));
        if (size + 8 <= maxBytes) {
          expect(readIdxFile(path, { maxBytes }).data.length).toBe(size);
        } else {
          expect(expectIdxError(() => readIdxFile(path, { maxBytes }), path).message).toContain("maxBytes");
        }
      }),
      { numRuns: 30 },
    );
  });

  it("bounds decompression by maxBytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20000 }), fc.integer({ min: 1, max: 20000 }), (size, maxBytes) => {
        const gz = gzipSync(encodeIdx("ubyte", [size], new Uint8Array(size)));
        const path = writeTemp(gz);
        if (size + 8 <= maxBytes && gz.length <= maxBytes) {
          expect(readIdxFile(path, { maxBytes }).data.length).toBe(size);
        } else {
          expect(expectIdxError(() => readIdxFile(path, { maxBytes }), path).message).toContain("maxBytes");
        }
      }),
      { numRuns: 30 },
    );
  });

  it("stops a gzip bomb (64 MiB of zeros in ~64 KiB) at maxBytes", () => {
    const bomb = gzipSync(concatBytes(encodeIdxHeader(0x08, [2 ** 26]), new Uint8Array(2 ** 26)), { level: 9 });
    expect(bomb.length).toBeLessThan(2 ** 17);
    const path = writeTemp(bomb, "bomb.gz");
    const error = expectIdxError(() => readIdxFile(path, { maxBytes: 2 ** 20 }), path);
    // Refused from the header alone, before the stream is inflated.
    expect(error.message).toContain(`the header declares ${2 ** 26 + 8} bytes, more than the limit of 1048576`);
  });

  it("inflates a gzip no further than its IDX header declares: 1 GiB of zeros in ~1 MB behind a 10-image header", () => {
    // 64 gzip members of 16 MiB of zeros each (one stream, as gunzip reads concatenated members).
    const zeros = gzipSync(new Uint8Array(2 ** 24), { level: 9 });
    const header = gzipSync(encodeIdxHeader(0x08, [10, 28, 28]));
    const bomb = concatBytes(header, ...Array.from({ length: 64 }, () => zeros));
    expect(bomb.length).toBeLessThan(2 ** 21);
    const path = writeTemp(bomb, "bomb1g.gz");
    const before = process.memoryUsage().arrayBuffers;
    const error = expectIdxError(() => readIdxFile(path), path);
    expect(error.message).toContain(`gzip content is longer than the ${16 + 7840} bytes its IDX header declares`);
    // Only the compressed file and a few KB of output were allocated (not the 1 GiB the default cap allows).
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 2 ** 20);
  });

  it("reports a corrupt or truncated gzip stream as an IdxError", () => {
    const gz = gzipSync(encodeIdx("ubyte", [100], new Uint8Array(100).fill(7)));
    const truncated = writeTemp(gz.subarray(0, gz.length - 6));
    expect(expectIdxError(() => readIdxFile(truncated), truncated).message).toContain("invalid gzip stream");
    const corrupt = Uint8Array.from(gz);
    corrupt.fill(0xff, 10, 20);
    const corruptPath = writeTemp(corrupt);
    expect(expectIdxError(() => readIdxFile(corruptPath), corruptPath).message).toContain("invalid gzip stream");
  });

  it("rejects directories, missing files and a bad maxBytes", () => {
    const sub = join(dir, "a-directory");
    mkdirSync(sub);
    expect(expectIdxError(() => readIdxFile(sub), sub).message).toContain("not a regular file");
    expect(() => readIdxFile(join(dir, "missing"))).toThrow(/missing/);
    const path = writeTemp(encodeIdx("ubyte", [1], [1]));
    for (const maxBytes of [0, -1, 1.5, Number.NaN]) expect(() => readIdxFile(path, { maxBytes })).toThrow(RangeError);
  });
});
