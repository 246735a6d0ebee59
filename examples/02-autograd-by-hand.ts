/**
 * Autograd by hand: a small function, its gradient worked out on paper, the same gradient from
 * backward(), and both checked against finite differences by gradcheck.
 *
 *   f(x, y) = mean( tanh(x * y) + x² )           x, y: vectors of 4 numbers
 *   ∂f/∂x_i = ( y_i · (1 − tanh²(x_i y_i)) + 2 x_i ) / 4
 *   ∂f/∂y_i = ( x_i · (1 − tanh²(x_i y_i)) ) / 4
 *
 *   npx tsx examples/02-autograd-by-hand.ts
 */
import { formatGradcheckReport, gradcheck, tensor, type Tensor } from "../src/index.js";

const f = (x: Tensor, y: Tensor): Tensor => x.mul(y).tanh().add(x.square()).mean();

const xs = [0.5, -1.2, 2.0, 0.1];
const ys = [1.5, 0.3, -0.7, 2.2];
const x = tensor(xs, { dtype: "float64", requiresGrad: true });
const y = tensor(ys, { dtype: "float64", requiresGrad: true });

const out = f(x, y);
out.backward();
console.log(`f(x, y) = ${out.item().toFixed(6)}`);

// The chain rule on paper: d tanh(u)/du = 1 − tanh²(u), d x²/dx = 2x, and mean divides by 4.
const byHandX = xs.map((xi, i) => ((ys[i] as number) * (1 - Math.tanh(xi * (ys[i] as number)) ** 2) + 2 * xi) / 4);
const byHandY = ys.map((yi, i) => ((xs[i] as number) * (1 - Math.tanh((xs[i] as number) * yi) ** 2)) / 4);
const show = (values: ArrayLike<number>): string => Array.from(values, (v) => v.toFixed(6)).join(", ");
console.log(`df/dx from backward(): [${show(x.grad?.data ?? [])}]`);
console.log(`df/dx by hand:         [${show(byHandX)}]`);
console.log(`df/dy from backward(): [${show(y.grad?.data ?? [])}]`);
console.log(`df/dy by hand:         [${show(byHandY)}]`);
const worst = Math.max(
  ...byHandX.map((v, i) => Math.abs(v - (x.grad?.data[i] as number))),
  ...byHandY.map((v, i) => Math.abs(v - (y.grad?.data[i] as number))),
);
console.log(`largest difference, backward() vs by hand: ${worst.toExponential(1)}`);

// gradcheck compares backward() with central differences (f(x + h) − f(x − h)) / 2h in float64.
const report = gradcheck(f, [x, y]);
console.log(formatGradcheckReport(report));
if (!report.ok) process.exit(1);
