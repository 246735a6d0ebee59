/**
 * FileError, DatasetError and RunFolderError share one base, PathError: each keeps its own name
 * (what users catch and what messages print), the message `path: problem` and `path`.
 */
import { describe, expect, it } from "vitest";
import { DatasetError } from "../../src/data/idx-file.js";
import { FileError } from "../../src/io/files.js";
import { PathError } from "../../src/tensor/path-error.js";
import { RunFolderError } from "../../src/vae/run-config.js";

describe("PathError", () => {
  it.each([
    ["FileError", new FileError("runs/a/model.safetensors", "cannot open", "ENOENT")],
    ["DatasetError", new DatasetError("data/train.idx", "not found")],
    ["RunFolderError", new RunFolderError("runs/a/config.json", "not a JSON object")],
  ] as const)("%s is a PathError with its own name, the path, and `path: problem`", (name, error) => {
    expect(error).toBeInstanceOf(PathError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message.startsWith(`${error.path}: `)).toBe(true);
    expect(String(error)).toMatch(new RegExp(`^${name}: ${error.path}: `));
  });

  it("keeps the problem text and FileError's system code", () => {
    const error = new FileError("runs/a/model.safetensors", "cannot open", "ENOENT");
    expect([error.path, error.message, error.code]).toEqual(["runs/a/model.safetensors", "runs/a/model.safetensors: cannot open", "ENOENT"]);
    expect(new DatasetError("d", "not found").message).toBe("d: not found");
    expect(new FileError("f", "cannot write").code).toBeUndefined();
    expect(new RunFolderError("f", "x")).not.toBeInstanceOf(DatasetError);
  });
});
