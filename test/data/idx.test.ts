import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { IDX_MAX_DIMS, parseIdx, type IdxType } from "../../src/data/idx.js";
import { concatBytes, encodeIdx, encodeIdxHeader, expectIdxError, IDX_TYPES, ITEM_SIZES, TYPE_CODES } from "./idx-helpers.js";

function valueArb(type: IdxType): fc.Arbitrary<number> {
  switch (type) {
    case "ubyte": return fc.integer({ min: 0, max: 255 });
    case "sbyte": return fc.integer({ min: -128, max: 127 });
    case "int16": return fc.integer({ min: -32768, max: 32767 });
    case "int32": return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case "float32": return fc.float();
    case "float64": return fc.double();
  }
}

const idxArb = fc.constantFrom(...IDX_TYPES).chain((type) =>
  fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }).chain((dims) => {
    const size = dims.reduce((a, b) => a * b, 1);
    return fc.array(valueArb(type), { minLength: size, maxLength: size }).map((values) => ({ type, dims, values }));
  }),
);

const sourceArb = fc.string({ minLength: 1, maxLength: 20 });

describe("parseIdx round trips", () => {
  it("decodes what the encoder wrote, for every type and shape", () => {
    fc.assert(
      fc.property(idxArb, ({ type, dims, values }) => {
        const parsed = parseIdx(encodeIdx(type, dims, values), "mem");
        expect(parsed.type).toBe(type);
        expect(parsed.dims).toEqual(dims);
        expect(Array.from(parsed.data)).toEqual(values);
      }),
    );
  });

  it("reads bytes that start at an unaligned offset of a larger buffer", () => {
    fc.assert(
      fc.property(idxArb, fc.integer({ min: 1, max: 7 }), ({ type, dims, values }, pad) => {
        const encoded = encodeIdx(type, dims, values);
        const padded = concatBytes(new Uint8Array(pad).fill(0xaa), encoded, new Uint8Array(pad).fill(0xbb));
        const parsed = parseIdx(padded.subarray(pad, pad + encoded.length), "mem");
        expect(Array.from(parsed.data)).toEqual(values);
      }),
    );
  });

  it("returns typed arrays of the declared type", () => {
    const kinds = { ubyte: Uint8Array, sbyte: Int8Array, int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array };
    for (const type of IDX_TYPES) expect(parseIdx(encodeIdx(type, [2], [1, 2]), "mem").data).toBeInstanceOf(kinds[type]);
  });

  it("accepts a zero dimension even beside dimensions whose product would overflow", () => {
    const parsed = parseIdx(encodeIdxHeader(0x0e, [2 ** 32 - 1, 2 ** 32 - 1, 0]), "mem");
    expect(parsed.dims).toEqual([2 ** 32 - 1, 2 ** 32 - 1, 0]);
    expect(parsed.data.length).toBe(0);
  });
});

describe("parseIdx rejects bad input with IdxError naming the source and an offset", () => {
  it("formats the length mismatch message", () => {
    const bytes = concatBytes(encodeIdxHeader(0x08, [60000, 28, 28]), new Uint8Array(1000));
    const error = expectIdxError(() => parseIdx(bytes, "train-images-idx3-ubyte.gz"), "train-images-idx3-ubyte.gz");
    expect(error.message).toBe("train-images-idx3-ubyte.gz: expected 47040000 data bytes after the 16-byte header, found 1000 (offset 16)");
    expect(error.offset).toBe(16);
  });

  it("every truncation of a valid file, at every byte", () => {
    fc.assert(
      fc.property(idxArb, sourceArb, ({ type, dims, values }, source) => {
        const bytes = encodeIdx(type, dims, values);
        for (let cut = 0; cut < bytes.length; cut++) {
          const error = expectIdxError(() => parseIdx(bytes.subarray(0, cut), source), source);
          expect(error.offset).toBeLessThanOrEqual(cut);
        }
      }),
      { numRuns: 50 },
    );
  });

  it("trailing bytes after the data", () => {
    fc.assert(
      fc.property(idxArb, fc.uint8Array({ minLength: 1, maxLength: 16 }), sourceArb, ({ type, dims, values }, extra, source) => {
        const headerSize = 4 + 4 * dims.length;
        const dataBytes = values.length * ITEM_SIZES[type];
        const error = expectIdxError(() => parseIdx(concatBytes(encodeIdx(type, dims, values), extra), source), source);
        expect(error.offset).toBe(headerSize);
        expect(error.message).toContain(`expected ${dataBytes} data bytes after the ${headerSize}-byte header, found ${dataBytes + extra.length}`);
      }),
    );
  });

  it("wrong magic", () => {
    const magicArb = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).filter(([a, b]) => a !== 0 || b !== 0);
    fc.assert(
      fc.property(idxArb, magicArb, sourceArb, ({ type, dims, values }, [b0, b1], source) => {
        const bytes = encodeIdx(type, dims, values);
        bytes[0] = b0;
        bytes[1] = b1;
        const error = expectIdxError(() => parseIdx(bytes, source), source);
        expect(error.offset).toBe(b0 !== 0 ? 0 : 1);
        expect(error.message).toContain("bad magic");
      }),
    );
  });

  it("a gzip stream handed in undecompressed says so", () => {
    const error = expectIdxError(() => parseIdx(gzipSync(encodeIdx("ubyte", [3], [1, 2, 3])), "x.gz"), "x.gz");
    expect(error.message).toContain("gzip");
  });

  it("unknown type byte", () => {
    const known = new Set(Object.values(TYPE_CODES));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }).filter((code) => !known.has(code)), sourceArb, (code, source) => {
        const bytes = concatBytes(encodeIdxHeader(code, [2]), new Uint8Array(8));
        const error = expectIdxError(() => parseIdx(bytes, source), source);
        expect(error.offset).toBe(2);
        expect(error.message).toContain("unknown data type");
      }),
    );
  });

  it("zero or too many dimensions", () => {
    const ndimsArb = fc.oneof(fc.constant(0), fc.integer({ min: IDX_MAX_DIMS + 1, max: 255 }));
    fc.assert(
      fc.property(ndimsArb, fc.constantFrom(...Object.values(TYPE_CODES)), fc.integer({ min: 0, max: 2048 }), sourceArb, (ndims, code, tail, source) => {
        const bytes = new Uint8Array(4 + tail);
        bytes[2] = code;
        bytes[3] = ndims;
        const error = expectIdxError(() => parseIdx(bytes, source), source);
        expect(error.offset).toBe(3);
      }),
    );
  });

  it("dimensions whose byte count overflows the safe integers", () => {
    const dimsArb = fc.array(fc.integer({ min: 2 ** 20, max: 2 ** 32 - 1 }), { minLength: 3, maxLength: 8 });
    fc.assert(
      fc.property(dimsArb, fc.constantFrom(...Object.values(TYPE_CODES)), fc.uint8Array({ maxLength: 64 }), sourceArb, (dims, code, data, source) => {
        const error = expectIdxError(() => parseIdx(concatBytes(encodeIdxHeader(code, dims), data), source), source);
        expect(error.message).toContain("overflow");
        expect(error.offset).toBeGreaterThanOrEqual(4 + 4);
        expect(error.offset).toBeLessThan(4 + 4 * dims.length);
      }),
    );
  });

  it("large dimensions with too little data, without allocating them", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 2 ** 16 }), { minLength: 1, maxLength: 3 }), sourceArb, (dims, source) => {
        const expected = dims.reduce((a, b) => a * b, 8);
        fc.pre(expected > 64);
        const bytes = concatBytes(encodeIdxHeader(0x0e, dims), new Uint8Array(64));
        const error = expectIdxError(() => parseIdx(bytes, source), source);
        expect(error.message).toContain(`expected ${expected} data bytes`);
      }),
    );
  });
});
