/**
 * softmaxCrossEntropy beyond the op-spec row: large logits stay finite (the maximum is taken
 * out), the value equals −logSoftmax at the label, and bad labels or shapes are named.
 */
import { describe, expect, it } from "vitest";
import { logSoftmax, softmaxCrossEntropy, tensor } from "../../src/autograd/index.js";

describe("softmaxCrossEntropy", () => {
  it("is finite and exact for logits far beyond exp's range", () => {
    const logits = tensor([[1000, 0, -1000], [-1000, 1000, 1000]], { dtype: "float64", requiresGrad: true });
    const loss = softmaxCrossEntropy(logits, [0, 2]);
    expect(loss.data[0]).toBe(0);
    expect(loss.data[1]).toBeCloseTo(Math.log(2), 12);
    loss.sum().backward();
    // softmax − onehot: row 0 is [1, 0, 0] − [1, 0, 0]; row 1 is [0, ½, ½] − [0, 0, 1]
    const expected = [0, 0, 0, 0, 0.5, -0.5];
    expect(logits.grad?.size).toBe(6);
    expected.forEach((value, i) => expect(logits.grad?.data[i]).toBeCloseTo(value, 12));
  });

  it("equals −logSoftmax picked at the label", () => {
    const logits = tensor([[0.3, -1.2, 2.0, 0.1], [1.5, 0.2, -0.7, 0.9]], { dtype: "float64" });
    const logProbabilities = logSoftmax(logits, 1).data;
    const loss = softmaxCrossEntropy(logits, tensor([3, 0], { dtype: "float64" })).data;
    expect(loss[0]).toBeCloseTo(-(logProbabilities[3] as number), 12);
    expect(loss[1]).toBeCloseTo(-(logProbabilities[4] as number), 12);
  });

  it("names the op, the example and the shapes on bad input", () => {
    const logits = tensor([[0, 1, 2]]);
    expect(() => softmaxCrossEntropy(logits, [3])).toThrow("softmaxCrossEntropy: label 3 of example 0 is not an integer in [0, 3) (logits [1,3])");
    expect(() => softmaxCrossEntropy(logits, [0.5])).toThrow("label 0.5");
    expect(() => softmaxCrossEntropy(logits, [0, 1])).toThrow("softmaxCrossEntropy: 2 labels for logits [1,3]");
    expect(() => softmaxCrossEntropy(tensor([0, 1]), [0])).toThrow("logits must be [batch, classes], got [2]");
  });
});
