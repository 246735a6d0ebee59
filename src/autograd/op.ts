/**
 * What a differentiable primitive is: a forward over grad-free arrays and its vector-Jacobian
 * product, side by side in one record. A primitive without a backward does not compile.
 */
import type { NDArray } from "../tensor/index.js";

/** What the backward of an op may read: the forward's inputs, output and parameters. */
export interface OpContext<Inputs extends readonly NDArray[], Params> {
  readonly inputs: Inputs;
  readonly output: NDArray;
  readonly params: Params;
  /** Which inputs need a gradient; a backward may skip the others (return null). */
  readonly needsGrad: readonly boolean[];
}

/** One gradient per input (null where none is needed), in the order of the inputs. */
export type InputGrads<Inputs extends readonly NDArray[]> = { [K in keyof Inputs]: NDArray | null };

export interface OpDef<Inputs extends readonly NDArray[], Params> {
  readonly name: string;
  /**
   * True when the inputs are broadcast to the output's shape. The engine then sums each
   * gradient back to its input's shape with the one shared helper, `sumToShape`.
   */
  readonly broadcasts: boolean;
  forward(inputs: Inputs, params: Params): NDArray;
  /** The vector-Jacobian product: given dL/d(output), return dL/d(input) for each input. */
  backward(grad: NDArray, context: OpContext<Inputs, Params>): InputGrads<Inputs>;
}

export type Unary = [NDArray];
export type Binary = [NDArray, NDArray];
