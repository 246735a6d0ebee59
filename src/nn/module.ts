/**
 * `Module`: a container of named parameters and child modules, as in PyTorch. Parameters are
 * listed in a deterministic order: a module's own, in registration order, then each child's,
 * prefixed by the child's name (`encoder.hidden.weight`).
 */
import { formatShape, NDArray, shapesEqual } from "../tensor/index.js";
import { Tensor } from "../autograd/index.js";
import { zeroGrads, type ZeroGradOptions } from "./zero-grad.js";

export abstract class Module {
  /** Training mode (true) or evaluation mode (false); see `train()` / `eval()`. */
  training = true;
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();

  /** Register a parameter (a leaf tensor that requires grad) under `name`. */
  protected registerParameter(name: string, parameter: Tensor): Tensor {
    this.checkName(name);
    if (!parameter.isLeaf) throw new Error(`Module: parameter "${name}" must be a leaf tensor`);
    parameter.requiresGrad = true;
    this.ownParameters.set(name, parameter);
    return parameter;
  }

  /** The parameter registered as `name`. Layers read their weights through this, so that
   * `withParameters` can substitute them. */
  protected parameter(name: string): Tensor {
    const parameter = this.ownParameters.get(name);
    if (!parameter) throw new Error(`Module: no parameter "${name}"`);
    return parameter;
  }

  /**
   * Run `fn` with some parameters replaced by other tensors of the same shape (by dotted name),
   * then put the originals back, as `torch.func.functional_call`. This is how a gradient check
   * differentiates a model with respect to its parameters.
   */
  withParameters<T>(replacements: ReadonlyMap<string, Tensor>, fn: () => T): T {
    const swaps: { owner: Module; name: string; original: Tensor; replacement: Tensor }[] = [];
    for (const [path, replacement] of replacements) {
      const parts = path.split(".");
      const name = parts.pop() as string;
      let owner: Module = this;
      for (const part of parts) {
        const child = owner.children.get(part);
        if (!child) throw new Error(`withParameters: no module "${part}" in "${path}"`);
        owner = child;
      }
      const original = owner.ownParameters.get(name);
      if (!original) throw new Error(`withParameters: no parameter "${path}"`);
      if (!shapesEqual(original.shape, replacement.shape)) {
        throw new Error(`withParameters: "${path}" has shape ${formatShape(original.shape)}, replacement ${formatShape(replacement.shape)}`);
      }
      swaps.push({ owner, name, original, replacement });
    }
    for (const { owner, name, replacement } of swaps) owner.ownParameters.set(name, replacement);
    try {
      return fn();
    } finally {
      for (const { owner, name, original } of swaps) owner.ownParameters.set(name, original);
    }
  }

  /** Register a child module under `name`; its parameters are listed as `name.*`. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    this.checkName(name);
    this.children.set(name, module);
    return module;
  }

  private checkName(name: string): void {
    if (name === "" || name.includes(".")) throw new Error(`Module: invalid name "${name}" (non-empty, no dots)`);
    if (this.ownParameters.has(name) || this.children.has(name)) throw new Error(`Module: "${name}" is already registered`);
  }

  /**
   * `[name, parameter]` pairs, in the deterministic order described above. A tensor registered
   * twice (tied weights) is listed once, under its first name, as torch does.
   */
  namedParameters(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, parameter] of this.ownParameters) out.push([prefix + name, parameter]);
    for (const [name, child] of this.children) out.push(...child.namedParameters(`${prefix}${name}.`));
    const seen = new Set<Tensor>();
    return out.filter(([, parameter]) => {
      if (seen.has(parameter)) return false;
      seen.add(parameter);
      return true;
    });
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, parameter]) => parameter);
  }

  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** Switch this module and its children to training (or, with false, evaluation) mode. */
  train(mode = true): this {
    this.training = mode;
    for (const child of this.children.values()) child.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Reset every parameter's gradient: dropped, or zeroed in place (options as `Optimizer.zeroGrad`'s; see `ZeroGradOptions`). */
  zeroGrad(options?: ZeroGradOptions): void {
    zeroGrads(this.constructor.name, this.parameters(), options);
  }

  /** The total number of scalar parameters. */
  parameterCount(): number {
    return this.parameters().reduce((total, p) => total + p.size, 0);
  }

  /** Every parameter's values by name (shared storage, not copies). */
  stateDict(): Map<string, NDArray> {
    return new Map(this.namedParameters().map(([name, p]) => [name, p.value]));
  }

  /**
   * The problems that would stop `loadStateDict(state)`: names missing from `state`, names the
   * module does not have, and shape mismatches. Empty when the state can be loaded.
   */
  checkStateDict(state: ReadonlyMap<string, NDArray>): string[] {
    const own = new Map(this.namedParameters());
    const problems: string[] = [];
    const missing = [...own.keys()].filter((name) => !state.has(name));
    const unexpected = [...state.keys()].filter((name) => !own.has(name));
    if (missing.length > 0) problems.push(`missing: ${missing.join(", ")}`);
    if (unexpected.length > 0) problems.push(`unexpected: ${unexpected.join(", ")}`);
    for (const [name, value] of state) {
      const parameter = own.get(name);
      if (parameter && !shapesEqual(parameter.shape, value.shape)) {
        problems.push(`${name}: shape ${formatShape(value.shape)} in the state, ${formatShape(parameter.shape)} in the module`);
      }
    }
    return problems;
  }

  /**
   * Copy values into the parameters (converted to each parameter's dtype, as torch's `copy_`).
   * All the problems `checkStateDict` finds are reported together in one error, before
   * anything is copied.
   */
  loadStateDict(state: ReadonlyMap<string, NDArray>): void {
    const problems = this.checkStateDict(state);
    if (problems.length > 0) throw new Error(`loadStateDict: ${problems.join("; ")}`);
    const own = new Map(this.namedParameters());
    for (const [name, value] of state) (own.get(name) as Tensor).data.set(value.data);
  }
}

/** A module that maps one tensor to one tensor: what `Sequential` chains. */
export abstract class Layer extends Module {
  abstract forward(x: Tensor): Tensor;
}
