import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeSafetensors, encodeSafetensors, MAX_HEADER_BYTES, SafetensorsError } from "../../src/io/safetensors.js";
import { NDArray } from "../../src/tensor/ndarray.js";

const bytesOf = (array: NDArray): Uint8Array => new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);

/** A file with the given header text (padded to 8 bytes unless `pad` is false) and data section. */
function rawFile(header: string | object, data: Uint8Array | number = 0, pad = true): Uint8Array {
  let json = new TextEncoder().encode(typeof header === "string" ? header : JSON.stringify(header));
  if (pad && json.length % 8 !== 0) json = Uint8Array.from([...json, ...new Array<number>(8 - (json.length % 8)).fill(0x20)]);
  const body = typeof data === "number" ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

const f32 = (shape: number[], begin: number, end: number): object => ({ dtype: "F32", shape, data_offsets: [begin, end] });

/** Decoding must succeed or throw a SafetensorsError; any other error fails the test. */
function outcome(bytes: Uint8Array): "ok" | SafetensorsError {
  try {
    decodeSafetensors(bytes);
    return "ok";
  } catch (error) {
    if (error instanceof SafetensorsError) return error;
    throw error;
  }
}

function decodeError(bytes: Uint8Array, source = "<bytes>"): string {
  try {
    decodeSafetensors(bytes, source);
  } catch (error) {
    expect(error).toBeInstanceOf(SafetensorsError);
    const message = (error as Error).message;
    expect(message.startsWith(`${source}: `)).toBe(true);
    return message;
  }
  throw new Error("expected decodeSafetensors to throw");
}

// Tensors whose elements are arbitrary bit patterns, so NaN payloads, ±Inf, -0 and subnormals occur.
const nameArb = fc
  .oneof(fc.string({ maxLength: 8 }), fc.string({ unit: "binary", maxLength: 6 }), fc.constantFrom("0", "10", "__proto__", "constructor", "", "a.b", "\ud800"))
  .filter((name) => name !== "__metadata__");
const dimArb = fc.oneof({ arbitrary: fc.constant(0), weight: 1 }, { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 5 });
const elementArb = (itemSize: number): fc.Arbitrary<number[]> => {
  const special = fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 0, 1e-40, 1e-310);
  const viaFloat = fc.oneof(itemSize === 4 ? fc.float() : fc.double(), special).map((value) => {
    const typed = itemSize === 4 ? new Float32Array([value]) : new Float64Array([value]);
    return [...new Uint8Array(typed.buffer)];
  });
  return fc.oneof(viaFloat, fc.array(fc.nat(255), { minLength: itemSize, maxLength: itemSize }));
};
const arrayArb: fc.Arbitrary<NDArray> = fc
  .tuple(fc.constantFrom(4, 8), fc.array(dimArb, { maxLength: 4 }))
  .chain(([itemSize, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    return fc.array(elementArb(itemSize), { minLength: size, maxLength: size }).map((elements) => {
      const raw = Uint8Array.from(elements.flat());
      return new NDArray(itemSize === 4 ? new Float32Array(raw.buffer) : new Float64Array(raw.buffer), shape);
    });
  });
const tensorsArb = fc.uniqueArray(fc.tuple(nameArb, arrayArb), { maxLength: 5, selector: ([name]) => name });
const metadataArb = fc.option(fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("__proto__", "0")), fc.string({ unit: "binary" }), { maxKeys: 4 }), { nil: undefined });

describe("safetensors round trip", () => {
  it("decodes what it encodes, bit for bit, names in order, deterministically", () => {
    fc.assert(
      fc.property(tensorsArb, metadataArb, (list, metadata) => {
        const tensors = new Map(list);
        const bytes = encodeSafetensors(tensors, metadata);
        expect(encodeSafetensors(tensors, metadata)).toEqual(bytes);
        const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
        expect((8 + headerLength) % 8).toBe(0);

        const decoded = decodeSafetensors(bytes);
        expect([...decoded.tensors.keys()]).toEqual([...tensors.keys()]);
        for (const [name, array] of tensors) {
          const back = decoded.tensors.get(name) as NDArray;
          expect(back.dtype).toBe(array.dtype);
          expect(back.shape).toEqual(array.shape);
          expect(back.data.byteOffset % back.data.BYTES_PER_ELEMENT).toBe(0);
          expect(bytesOf(back)).toEqual(bytesOf(array));
        }
        expect(decoded.metadata).toEqual(metadata ?? {});
        // Re-encoding the decoded file gives the same bytes: the encoding is canonical.
        expect(encodeSafetensors(decoded.tensors, decoded.metadata)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it("writes the same bytes as the reference implementation", () => {
    const attn = new NDArray(Float32Array.from([0, 1, 2, 3, 4, 5]), [1, 2, 3]);
    const expected = rawFile('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}', bytesOf(attn));
    expect(expected.length).toBe(8 + 64 + 24); // that header is 64 bytes: no padding
    expect(encodeSafetensors(new Map([["attn.0", attn]]))).toEqual(expected);
    expect(encodeSafetensors(new Map())).toEqual(Uint8Array.from([8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d, 32, 32, 32, 32, 32, 32]));
    expect(encodeSafetensors(new Map(), { framework: "pt" })).toEqual(rawFile('{"__metadata__":{"framework":"pt"}}'));
  });

  it("reads an unpadded header, an unaligned input buffer, and empty tensors", () => {
    const data = new Uint8Array(new Float64Array([1.5, -2]).buffer);
    const header = { e: { dtype: "F32", shape: [0, 3], data_offsets: [0, 0] }, x: { dtype: "F64", shape: [2], data_offsets: [0, 16] } };
    const file = rawFile(header, data, false);
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    const { tensors } = decodeSafetensors(shifted.subarray(3));
    expect([...tensors.keys()]).toEqual(["e", "x"]);
    expect(tensors.get("e")?.shape).toEqual([0, 3]);
    expect([...(tensors.get("x")?.data ?? [])]).toEqual([1.5, -2]);
  });

  it("refuses a tensor named __metadata__ when encoding", () => {
    expect(() => encodeSafetensors(new Map([["__metadata__", NDArray.zeros([1], "float32")]]))).toThrow(/reserved/);
  });
});

describe("safetensors reader on untrusted bytes", () => {
  const valid = encodeSafetensors(
    new Map([
      ["w", new NDArray(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3])],
      ["b", new NDArray(Float64Array.from([0.5, -0.5]), [2])],
    ]),
    { step: "7" },
  );
  const headerEnd = 8 + Number(new DataView(valid.buffer).getBigUint64(0, true));

  it("rejects every truncation of a valid file, naming the problem", () => {
    for (let length = 0; length < valid.length; length++) {
      const message = decodeError(valid.subarray(0, length));
      if (length < 8) expect(message).toContain("too short for the 8-byte header length");
      else if (length < headerEnd) expect(message).toContain(`header length ${headerEnd - 8} exceeds the file size ${length} (bytes 0-7)`);
      else {
        const first = length - headerEnd < 24 ? 'tensor "w": data_offsets [0,24]' : 'tensor "b": data_offsets [24,40]';
        expect(message).toContain(`${first} run past the end of the ${length - headerEnd}-byte data section`);
      }
    }
  });

  it("checks forged header lengths up to 2^64-1 before slicing", () => {
    const lengthArb = fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: BigInt(valid.length) }), fc.constant(2n ** 64n - 1n));
    fc.assert(
      fc.property(lengthArb, (forged) => {
        const bytes = valid.slice();
        new DataView(bytes.buffer).setBigUint64(0, forged, true);
        const result = outcome(bytes);
        if (forged > BigInt(valid.length - 8)) {
          expect(result).toBeInstanceOf(SafetensorsError);
          expect((result as Error).message).toBe(`<bytes>: header length ${forged} exceeds the file size ${valid.length} (bytes 0-7)`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("survives random byte flips, insertions and deletions", () => {
    // Half the new bytes are JSON punctuation or digits, so mutations also get past the UTF-8 and JSON checks.
    const jsonByte = fc.constantFrom(...[...'{}[]":,-.e0123456789 '].map((char) => char.charCodeAt(0)));
    const flips = fc.array(fc.tuple(fc.nat(valid.length - 1), fc.oneof(fc.nat(255), jsonByte)), { minLength: 1, maxLength: 8 });
    const splice = fc.tuple(fc.nat(valid.length), fc.nat(6), fc.uint8Array({ maxLength: 6 }));
    fc.assert(
      fc.property(flips, splice, fc.boolean(), (changes, [at, remove, insert], spliced) => {
        let bytes = valid.slice();
        for (const [index, value] of changes) bytes[index] = value;
        if (spliced) bytes = Uint8Array.from([...bytes.subarray(0, at), ...insert, ...bytes.subarray(at + remove)]);
        outcome(bytes);
      }),
      { numRuns: 3000 },
    );
  });

  it("survives random headers built from plausible and implausible entries", () => {
    const entryArb = fc.oneof(
      fc.record(
        {
          dtype: fc.constantFrom("F32", "F64", "F16", "I64", "f32", "", 4),
          shape: fc.array(fc.oneof(fc.nat(4), fc.integer({ min: -2, max: 2 }), fc.double(), fc.constantFrom(2 ** 53, 2 ** 53 - 1)), { maxLength: 3 }),
          data_offsets: fc.array(fc.oneof(fc.nat(40), fc.constant(-1), fc.double()), { maxLength: 3 }),
          extra: fc.jsonValue({ maxDepth: 1 }),
        },
        { requiredKeys: ["dtype", "shape", "data_offsets"] },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const headerArb = fc.dictionary(fc.oneof(fc.string({ maxLength: 3 }), fc.constant("__metadata__")), entryArb, { maxKeys: 4 });
    fc.assert(
      fc.property(headerArb, fc.nat(40), fc.boolean(), (header, dataLength, pad) => {
        const bytes = rawFile(header, dataLength, pad);
        const result = outcome(bytes);
        if (result === "ok") {
          // Every tensor holds as many elements as its stored bytes (F16 widened to float32, I64 to float64).
          const stored: Record<string, number> = { F32: 4, F64: 8, F16: 2, I64: 8 };
          const { tensors } = decodeSafetensors(bytes);
          let total = 0;
          for (const [name, array] of tensors) {
            const { dtype } = (header as Record<string, { dtype: string }>)[name] as { dtype: string };
            total += array.size * (stored[dtype] as number);
          }
          expect(total).toBe(dataLength);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe("safetensors reader names each problem", () => {
  const cases: [string, Uint8Array, RegExp | string][] = [
    ["empty input", new Uint8Array(0), "file is 0 bytes, too short for the 8-byte header length (bytes 0-7)"],
    ["empty header", rawFile("", 0), /header is not valid JSON \(bytes at 8\)/],
    ["invalid JSON", rawFile('{"a":', 0), /header is not valid JSON \(bytes 8-15\)/],
    ["byte-order mark", rawFile("\ufeff{}", 0), /not valid JSON/],
    ["an array", rawFile("[]"), "header is not a JSON object but an array (bytes 8-15)"],
    ["null", rawFile("null"), /not a JSON object but null/],
    ["a number", rawFile("42"), /not a JSON object but a number 42/],
    ["repeated tensor", rawFile('{"w":{},"w":{}}'), 'header repeats the key "w"'],
    ["repeated escaped name", rawFile('{"w":1,"\\u0077":2}'), 'header repeats the key "w"'],
    ["repeated field", rawFile('{"w":{"dtype":"F32","dtype":"F64","shape":[],"data_offsets":[0,4]}}', 4), 'header repeats the key "dtype"'],
    ["repeated metadata key", rawFile('{"__metadata__":{"k":"a","k":"b"}}'), 'header repeats the key "k"'],
    ["entry not an object", rawFile({ w: 3 }), 'tensor "w": entry is not an object but a number 3'],
    ["unknown field", rawFile({ w: { dtype: "F32", shape: [1], offsets: [0, 4] } }, 4), 'tensor "w": unknown field "offsets"'],
    ["missing field", rawFile({ w: { dtype: "F32", data_offsets: [0, 4] } }, 4), 'tensor "w": missing field "shape"'],
    ["dtype not a string", rawFile({ w: { dtype: 32, shape: [1], data_offsets: [0, 4] } }, 4), "dtype is not a string but a number 32"],
    ["F8_E4M3", rawFile({ w: { dtype: "F8_E4M3", shape: [2], data_offsets: [0, 2] } }, 2), 'tensor "w": unsupported dtype "F8_E4M3" (elbo reads F32, F64, F16, BF16 and the integer types)'],
    ["C64", rawFile({ w: { dtype: "C64", shape: [1], data_offsets: [0, 8] } }, 8), 'unsupported dtype "C64"'],
    ["I64 past 2^53", rawFile({ w: { dtype: "I64", shape: [2], data_offsets: [0, 16] } }, Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0x20, 0])), 'tensor "w": I64 element 1 is 9007199254740993, beyond ±2^53 where float64 is exact'],
    ["U64 past 2^53", rawFile({ w: { dtype: "U64", shape: [1], data_offsets: [0, 8] } }, Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0x80])), 'tensor "w": U64 element 0 is 9223372036854775808, beyond ±2^53'],
    ["BOOL byte 2", rawFile({ w: { dtype: "BOOL", shape: [2], data_offsets: [0, 2] } }, Uint8Array.from([1, 2])), 'tensor "w": BOOL element 1 is byte 2, not 0 or 1'],
    ["F16 wrong size", rawFile({ w: { dtype: "F16", shape: [3], data_offsets: [0, 4] } }, 4), 'tensor "w": shape [3] of F16 needs 6 bytes but data_offsets [0,4] hold 4'],
    ["lowercase dtype", rawFile({ w: { dtype: "f32", shape: [1], data_offsets: [0, 4] } }, 4), 'tensor "w": unknown dtype "f32"'],
    ["shape not an array", rawFile({ w: { dtype: "F32", shape: 1, data_offsets: [0, 4] } }, 4), "shape is not an array but a number 1"],
    ["negative dim", rawFile({ w: f32([-1], 0, 4) }, 4), 'tensor "w": shape [-1] has a number -1, not a non-negative safe integer'],
    ["fractional dim", rawFile({ w: f32([1.5], 0, 4) }, 4), "has a number 1.5, not a non-negative safe integer"],
    ["string dim", rawFile({ w: { dtype: "F32", shape: ["1"], data_offsets: [0, 4] } }, 4), 'has a string "1", not a non-negative'],
    ["unsafe dim", rawFile({ w: f32([2 ** 53], 0, 4) }, 4), "not a non-negative safe integer"],
    ["one offset", rawFile({ w: { dtype: "F32", shape: [1], data_offsets: [4] } }, 4), "data_offsets [4] are not two non-negative safe integers"],
    ["three offsets", rawFile({ w: { dtype: "F32", shape: [1], data_offsets: [0, 4, 8] } }, 8), "are not two non-negative"],
    ["negative offset", rawFile({ w: f32([1], -4, 0) }, 4), "data_offsets [-4,0] are not two"],
    ["huge offset", rawFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,1e300]}}', 4), "are not two non-negative safe integers"],
    ["reversed offsets", rawFile({ w: f32([1], 8, 4) }, 8), 'tensor "w": data_offsets [8,4] begin after they end'],
    ["offsets past the data", rawFile({ w: f32([4], 0, 16) }, 8), 'tensor "w": data_offsets [0,16] run past the end of the 8-byte data section'],
    ["wrong size", rawFile({ w: f32([2, 3], 0, 20) }, 20), /tensor "w": shape \[2,3\] of F32 needs 24 bytes but data_offsets \[0,20\] hold 20 \(file bytes \d+-\d+\)/],
    ["overflowing shape", rawFile({ w: f32([2 ** 52, 2 ** 52], 0, 4) }, 4), "needs more than 2^50 elements but data_offsets [0,4] hold 4"],
    ["overlap", rawFile({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, 12), /tensors "a" and "b" overlap \(file bytes \d+-\d+\)/],
    ["empty tensor inside another", rawFile({ a: f32([2], 0, 8), e: f32([0], 4, 4) }, 8), 'tensors "a" and "e" overlap'],
    ["gap", rawFile({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, 12), /gap of 4 bytes before tensor "b" \(file bytes \d+-\d+\)/],
    ["gap at the start", rawFile({ a: f32([1], 4, 8) }, 8), 'gap of 4 bytes before tensor "a"'],
    ["trailing bytes", rawFile({ a: f32([1], 0, 4) }, 8), /4 trailing bytes after the last tensor \(file bytes \d+-\d+\)/],
    ["data without tensors", rawFile({}, 3), "3 trailing bytes"],
    ["metadata not an object", rawFile({ __metadata__: "x" }), '__metadata__ is not an object but a string "x"'],
    ["metadata null", rawFile({ __metadata__: null }), "__metadata__ is not an object but null"],
    ["metadata number", rawFile({ __metadata__: { step: 7 } }), '__metadata__ value for "step" is not a string but a number 7'],
    ["metadata object", rawFile({ __metadata__: { cfg: { a: "b" } } }), '__metadata__ value for "cfg" is not a string but an object'],
  ];

  it.each(cases)("%s", (_, bytes, expected) => {
    const source = "runs/x/model.safetensors";
    const message = decodeError(bytes, source);
    if (typeof expected === "string") expect(message).toContain(expected);
    else expect(message).toMatch(expected);
  });

  it("reports invalid UTF-8 and a forged length exactly", () => {
    const json = Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d, 0x20]);
    const bytes = new Uint8Array(16);
    bytes[0] = 8;
    bytes.set(json, 8);
    expect(decodeError(bytes)).toBe("<bytes>: header is not valid UTF-8 (bytes 8-15)");
    const forged = valid16();
    new DataView(forged.buffer).setBigUint64(0, 2n ** 64n - 1n, true);
    expect(decodeError(forged, "runs/x/model.safetensors")).toBe(
      "runs/x/model.safetensors: header length 18446744073709551615 exceeds the file size 16 (bytes 0-7)",
    );
  });

  it("refuses a header over the 100 MB limit before parsing it", () => {
    const bytes = new Uint8Array(MAX_HEADER_BYTES + 16);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(MAX_HEADER_BYTES + 1), true);
    expect(decodeError(bytes)).toContain(`header length ${MAX_HEADER_BYTES + 1} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  });

  it("survives deeply nested JSON anywhere in the header", () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const headers = [deep, `{"w":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`, `{"w":{"dtype":"F32","shape":[1],"data_offsets":${deep}}}`, `{"__metadata__":{"a":${deep}}}`];
    for (const header of headers) expect(outcome(rawFile(header))).toBeInstanceOf(SafetensorsError);
  });

  it("rejects a shape of a million dimensions quickly", () => {
    const shape = new Array<number>(1_000_000).fill(2);
    expect(decodeError(rawFile({ w: f32(shape, 0, 4) }, 4))).toContain("needs more than 2^50 elements");
    // With a zero dimension the tensor is empty, however many or large the other dimensions.
    expect(decodeSafetensors(rawFile({ w: f32([...shape, 0], 0, 0) })).tensors.get("w")?.size).toBe(0);
    const huge = decodeSafetensors(rawFile({ w: f32([...new Array<number>(25).fill(2 ** 53 - 1), 0], 0, 0) })).tensors.get("w");
    expect(huge?.size).toBe(0);
    expect(huge?.shape).toHaveLength(26);
  });

  it("cuts long names short in messages", () => {
    const message = decodeError(rawFile({ ["n".repeat(10_000)]: 1 }));
    expect(message.length).toBeLessThan(200);
  });
});

function valid16(): Uint8Array {
  return encodeSafetensors(new Map());
}
