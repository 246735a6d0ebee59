/** `grad(f)` and `valueAndGrad(f)`, jax-style: the same gradients as `.backward()`, inputs untouched. */
import { describe, expect, it } from "vitest";
import { grad, noGrad, tensor, valueAndGrad, type Tensor } from "../../src/autograd/index.js";

const f64 = { dtype: "float64" as const };

describe("grad and valueAndGrad", () => {
  it("grad(f)(x) is df/dx: d/dx Σ x³ = 3x²", () => {
    const x = tensor([1, -2, 0.5], f64);
    expect(Array.from(grad((t) => t.pow(3).sum())(x).data)).toEqual([3, 12, 0.75]);
  });

  it("matches .backward() on a function of two arguments, for argnums 1 and [0, 1]", () => {
    const f = (a: Tensor, b: Tensor): Tensor => a.mul(b).sigmoid().add(b.square()).mean();
    const a = tensor([[0.3, -1.2], [2, 0.1]], f64);
    const b = tensor([0.7, -0.4], f64);
    const [ra, rb] = [tensor([[0.3, -1.2], [2, 0.1]], { ...f64, requiresGrad: true }), tensor([0.7, -0.4], { ...f64, requiresGrad: true })];
    f(ra, rb).backward();
    expect(Array.from(grad(f, { argnums: 1 })(a, b).data)).toEqual(Array.from(rb.grad?.data ?? []));
    const [value, [ga, gb]] = valueAndGrad(f, { argnums: [0, 1] })(a, b) as [Tensor, Tensor[]];
    expect(value.item()).toBe(f(a, b).item());
    expect(value.requiresGrad).toBe(false);
    expect(Array.from(ga?.data ?? [])).toEqual(Array.from(ra.grad?.data ?? []));
    expect(Array.from(gb?.data ?? [])).toEqual(Array.from(rb.grad?.data ?? []));
  });

  it("leaves the inputs' grad alone, and gives zeros for an argument f does not use", () => {
    const x = tensor([1, 2], { ...f64, requiresGrad: true });
    const y = tensor([3, 4], f64);
    const [gx, gy] = grad((a: Tensor) => a.sum(), { argnums: [0, 1] })(x, y);
    expect(x.grad).toBeNull();
    expect(Array.from(gx?.data ?? [])).toEqual([1, 1]);
    expect(Array.from(gy?.data ?? [])).toEqual([0, 0]);
  });

  it("refuses a non-scalar f, an argnum out of range, and a call under noGrad, saying why", () => {
    const x = tensor([1, 2]);
    expect(() => grad((t) => t.mul(2))(x)).toThrow(/one-element tensor, got shape \[2\]/);
    expect(() => grad((t) => t.sum(), { argnums: 2 })(x)).toThrow(/argnums 2 is out of range for 1 arguments/);
    expect(() => noGrad(() => grad((t) => t.sum())(x))).toThrow(/inside noGrad/);
  });
});
