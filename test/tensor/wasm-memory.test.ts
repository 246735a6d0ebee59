/**
 * copyFloats, the copy into and out of the threads' shared memory: it must give the bits that
 * TypedArray.set gives, whichever side is shared, at any offset and length.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { copyFloats } from "../../src/tensor/wasm/memory.js";

/** `length` floats of random bit patterns (NaNs with payloads, signed zeros, subnormals included). */
function randomBits(length: number, seed: number): Float32Array {
  const bits = new Uint32Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13; state ^= state >>> 17; state ^= state << 5; // xorshift32
    bits[i] = state >>> 0;
  }
  return new Float32Array(bits.buffer);
}

const bitsOf = (floats: Float32Array): number[] => Array.from(new Uint32Array(floats.buffer, floats.byteOffset, floats.length));

const layouts = [
  ["plain to shared", false, true],
  ["shared to plain", true, false],
  ["shared to shared", true, true],
  ["plain to plain", false, false],
] as const;

describe.each(layouts)("copyFloats, %s", (_, sourceShared, targetShared) => {
  const make = (length: number, shared: boolean): Float32Array =>
    new Float32Array(shared ? new SharedArrayBuffer(4 * length) : new ArrayBuffer(4 * length));

  it("gives TypedArray.set's bits at any offset and length, and touches nothing else", () => {
    fc.assert(fc.property(fc.nat(300), fc.nat(9), fc.nat(9), fc.nat(), (length, sourceOffset, targetOffset, seed) => {
      // Views that start inside their buffers, so byteOffset counts too.
      const source = make(sourceOffset + length + 3, sourceShared).subarray(1);
      source.set(randomBits(source.length, seed));
      const target = make(targetOffset + length + 5, targetShared).subarray(2);
      target.set(randomBits(target.length, seed + 1));
      const want = new Float32Array(target);
      want.set(source.subarray(sourceOffset, sourceOffset + length), targetOffset);
      copyFloats(target, targetOffset, source, sourceOffset, length);
      expect(bitsOf(target)).toEqual(bitsOf(want));
    }), { numRuns: 200 });
  });

  it("copies a 1.25 MB operand whole", () => {
    const length = 784 * 400;
    const source = make(length, sourceShared);
    source.set(randomBits(length, 7));
    const target = make(length + 16, targetShared);
    copyFloats(target, 16, source, 0, length);
    expect(bitsOf(target.subarray(16))).toEqual(bitsOf(source));
    expect(bitsOf(target.subarray(0, 16))).toEqual(new Array(16).fill(0));
  });
});

describe.each(layouts)("copyFloats out of range, %s", (_, sourceShared, targetShared) => {
  it("throws a RangeError naming the side, touching nothing, where a view is too short", () => {
    // Views of 4 floats inside buffers of 16: a copy past the view's end would still land inside
    // the buffer, so only a check against the view catches it.
    const view = (shared: boolean): Float32Array =>
      new Float32Array(shared ? new SharedArrayBuffer(64) : new ArrayBuffer(64), 16, 4);
    for (const [targetOffset, sourceOffset, length, side] of [[2, 0, 4, "target"], [0, 1, 4, "source"], [-1, 0, 2, "target"], [0, 0.5, 2, "source"]] as const) {
      const source = view(sourceShared), target = view(targetShared);
      source.set(randomBits(4, 5));
      const whole = new Float32Array(target.buffer);
      const before = bitsOf(whole);
      expect(() => copyFloats(target, targetOffset, source, sourceOffset, length)).toThrow(new RegExp(`^copyFloats: ${side} needs`));
      expect(bitsOf(whole)).toEqual(before);
    }
  });
});

describe("copyFloats within one buffer", () => {
  it("moves overlapping ranges as TypedArray.set does (a memmove), shared or not", () => {
    const length = 20_000;
    for (const shared of [false, true]) {
      for (const [from, to] of [[0, 3], [3, 0], [2, 2], [0, 1000]] as const) {
        const floats = new Float32Array(shared ? new SharedArrayBuffer(4 * (length + 1000)) : new ArrayBuffer(4 * (length + 1000)));
        floats.set(randomBits(floats.length, 11 + from));
        const want = new Float32Array(floats);
        want.set(want.subarray(from, from + length), to);
        copyFloats(floats, to, floats, from, length);
        expect(bitsOf(floats), `shared ${shared}, ${from} → ${to}`).toEqual(bitsOf(want));
      }
    }
  });
});
