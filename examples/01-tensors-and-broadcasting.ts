/**
 * Tensors and broadcasting: make tensors, combine tensors of different shapes, reduce them, and
 * see broadcasting's gradient summed back to each input's shape.
 *
 *   npx tsx examples/01-tensors-and-broadcasting.ts
 */
import { arange, tensor } from "../src/index.js";

// A column [3, 1] and a row [4]: broadcasting lines shapes up from the right, and stretches
// every size-1 (or missing) axis to match, so the sum is a [3, 4] table.
const column = tensor([[0], [10], [20]], { requiresGrad: true });
const row = arange(4).reshape([4]);
row.requiresGrad = true;
const table = column.add(row);
console.log(`broadcast: [${column.shape}] + [${row.shape}] -> [${table.shape}]`);
console.log(table.toArray());

// Reductions pick the axes to sum over.
console.log("sum over rows (axis 0):", table.sum(0).toArray());
console.log("sum over columns (axis 1):", table.sum(1).toArray());
console.log("mean of everything:", table.mean().item());

// Matrix product: [3, 4] @ [4, 2] -> [3, 2].
const weights = tensor([[1, 0], [0, 1], [1, 1], [-1, 2]]);
console.log(`matmul: [${table.shape}] @ [${weights.shape}] -> [${table.matmul(weights).shape}]`);

// The gradient of a broadcast: each element of `column` was used 4 times (once per column of
// the table), each element of `row` 3 times, so d(sum)/d(input) counts the uses. The engine sums
// the upstream gradient back to the input's shape in one shared helper.
table.sum().backward();
console.log("d sum / d column =", column.grad?.toArray(), "(each used 4 times)");
console.log("d sum / d row    =", row.grad?.toArray(), "(each used 3 times)");
