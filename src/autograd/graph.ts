/**
 * The recorded graph: one `Node` per op applied to a tensor that requires a gradient, and the
 * switch that turns recording off (`noGrad`).
 */
import type { NDArray } from "../tensor/index.js";
import type { OpContext, OpDef } from "./op.js";

/** What a Tensor that came out of an op remembers: the op, its inputs and its context. */
export interface Node<Input> {
  /** Increasing creation order: a valid topological order of the graph. */
  readonly id: number;
  readonly op: OpDef<NDArray[], unknown>;
  readonly inputs: readonly Input[];
  /** Released (null) after backward: the saved arrays are then garbage. */
  context: OpContext<NDArray[], unknown> | null;
  /** Where the op ran: a short stack, captured in anomaly mode only (see anomaly.ts). */
  readonly creation?: string;
}

let nextNodeId = 0;

export function nextId(): number {
  return nextNodeId++;
}

let gradDisabledDepth = 0;

export function isGradEnabled(): boolean {
  return gradDisabledDepth === 0;
}

/**
 * Run `fn` without recording a graph (for sampling, evaluation and optimizer updates).
 * Tensors created inside do not require gradients.
 */
export function noGrad<T>(fn: () => T): T {
  gradDisabledDepth++;
  try {
    return fn();
  } finally {
    gradDisabledDepth--;
  }
}
