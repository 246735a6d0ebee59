import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  loadSafetensors,
  FileError,
  readFileChecked,
  saveSafetensors,
  saveSafetensorsSync,
  writeFileAtomic,
  writeFileAtomicSync,
} from "../../src/io/files.js";
import { SafetensorsError } from "../../src/io/safetensors.js";
import { NDArray } from "../../src/tensor/ndarray.js";

const root = mkdtempSync(join(tmpdir(), "elbo-files-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A fresh, empty directory for one test. */
function freshDir(): string {
  const dir = join(root, `case-${counter++}`);
  mkdirSync(dir);
  return dir;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const tempFiles = (dir: string): string[] => readdirSync(dir).filter((name) => name.endsWith(".tmp"));

describe("writeFileAtomic", () => {
  for (const [variant, write] of [
    ["async", writeFileAtomic],
    ["sync", async (path: string, bytes: Uint8Array) => writeFileAtomicSync(path, bytes)],
  ] as const) {
    it(`${variant}: creates a file, then replaces its content, leaving no temp file`, async () => {
      const dir = freshDir();
      const path = join(dir, "model.safetensors");
      await write(path, text("old content, longer than the new"));
      expect(readFileSync(path, "utf8")).toBe("old content, longer than the new");
      await write(path, text("new"));
      expect(readFileSync(path, "utf8")).toBe("new");
      expect(readdirSync(dir)).toEqual(["model.safetensors"]);
    });

    it(`${variant}: fails cleanly when the directory is missing`, async () => {
      const dir = freshDir();
      const path = join(dir, "missing", "model.safetensors");
      // The error names the user's path, not the temp file.
      await expect(write(path, text("x"))).rejects.toThrow(`${path}: cannot write: no such file or directory (ENOENT)`);
      expect(readdirSync(dir)).toEqual([]);
    });

    it(`${variant}: a replaced file keeps its permission bits`, async () => {
      const path = join(freshDir(), "private.png");
      writeFileSync(path, "old", { mode: 0o600 });
      chmodSync(path, 0o600);
      await write(path, text("new"));
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readFileSync(path, "utf8")).toBe("new");
    });

    it(`${variant}: removes its temp file when the rename fails, leaving the target intact`, async () => {
      const dir = freshDir();
      // The target is a non-empty directory: the temp file is written, then the rename fails.
      const path = join(dir, "model.safetensors");
      mkdirSync(path);
      writeFileSync(join(path, "keep"), "kept");
      await expect(write(path, text("x"))).rejects.toThrow();
      expect(tempFiles(dir)).toEqual([]);
      expect(readFileSync(join(path, "keep"), "utf8")).toBe("kept");
    });
  }

  it("concurrent writes to one path each use their own temp file; one of them wins", async () => {
    const dir = freshDir();
    const path = join(dir, "ckpt");
    const contents = Array.from({ length: 8 }, (_, i) => `writer ${i} `.repeat(1000));
    await Promise.all(contents.map((content) => writeFileAtomic(path, text(content))));
    expect(contents).toContain(readFileSync(path, "utf8"));
    expect(tempFiles(dir)).toEqual([]);
  });
});

describe("readFileChecked", () => {
  it("reads a file up to and at the limit", () => {
    const path = join(freshDir(), "data.bin");
    writeFileSync(path, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    const bytes = readFileChecked(path, 10);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...bytes]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(readFileChecked(path, 100).length).toBe(10);
  });

  it("refuses a file larger than the limit, naming the file and both sizes", () => {
    const path = join(freshDir(), "big.bin");
    writeFileSync(path, new Uint8Array(11));
    expect(() => readFileChecked(path, 10)).toThrow(`${path}: file is 11 bytes, more than the limit of 10 bytes`);
  });

  it("refuses a directory and reports a missing file by path", () => {
    const dir = freshDir();
    expect(() => readFileChecked(dir, 1 << 20)).toThrow(`${dir}: is a directory, not a file`);
    expect(() => readFileChecked(join(dir, "absent"), 10)).toThrow(`${join(dir, "absent")}: cannot open: no such file or directory (ENOENT)`);
    expect(() => readFileChecked(dir, 1 << 20)).toThrow(FileError);
    expect(() => readFileChecked(join(dir, "absent"), 10)).toThrow(FileError);
  });

  it("reads an empty file", () => {
    const path = join(freshDir(), "empty");
    writeFileSync(path, "");
    expect(readFileChecked(path, 0).length).toBe(0);
  });
});

describe("saveSafetensors / loadSafetensors", () => {
  const tensors = new Map([
    ["encoder.weight", new NDArray(Float32Array.from([1, -2, 3.5, Number.NaN, -0, Infinity]), [2, 3])],
    ["encoder.bias", new NDArray(Float64Array.from([0.25, -1e-300]), [2])],
  ]);

  it("round-trips tensors and metadata through a file, sync and async", async () => {
    const dir = freshDir();
    await saveSafetensors(join(dir, "a.safetensors"), tensors, { epoch: "3" });
    saveSafetensorsSync(join(dir, "b.safetensors"), tensors, { epoch: "3" });
    for (const name of ["a.safetensors", "b.safetensors"]) {
      const loaded = loadSafetensors(join(dir, name));
      expect(loaded.metadata).toEqual({ epoch: "3" });
      expect([...loaded.tensors.keys()]).toEqual(["encoder.weight", "encoder.bias"]);
      expect(loaded.tensors.get("encoder.weight")?.data).toEqual(tensors.get("encoder.weight")?.data);
      expect(loaded.tensors.get("encoder.bias")?.data).toEqual(tensors.get("encoder.bias")?.data);
    }
    expect(readFileSync(join(dir, "a.safetensors"))).toEqual(readFileSync(join(dir, "b.safetensors")));
  });

  it("names the file in a decoding error and in a size refusal", async () => {
    const dir = freshDir();
    const path = join(dir, "model.safetensors");
    await saveSafetensors(path, tensors);
    const good = readFileSync(path);
    writeFileSync(path, good.subarray(0, good.length - 1));
    expect(() => loadSafetensors(path)).toThrow(SafetensorsError);
    expect(() => loadSafetensors(path)).toThrow(new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: `));
    expect(() => loadSafetensors(path, 16)).toThrow(`${path}: file is ${good.length - 1} bytes, more than the limit of 16 bytes`);
  });
});
