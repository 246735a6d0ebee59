/** Bad input: every error names the op and the shapes involved. */
import { describe, expect, it } from "vitest";
import { bceWithLogits, concat, tensor, where, zeros, type Tensor } from "../../src/autograd/index.js";

const z = (shape: number[], dtype: "float32" | "float64" = "float32"): Tensor => zeros(shape, { dtype });

describe("errors name the op and the shapes", () => {
  it("mismatched elementwise shapes", () => {
    expect(() => z([2, 3]).add(z([4, 3]))).toThrow(/^add: shapes cannot be broadcast together, \[2,3\] and \[4,3\]$/);
    expect(() => z([2, 3]).mul(z([2]))).toThrow(/^mul: .*\[2,3\] and \[2\]/);
    expect(() => z([3]).maximum(z([2, 2]))).toThrow(/^maximum: .*\[3\] and \[2,2\]/);
    expect(() => where(z([2]), z([3]), 0)).toThrow(/^where: .*\[2\] and \[3\]/);
  });

  it("matmul inner dimensions and ranks", () => {
    expect(() => z([128, 784]).matmul(z([400, 784]))).toThrow(/^matmul: inner dimensions differ, \[128,784\] @ \[400,784\]$/);
    expect(() => z([2, 3]).matmul(z([2, 4]), { transposeA: true, transposeB: true })).toThrow(/^matmul: inner dimensions differ, \[2,3\]ᵀ @ \[2,4\]ᵀ$/);
    expect(() => z([3]).matmul(z([3, 2]))).toThrow(/^matmul: both operands need at least 2 dimensions, \[3\] @ \[3,2\]$/);
    expect(() => z([2, 2, 3]).matmul(z([3, 3, 4]))).toThrow(/^matmul: shapes cannot be broadcast together, \[2\] and \[3\]$/);
  });

  it("bad axes", () => {
    expect(() => z([2, 3]).sum(5)).toThrow(/^sum: axis 5 is out of range for shape \[2,3\]$/);
    expect(() => z([2, 3]).sum(-3)).toThrow(/^sum: axis -3 is out of range for shape \[2,3\]$/);
    expect(() => z([2, 3]).sum([0, 0])).toThrow(/^sum: repeated axis in \[0,0\] for shape \[2,3\]$/);
    expect(() => z([2, 3]).max([1, -1])).toThrow(/^max: repeated axis in \[1,-1\] for shape \[2,3\]$/);
    expect(() => z([2, 3]).mean(0.5)).toThrow(/^mean: axis 0.5 is out of range for shape \[2,3\]$/);
    expect(() => z([2, 3]).logSumExp(2)).toThrow(/^logSumExp: axis 2 is out of range for shape \[2,3\]$/);
    expect(() => z([2, 3]).argmax(2)).toThrow(/^argmax: axis 2 is out of range for shape \[2,3\]$/);
    expect(() => z([2, 3]).permute([0, 0])).toThrow(/^permute: \[0,0\] is not a permutation of the axes of shape \[2,3\]$/);
    expect(() => z([2, 3]).permute([0])).toThrow(/^permute: \[0\] is not a permutation of the axes of shape \[2,3\]$/);
    expect(() => z([2, 3]).permute([0, 2])).toThrow(/^permute: axis 2 is out of range for shape \[2,3\]$/);
    expect(() => z([3]).transpose()).toThrow(/^transpose: axis -2 is out of range for shape \[3\]$/);
    expect(() => concat([z([2, 3]), z([2, 3])], 2)).toThrow(/^concat: axis 2 is out of range for shape \[2,3\]$/);
    expect(() => concat([z([2, 3]), z([3, 3])], 1)).toThrow(/^concat: shapes differ outside axis 1, \[2,3\] and \[3,3\]$/);
  });

  it("mixed dtypes", () => {
    expect(() => z([2, 3]).add(z([2, 3], "float64"))).toThrow(/^add: mixed dtypes, float32\[2,3\] and float64\[2,3\]/);
    expect(() => z([2, 3]).matmul(z([3, 2], "float64"))).toThrow(/^matmul: mixed dtypes, float32\[2,3\] and float64\[3,2\]/);
    expect(() => concat([z([1]), z([2], "float64")])).toThrow(/^concat: mixed dtypes, float32\[1\] and float64\[2\]/);
    expect(() => where(z([2]), z([2]), z([2], "float64"))).toThrow(/^where: mixed dtypes, float32\[2\] and float64\[2\]/);
  });

  it("non-finite scalars", () => {
    expect(() => z([2, 3]).add(NaN)).toThrow(/^add: scalar operand must be a finite number, got NaN \(with tensor of shape \[2,3\]\)$/);
    expect(() => z([2, 3]).mul(Infinity)).toThrow(/^mul: scalar operand must be a finite number, got Infinity \(with tensor of shape \[2,3\]\)$/);
    expect(() => z([4]).sub(-Infinity)).toThrow(/^sub: .*-Infinity .*\[4\]/);
    expect(() => z([4]).pow(NaN)).toThrow(/^pow: exponent must be a finite number, got NaN \(tensor of shape \[4\]\)$/);
  });

  it("ragged or non-numeric nested arrays", () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/^tensor: ragged nested array, data\[0\] has shape \[2\] but data\[1\] has \[1\]$/);
    expect(() => tensor([[[1], [2]], [[3], [4, 5]]])).toThrow(/^tensor: ragged nested array, data\[1\]\[0\] has shape \[1\] but data\[1\]\[1\] has \[2\]$/);
    expect(() => tensor([1, [2]])).toThrow(/^tensor: ragged nested array, data\[0\] has shape \[\] but data\[1\] has \[1\]$/);
    expect(() => tensor(new Float32Array(5), { shape: [2, 3] })).toThrow(/5 elements do not fill shape \[2,3\]/);
  });

  it("reshape to a wrong size", () => {
    expect(() => z([2, 3]).reshape([4])).toThrow(/^reshape: cannot reshape \[2,3\] \(6 elements\) to \[4\]$/);
    expect(() => z([2, 3]).reshape([-1, 4])).toThrow(/^reshape: cannot reshape \[2,3\] \(6 elements\) to \[-1,4\]$/);
    expect(() => z([2, 3]).reshape([-1, -1])).toThrow(/^reshape: only one dimension can be -1, got \[-1,-1\]$/);
    expect(() => z([2, 3]).expand([3, 3])).toThrow(/^expand: .*\[2,3\].*\[3,3\]/);
    expect(() => z([2, 3]).expand([3])).toThrow(/^expand: cannot expand \[2,3\] to \[3\]$/);
  });

  it("gather index out of range", () => {
    expect(() => z([3, 2]).gather([0, 3])).toThrow(/^gather: index 3 at position 1 is out of range for axis 0 of shape \[3,2\]$/);
    expect(() => z([3, 2]).gather([-1], 1)).toThrow(/^gather: index -1 at position 0 is out of range for axis 1 of shape \[3,2\]$/);
    expect(() => z([3, 2]).gather([0.5])).toThrow(/^gather: index 0.5 .*shape \[3,2\]/);
    expect(() => z([3, 2]).gather([0], 2)).toThrow(/^gather: axis 2 is out of range for shape \[3,2\]$/);
  });

  it("bad slice bounds", () => {
    expect(() => z([3, 2]).slice([0, 0, 0], [1, 1, 1])).toThrow(/^slice: 3 starts and 3 ends for shape \[3,2\]$/);
    expect(() => z([3, 2]).slice([0.5], [2])).toThrow(/^slice: bounds must be integers, got \[0.5, 2\) on axis 0 of \[3,2\]$/);
  });

  it("bceWithLogits with differing shapes", () => {
    expect(() => bceWithLogits(z([2, 3]), z([3]))).toThrow(/^bceWithLogits: logits \[2,3\] and targets \[3\] differ$/);
  });

  it("item on a multi-element tensor", () => {
    expect(() => z([2, 3]).item()).toThrow(/^item: tensor has 6 elements, shape \[2,3\]/);
  });
});
