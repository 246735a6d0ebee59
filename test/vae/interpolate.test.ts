/**
 * interpolateLatents: both paths start and end exactly at the endpoints; the linear path is
 * evenly spaced on the segment; slerp between codes of one norm keeps that norm and turns by
 * equal angles; (anti)parallel endpoints fall back to the line; bad arguments are named.
 */
import { describe, expect, it } from "vitest";
import { tensor } from "../../src/autograd/index.js";
import { interpolateLatents } from "../../src/vae/latent.js";

const rows = (t: { data: ArrayLike<number>; shape: readonly number[] }): number[][] => {
  const [steps, latent] = t.shape as [number, number];
  return Array.from({ length: steps }, (_, s) => Array.from({ length: latent }, (_, d) => t.data[s * latent + d] as number));
};
const norm = (v: number[]): number => Math.hypot(...v);
const angle = (u: number[], v: number[]): number => Math.acos(u.reduce((sum, x, i) => sum + x * (v[i] as number), 0) / (norm(u) * norm(v)));

describe("interpolateLatents", () => {
  const za = tensor([3, 0, 4], { dtype: "float64" });
  const zb = tensor([0, 5, 0], { dtype: "float64" });

  it("starts and ends at the endpoints in both modes", () => {
    for (const mode of ["linear", "slerp"] as const) {
      const path = rows(interpolateLatents(za, zb, 7, mode));
      expect(path).toHaveLength(7);
      path[0]?.forEach((v, d) => expect(v).toBeCloseTo(za.data[d] as number, 12));
      path[6]?.forEach((v, d) => expect(v).toBeCloseTo(zb.data[d] as number, 12));
    }
  });

  it("linear: evenly spaced points on the segment", () => {
    const path = rows(interpolateLatents(za, zb, 5, "linear"));
    expect(path[2]).toEqual([1.5, 2.5, 2]);
    for (let s = 1; s < 5; s++) expect(norm(path[s]!.map((v, d) => v - (path[s - 1]![d] as number)))).toBeCloseTo(norm([-3, 5, -4]) / 4, 12);
    // Between two codes of norm 5 the line dips inside the sphere: the midpoint has norm 5/√2.
    expect(norm(path[2]!)).toBeCloseTo(5 / Math.SQRT2, 12);
  });

  it("slerp: codes of one norm keep it, and the path turns by equal angles", () => {
    const path = rows(interpolateLatents(za, zb, 9, "slerp"));
    for (const point of path) expect(norm(point)).toBeCloseTo(5, 12);
    for (let s = 1; s < 9; s++) expect(angle(path[s - 1]!, path[s]!)).toBeCloseTo(Math.PI / 2 / 8, 10);
  });

  it("slerp falls back to the line for parallel and antiparallel endpoints", () => {
    const a = tensor([1, 2], { dtype: "float64" });
    for (const b of [tensor([2, 4], { dtype: "float64" }), tensor([-1, -2], { dtype: "float64" })]) {
      expect(Array.from(interpolateLatents(a, b, 4, "slerp").data)).toEqual(Array.from(interpolateLatents(a, b, 4, "linear").data));
    }
  });

  it("names bad arguments", () => {
    expect(() => interpolateLatents(za, zb, 1)).toThrow("interpolateLatents: steps must be an integer ≥ 2, got 1");
    expect(() => interpolateLatents(za, tensor([1, 2], { dtype: "float64" }), 3)).toThrow("interpolateLatents: endpoints must be two vectors of one length, got [3] and [2]");
  });
});
