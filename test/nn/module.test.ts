/**
 * Module: deterministic dotted parameter names, train/eval propagation, state dicts and the
 * errors of loadStateDict.
 */
import { describe, expect, it } from "vitest";
import { tensor, zeros, type Tensor } from "../../src/autograd/index.js";
import { Generator, NDArray } from "../../src/tensor/index.js";
import { Layer, Linear, Module, ReLU, Sequential } from "../../src/nn/index.js";

class Encoder extends Layer {
  readonly body: Sequential;
  readonly scale: Tensor;
  constructor(generator: Generator) {
    super();
    this.scale = this.registerParameter("scale", zeros([1]));
    this.body = this.registerModule("body", new Sequential(new Linear(4, 3, { generator }), new ReLU(), new Linear(3, 2, { generator })));
  }
  forward(x: Tensor): Tensor {
    return this.body.forward(x).mul(this.scale.exp());
  }
}

class Net extends Module {
  readonly offset: Tensor;
  readonly encoder: Encoder;
  readonly head: Linear;
  constructor(seed = 0) {
    super();
    const generator = new Generator(seed);
    this.offset = this.registerParameter("offset", zeros([2]));
    this.encoder = this.registerModule("encoder", new Encoder(generator));
    this.head = this.registerModule("head", new Linear(2, 1, { generator }));
  }
}

const NAMES = ["offset", "encoder.scale", "encoder.body.0.weight", "encoder.body.0.bias", "encoder.body.2.weight", "encoder.body.2.bias", "head.weight", "head.bias"];

describe("Module", () => {
  it("lists parameters in a deterministic order with dotted nested names", () => {
    const net = new Net();
    expect(net.namedParameters().map(([name]) => name)).toEqual(NAMES);
    expect(new Net(5).namedParameters().map(([name]) => name)).toEqual(NAMES);
    expect(net.parameters()).toEqual(net.namedParameters().map(([, p]) => p));
    expect(net.parameters()[6]).toBe(net.head.weight);
    expect(net.parameterCount()).toBe(2 + 1 + 12 + 3 + 6 + 2 + 2 + 1);
    expect(net.parameters().every((p) => p.requiresGrad && p.isLeaf)).toBe(true);
  });

  it("lists a tensor registered twice (tied weights) once, under its first name", () => {
    class Tied extends Module {
      constructor() {
        super();
        const shared = this.registerModule("a", new Linear(2, 2));
        this.registerModule("b", shared);
      }
    }
    expect(new Tied().namedParameters().map(([name]) => name)).toEqual(["a.weight", "a.bias"]);
  });

  it("refuses invalid or repeated names", () => {
    class Bad extends Module {
      constructor(name: string, twice = false) {
        super();
        this.registerParameter(name, zeros([1]));
        if (twice) this.registerModule(name, new ReLU());
      }
    }
    expect(() => new Bad("a.b")).toThrow(/invalid name "a.b"/);
    expect(() => new Bad("")).toThrow(/invalid name ""/);
    expect(() => new Bad("w", true)).toThrow(/"w" is already registered/);
  });

  it("propagates train() and eval() to every descendant", () => {
    const net = new Net();
    const all = (): boolean[] => [net.training, net.encoder.training, net.encoder.body.training, ...net.encoder.body.layers.map((l) => l.training), net.head.training];
    expect(all().every((m) => m)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(all().some((m) => m)).toBe(false);
    net.train();
    expect(all().every((m) => m)).toBe(true);
    net.train(false);
    expect(all().some((m) => m)).toBe(false);
  });

  it("zeroGrad forgets every gradient", () => {
    const net = new Net();
    net.encoder.forward(tensor([[1, 2, 3, 4]])).sum().backward();
    expect(net.encoder.scale.grad).not.toBeNull();
    net.zeroGrad();
    expect(net.parameters().map((p) => p.grad)).toEqual(net.parameters().map(() => null));
  });

  it("round-trips a state dict between two instances", () => {
    const a = new Net(1);
    const b = new Net(2);
    expect([...b.head.weight.data]).not.toEqual([...a.head.weight.data]);
    const state = new Map([...a.stateDict()].map(([name, value]) => [name, value.clone()]));
    b.loadStateDict(state);
    for (const [name, value] of b.stateDict()) expect([...value.data]).toEqual([...(state.get(name)?.data ?? [])]);
    // Values are copied, not shared.
    (state.get("head.bias") as NDArray).data[0] = 123;
    expect(b.head.bias?.data[0]).not.toBe(123);
  });

  it("names missing, unexpected and mis-shaped tensors in one error, and changes nothing", () => {
    const net = new Net(3);
    const before = net.parameters().map((p) => [...p.data]);
    const state = new Map([...new Net(4).stateDict()]);
    state.delete("encoder.scale");
    state.delete("head.bias");
    state.set("decoder.weight", NDArray.zeros([2, 2], "float32"));
    state.set("encoder.body.0.weight", NDArray.zeros([4, 3], "float32"));
    let message = "";
    try {
      net.loadStateDict(state);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(
      "loadStateDict: missing: encoder.scale, head.bias; unexpected: decoder.weight; encoder.body.0.weight: shape [4,3] in the state, [3,4] in the module",
    );
    expect(net.parameters().map((p) => [...p.data])).toEqual(before);
    expect(net.checkStateDict(new Map(net.stateDict()))).toEqual([]);
  });

  it("converts values to the parameter's dtype on load", () => {
    const layer = new Linear(2, 1);
    layer.loadStateDict(new Map([["weight", new NDArray(Float64Array.from([0.1, 0.2]), [1, 2])], ["bias", NDArray.full([1], 0.3, "float64")]]));
    expect(layer.weight.dtype).toBe("float32");
    expect([...layer.weight.data]).toEqual([Math.fround(0.1), Math.fround(0.2)]);
  });
});
