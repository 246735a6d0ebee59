/** `gradcheck` itself: it passes correct gradients and reports each kind of wrong one. */
import { describe, expect, it } from "vitest";
import { apply, assertGradcheck, formatGradcheckReport, gradcheck, randn, tensor, type OpDef, type Tensor } from "../../src/autograd/index.js";
import { affine, Generator, NDArray, unary } from "../../src/tensor/index.js";

const f64 = { dtype: "float64" as const, requiresGrad: true };

describe("gradcheck", () => {
  it("passes a correct gradient, in Jacobian mode for small inputs", () => {
    const x = tensor([0.5, -1.5, 2], f64);
    const report = gradcheck((t) => t.exp().mul(t), [x]);
    expect(report.ok).toBe(true);
    expect(report.deterministic).toBe(true);
    expect(report.zeroUpstreamGivesZero).toBe(true);
    expect(report.inputs).toHaveLength(1);
    expect(report.inputs[0]?.mode).toBe("jacobian");
    expect(report.inputs[0]?.maxAbsError).toBeLessThan(1e-8);
  });

  it("fails a wrong gradient (x · x.detach()), naming the input and the worst element", () => {
    const x = tensor([0.5, -3, 1], f64);
    const report = gradcheck((t) => t.mul(t.detach()), [x]);
    expect(report.ok).toBe(false);
    expect(report.deterministic).toBe(true);
    expect(report.zeroUpstreamGivesZero).toBe(true);
    const input = report.inputs[0];
    expect(input?.input).toBe(0);
    expect(input?.ok).toBe(false);
    // d/dx x² = 2x numerically, x analytically: worst where |x| is largest, on the diagonal.
    expect(input?.worst?.outputIndex).toBe(1);
    expect(input?.worst?.inputIndex).toBe(1);
    expect(input?.worst?.numerical).toBeCloseTo(-6, 6);
    expect(input?.worst?.analytic).toBe(-3);
    const text = formatGradcheckReport(report);
    expect(text).toMatch(/^gradcheck FAILED/);
    expect(text).toMatch(/input 0 \[3\] \(jacobian\) MISMATCH: .* worst at output 1, input element 1: numerical -(5\.99|6\.00)\d*, analytic -3$/);
    expect(() => assertGradcheck((t) => t.mul(t.detach()), [x])).toThrow(/input 0 \[3\] \(jacobian\) MISMATCH/);
  });

  it("names the failing input among several", () => {
    const a = tensor([1, 2], f64);
    const b = tensor([[3, -4]], f64);
    const report = gradcheck((p, q) => p.mul(q.detach()).add(q.square().detach()), [a, b]);
    expect(report.inputs.map((r) => [r.input, r.ok])).toEqual([[0, true], [1, false]]);
    expect(formatGradcheckReport(report)).toMatch(/input 0 \[2\] \(jacobian\) ok.*\n.*input 1 \[1,2\] \(jacobian\) MISMATCH/);
  });

  it("only checks the inputs that require grad", () => {
    const a = tensor([1, 2], f64);
    const c = tensor([3, 4], { dtype: "float64" });
    const report = gradcheck((p, q) => p.mul(q), [a, c]);
    expect(report.ok).toBe(true);
    expect(report.inputs.map((r) => r.input)).toEqual([0]);
  });

  it("reports a backward that is not deterministic", () => {
    let calls = 0;
    const drifting: OpDef<[NDArray], undefined> = {
      name: "drifting",
      broadcasts: false,
      forward: ([x]) => x.clone(),
      // Correct to 1e-9, but different on every call.
      backward: (g) => [affine(g, 1 + ++calls * 1e-12, 0)],
    };
    const x = tensor([1, 2, 3], f64);
    const report = gradcheck((t) => apply(drifting, [t], undefined), [x]);
    expect(report.deterministic).toBe(false);
    expect(report.zeroUpstreamGivesZero).toBe(true);
    expect(report.inputs.every((r) => r.ok)).toBe(true);
    expect(report.ok).toBe(false);
    expect(formatGradcheckReport(report)).toMatch(/backward run twice gave different gradients/);
  });

  it("reports a non-zero gradient for a zero upstream gradient", () => {
    const leaky: OpDef<[NDArray], undefined> = {
      name: "leaky",
      broadcasts: false,
      forward: ([x]) => unary("neg", x),
      // Right whenever the upstream is non-zero; ones when it is all zeros.
      backward: (g) => [g.data.some((v) => v !== 0) ? unary("neg", g) : NDArray.full(g.shape, 1, g.dtype)],
    };
    const x = tensor([1, 2, 3], f64);
    const report = gradcheck((t) => apply(leaky, [t], undefined), [x]);
    expect(report.zeroUpstreamGivesZero).toBe(false);
    expect(report.deterministic).toBe(true);
    expect(report.inputs.every((r) => r.ok)).toBe(true);
    expect(report.ok).toBe(false);
    expect(formatGradcheckReport(report)).toMatch(/a zero upstream gradient gave non-zero gradients/);
  });

  it("uses random directions for a large input, and still catches a wrong gradient", () => {
    const generator = new Generator(3);
    const x = randn([20, 20], { dtype: "float64", requiresGrad: true, generator });
    const good = gradcheck((t) => t.sigmoid().sum(1), [x]);
    expect(good.inputs[0]?.mode).toBe("directions");
    expect(good.ok).toBe(true);
    const bad = gradcheck((t) => t.mul(t.detach()).sum(1), [x]);
    expect(bad.inputs[0]?.mode).toBe("directions");
    expect(bad.ok).toBe(false);
    expect(bad.inputs[0]?.worst?.outputIndex).toBe(-1);
    expect(formatGradcheckReport(bad)).toMatch(/input 0 \[20,20\] \(directions\) MISMATCH: .* worst in direction \d+: numerical/);
  });

  it("uses random directions for a large output, and Jacobian mode up to the limits", () => {
    const x = tensor([1, 2, 3, 4], f64);
    expect(gradcheck((t) => t.expand([17, 4]), [x]).inputs[0]?.mode).toBe("directions"); // 68 outputs
    expect(gradcheck((t) => t.expand([16, 4]), [x]).inputs[0]?.mode).toBe("jacobian"); // 64 outputs
    const big = randn([256], { dtype: "float64", requiresGrad: true, generator: new Generator(1) });
    expect(gradcheck((t) => t.sum(), [big]).inputs[0]?.mode).toBe("jacobian");
    expect(gradcheck((t) => t.sum(), [big], { maxJacobianInputs: 255 }).inputs[0]?.mode).toBe("directions");
  });

  it("checks float32 inputs in float64", () => {
    const x = tensor([0.1, 0.2], { requiresGrad: true });
    expect(x.dtype).toBe("float32");
    expect(gradcheck((t) => t.log(), [x]).ok).toBe(true);
  });

  it("accepts exact gradients with atol = 0 (a zero derivative checked against zero)", () => {
    const x = tensor([1, 2, 3], f64);
    const report = gradcheck((t) => t.mul(2), [x], { atol: 0 });
    expect(report.ok).toBe(true);
  });

  it("refuses a function that leaves float64, and inputs of which none requires grad", () => {
    const x = tensor([1, 2], f64);
    expect(() => gradcheck((t) => t.to("float32"), [x])).toThrow(/gradcheck: the function returned float32/);
    expect(() => gradcheck((t: Tensor) => t.exp(), [tensor([1], { dtype: "float64" })])).toThrow(/gradcheck: no input has requiresGrad/);
  });
});
