/**
 * Forward values of every op-spec row, in float64 and float32, against the float64 reference
 * loops; and the table's coverage of the op table.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ops } from "../../src/autograd/index.js";
import type { DType } from "../../src/tensor/index.js";
import { runs } from "../support/arbitraries.js";
import { expectAllClose, forwardTolerance } from "../support/compare.js";
import { compositeNames, inputTensors, opSpecs, referenceInputs } from "./op-spec.js";

describe("the op-spec table", () => {
  it("has exactly one row per primitive of the op table", () => {
    const primitiveRows = opSpecs.filter((s) => s.kind === "primitive").map((s) => s.name);
    for (const name of Object.keys(ops)) expect(primitiveRows, `no spec row for primitive "${name}"`).toContain(name);
    expect([...primitiveRows].sort()).toEqual(Object.keys(ops).sort());
  });

  it("has exactly one row per composite", () => {
    const compositeRows = opSpecs.filter((s) => s.kind === "composite").map((s) => s.name);
    for (const name of compositeNames) expect(compositeRows, `no spec row for composite "${name}"`).toContain(name);
    expect([...compositeRows].sort()).toEqual([...compositeNames].sort());
  });

  it.each(opSpecs.filter((s) => s.kind === "primitive"))("row $name runs the primitive of that name", (spec) => {
    const op = ops[spec.name as keyof typeof ops];
    fc.assert(
      fc.property(spec.cases, (c) => {
        const out = c.run(inputTensors(c, "float64", true));
        expect(out.node?.op).toBe(op);
      }),
      runs(5),
    );
  });
});

const dtypes: DType[] = ["float64", "float32"];

describe.each(opSpecs)("$name forward", (spec) => {
  it.each(dtypes)("matches the float64 reference in %s, without touching its inputs", (dtype) => {
    fc.assert(
      fc.property(spec.cases, (c) => {
        const xs = inputTensors(c, dtype);
        const before = xs.map((x) => Array.from(x.data));
        const out = c.run(xs);
        const want = c.reference(referenceInputs(c, dtype));
        const outDtype = c.outDtype?.(dtype) ?? dtype;
        expect(out.dtype).toBe(outDtype);
        expect([...out.shape]).toEqual(want.shape);
        expectAllClose(out.data, want.data, forwardTolerance[outDtype], spec.name);
        xs.forEach((x, i) => expect(Array.from(x.data), `input ${i} was modified`).toEqual(before[i]));
      }),
      runs(spec.numRuns ?? 25),
    );
  });
});
