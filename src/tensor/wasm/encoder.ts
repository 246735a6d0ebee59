/**
 * A minimal WebAssembly binary writer: enough of the spec (core 2.0 + fixed-width SIMD) to emit
 * our kernels from TypeScript, with no toolchain. Reference: https://webassembly.github.io/spec/
 * (chapter "Binary Format"); every opcode below is written as in the spec's index of instructions.
 *
 * A module is one memory (its own, or imported so that instances can share it) plus functions.
 * `ModuleBuilder.func` declares a function with named parameters and builds its body through a
 * `FunctionBody`, whose methods are the instructions (camelCase of the text format: `local.get` is
 * `localGet`). Branches take a `Label` handed out by `block` / `loop`, so relative depths are
 * computed, never written by hand.
 */

/** Value types. */
export const ValType = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Unsigned LEB128 of an integer in [0, 2^32). */
export function unsignedLeb(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) throw new RangeError(`unsignedLeb: ${value} is not a u32`);
  const bytes: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

/** Signed LEB128 of an integer in [-2^31, 2^31). */
export function signedLeb(value: number): number[] {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) throw new RangeError(`signedLeb: ${value} is not an i32`);
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7; // arithmetic shift keeps the sign
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

/** A name (export names here are ASCII): length, then bytes. */
function encodeName(name: string): number[] {
  const bytes = Array.from(name, (ch) => ch.charCodeAt(0));
  if (bytes.some((b) => b > 0x7f)) throw new RangeError(`encodeName: "${name}" is not ASCII`);
  return [...unsignedLeb(bytes.length), ...bytes];
}

/** A vector: element count, then the elements. */
function encodeVector(items: number[][]): number[] {
  return [...unsignedLeb(items.length), ...items.flat()];
}

/** A branch target: an open block (branching goes to its end), loop (to its top) or if. */
export interface Label {
  readonly kind: "block" | "loop" | "if";
}

const SIMD = 0xfd;
const BULK = 0xfc;

/** One function's locals and instruction stream. Methods return `this` so code can chain. */
export class FunctionBody {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];
  /** The open blocks, innermost last: a label's relative depth is its distance from the end. */
  private readonly open: Label[] = [];

  constructor(private readonly paramCount: number) {}

  /** A new local of `type`; returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.paramCount + this.locals.length - 1;
  }

  private op(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }
  private simd(opcode: number, ...immediates: number[]): this {
    return this.op(SIMD, ...unsignedLeb(opcode), ...immediates);
  }
  /** memarg: alignment as log2 bytes (a hint), then a constant byte offset. */
  private memarg(align: number, offset: number): number[] {
    return [...unsignedLeb(align), ...unsignedLeb(offset)];
  }

  // Control. `body` receives the label that a `br` targets: the end of a block, the top of a loop.
  private structured(opcode: number, label: Label, body: () => void): this {
    this.op(opcode, 0x40); // 0x40: empty block type
    this.open.push(label);
    body();
    this.open.pop();
    return this.op(0x0b);
  }
  block(body: (exit: Label) => void): this {
    const label: Label = { kind: "block" };
    return this.structured(0x02, label, () => body(label));
  }
  loop(body: (top: Label) => void): this {
    const label: Label = { kind: "loop" };
    return this.structured(0x03, label, () => body(label));
  }
  /** `if` over the i32 on the stack, with an optional `else`. */
  if(then: () => void, otherwise?: () => void): this {
    return this.structured(0x04, { kind: "if" }, () => {
      then();
      if (otherwise) {
        this.op(0x05);
        otherwise();
      }
    });
  }
  private relative(label: Label): number[] {
    const at = this.open.lastIndexOf(label);
    if (at < 0) throw new Error("branch to a label that is not open");
    return unsignedLeb(this.open.length - 1 - at);
  }
  br(label: Label): this { return this.op(0x0c, ...this.relative(label)); }
  brIf(label: Label): this { return this.op(0x0d, ...this.relative(label)); }
  return(): this { return this.op(0x0f); }
  call(funcIndex: number): this { return this.op(0x10, ...unsignedLeb(funcIndex)); }
  drop(): this { return this.op(0x1a); }
  select(): this { return this.op(0x1b); }

  // Expressions (see `I32` below) and the counted loop every kernel needs.
  /** Emits `expr`, leaving its value on the stack. */
  push(expr: I32): this {
    expr(this);
    return this;
  }
  /** `local = expr`. */
  set(index: number, expr: I32): this {
    return this.push(expr).localSet(index);
  }
  /** `for (i = from; i < to; i += step) body()`, signed compare; `to` and `step` are re-evaluated. */
  forRange(i: number, from: I32, to: I32, step: I32, body: () => void): this {
    this.set(i, from);
    return this.block((exit) =>
      this.loop((top) => {
        this.push(geS(local(i), to)).brIf(exit);
        body();
        this.set(i, add(local(i), step)).br(top);
      }),
    );
  }

  // Locals.
  localGet(index: number): this { return this.op(0x20, ...unsignedLeb(index)); }
  localSet(index: number): this { return this.op(0x21, ...unsignedLeb(index)); }
  localTee(index: number): this { return this.op(0x22, ...unsignedLeb(index)); }

  // Memory (offsets in bytes).
  i32Load(offset = 0): this { return this.op(0x28, ...this.memarg(2, offset)); }
  i64Load(offset = 0): this { return this.op(0x29, ...this.memarg(3, offset)); }
  f32Load(offset = 0): this { return this.op(0x2a, ...this.memarg(2, offset)); }
  f64Load(offset = 0): this { return this.op(0x2b, ...this.memarg(3, offset)); }
  i32Store(offset = 0): this { return this.op(0x36, ...this.memarg(2, offset)); }
  i64Store(offset = 0): this { return this.op(0x37, ...this.memarg(3, offset)); }
  f32Store(offset = 0): this { return this.op(0x38, ...this.memarg(2, offset)); }
  f64Store(offset = 0): this { return this.op(0x39, ...this.memarg(3, offset)); }
  memorySize(): this { return this.op(0x3f, 0x00); }
  memoryGrow(): this { return this.op(0x40, 0x00); }
  /** memory.fill(dest, value, length), from the bulk-memory proposal (standard since 2.0). */
  memoryFill(): this { return this.op(BULK, ...unsignedLeb(11), 0x00); }
  /** memory.copy(dest, src, length) within the one memory, likewise (overlapping ranges allowed). */
  memoryCopy(): this { return this.op(BULK, ...unsignedLeb(10), 0x00, 0x00); }

  // i32.
  i32Const(value: number): this { return this.op(0x41, ...signedLeb(value)); }
  i32Eqz(): this { return this.op(0x45); }
  i32Eq(): this { return this.op(0x46); }
  i32Ne(): this { return this.op(0x47); }
  i32LtS(): this { return this.op(0x48); }
  i32LtU(): this { return this.op(0x49); }
  i32GtS(): this { return this.op(0x4a); }
  i32GtU(): this { return this.op(0x4b); }
  i32LeS(): this { return this.op(0x4c); }
  i32LeU(): this { return this.op(0x4d); }
  i32GeS(): this { return this.op(0x4e); }
  i32GeU(): this { return this.op(0x4f); }
  i32Add(): this { return this.op(0x6a); }
  i32Sub(): this { return this.op(0x6b); }
  i32Mul(): this { return this.op(0x6c); }
  i32DivU(): this { return this.op(0x6e); }
  i32And(): this { return this.op(0x71); }
  i32Or(): this { return this.op(0x72); }
  i32Shl(): this { return this.op(0x74); }
  i32ShrU(): this { return this.op(0x76); }

  // f32.
  f32Const(value: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    return this.op(0x43, ...bytes);
  }
  f32Add(): this { return this.op(0x92); }
  f32Sub(): this { return this.op(0x93); }
  f32Mul(): this { return this.op(0x94); }
  f32Le(): this { return this.op(0x5f); }
  f64Add(): this { return this.op(0xa0); }

  // SIMD (prefix 0xfd, then the opcode as u32 LEB128).
  v128Load(offset = 0): this { return this.simd(0x00, ...this.memarg(4, offset)); }
  /** Loads one f32 and broadcasts it to all four lanes. */
  v128Load32Splat(offset = 0): this { return this.simd(0x09, ...this.memarg(2, offset)); }
  /** Loads one f64 and broadcasts it to both lanes. */
  v128Load64Splat(offset = 0): this { return this.simd(0x0a, ...this.memarg(3, offset)); }
  v128Store(offset = 0): this { return this.simd(0x0b, ...this.memarg(4, offset)); }
  /** A constant of four f32 lanes. */
  v128ConstF32(lanes: readonly [number, number, number, number]): this {
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    lanes.forEach((v, i) => view.setFloat32(4 * i, v, true));
    return this.simd(0x0c, ...bytes);
  }
  /** Picks 16 bytes by index from the concatenation of two vectors (0-15 first, 16-31 second). */
  i8x16Shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => !Number.isInteger(l) || l < 0 || l > 31)) throw new RangeError("i8x16Shuffle: 16 lanes in 0..31");
    return this.simd(0x0d, ...lanes);
  }
  f32x4Splat(): this { return this.simd(0x13); }
  f32x4ExtractLane(lane: number): this { return this.simd(0x1f, lane); }
  f32x4ReplaceLane(lane: number): this { return this.simd(0x20, lane); }
  f32x4Add(): this { return this.simd(0xe4); }
  f32x4Sub(): this { return this.simd(0xe5); }
  f32x4Mul(): this { return this.simd(0xe6); }
  f32x4Div(): this { return this.simd(0xe7); }
  f32x4Max(): this { return this.simd(0xe9); }
  f32x4Sqrt(): this { return this.simd(0xe3); }
  f32x4Neg(): this { return this.simd(0xe1); }
  f32x4Abs(): this { return this.simd(0xe0); }
  /** Lane-wise minimum; NaN in either operand gives NaN (as does `f32x4Max`). */
  f32x4Min(): this { return this.simd(0xe8); }
  /** Rounds to the nearest integer, ties to even. */
  f32x4Nearest(): this { return this.simd(0x6a); }
  /** Lane-wise x > y: all ones where true, else zeros. */
  f32x4Gt(): this { return this.simd(0x44); }
  f32x4Ge(): this { return this.simd(0x46); }
  f64x2Add(): this { return this.simd(0xf0); }
  /** The two low f32 lanes, widened to f64 (exactly). */
  f64x2PromoteLowF32x4(): this { return this.simd(0x5f); }
  f64x2Mul(): this { return this.simd(0xf2); }
  v128And(): this { return this.simd(0x4e); }
  v128Or(): this { return this.simd(0x50); }
  /** (a & mask) | (b & ~mask), with the stack a, b, mask. */
  v128Bitselect(): this { return this.simd(0x52); }
  i32x4Splat(): this { return this.simd(0x11); }
  i32x4Add(): this { return this.simd(0xae); }
  i32x4Sub(): this { return this.simd(0xb1); }
  /** Shifts each lane left by the i32 on top of the stack. */
  i32x4Shl(): this { return this.simd(0xab); }
  i32x4ShrS(): this { return this.simd(0xac); }
  /** f32 → i32, truncating toward zero, saturating (NaN gives 0). */
  i32x4TruncSatF32x4S(): this { return this.simd(0xf8); }
  /** Pseudo-minimum b < a ? b : a (one x86 minps; NaN in a passes through). */
  f32x4Pmin(): this { return this.simd(0xea); }
  /** Pseudo-maximum a < b ? b : a (one x86 maxps; NaN in a passes through). */
  f32x4Pmax(): this { return this.simd(0xeb); }

  /** The code-section entry: size, locals (run-length encoded by type), instructions, `end`. */
  encode(): number[] {
    if (this.open.length !== 0) throw new Error("function body has an unclosed block");
    const groups: number[][] = [];
    for (let i = 0; i < this.locals.length; ) {
      let j = i;
      while (j < this.locals.length && this.locals[j] === this.locals[i]) j++;
      groups.push([...unsignedLeb(j - i), this.locals[i] as ValType]);
      i = j;
    }
    const body = [...encodeVector(groups), ...this.code, 0x0b];
    return [...unsignedLeb(body.length), ...body];
  }
}

interface FuncEntry {
  typeIndex: number;
  body: FunctionBody;
}

/** Named parameters: `{ m: ValType.i32, ... }` in declaration order. */
export type Params = Record<string, ValType>;
/** The local index of each named parameter. */
export type ParamIndices<P extends Params> = { readonly [K in keyof P]: number };

/**
 * Collects types, functions, one memory and exports; `bytes()` lays them out in section order.
 * Functions are numbered in the order they are declared, so a callee is declared before its callers.
 */
export class ModuleBuilder {
  private readonly types: string[] = [];
  private readonly typeBytes: number[][] = [];
  private readonly functions: FuncEntry[] = [];
  private readonly exports: number[][] = [];
  private memoryLimits: number[] | null = null;
  private memoryImport: number[] | null = null;

  /** The module's memory: `minPages` of 64 KiB, growable, optionally exported. */
  memory(minPages: number, exportName?: string): this {
    if (this.memoryImport !== null) throw new Error("ModuleBuilder: the memory is already imported");
    this.memoryLimits = [0x00, ...unsignedLeb(minPages)]; // 0x00: no maximum
    if (exportName !== undefined) this.exports.push([...encodeName(exportName), 0x02, 0x00]);
    return this;
  }

  /**
   * The memory comes from the instantiator as `imports[module][field]`: at least `minPages`;
   * `shared` (the threads proposal, which engines ship beside core 2.0) needs `maxPages` and lets
   * several instances, on several threads, work in one memory.
   */
  importMemory(module: string, field: string, limits: { minPages: number; maxPages?: number; shared?: boolean }): this {
    const { minPages, maxPages, shared = false } = limits;
    if (this.memoryLimits !== null) throw new Error("ModuleBuilder: the module already has its own memory");
    if (shared && maxPages === undefined) throw new RangeError("importMemory: a shared memory needs maxPages");
    // Limits flags: 0x00 min only, 0x01 min and max, 0x03 min, max and shared.
    const flags = maxPages === undefined ? 0x00 : shared ? 0x03 : 0x01;
    const bounds = maxPages === undefined ? unsignedLeb(minPages) : [...unsignedLeb(minPages), ...unsignedLeb(maxPages)];
    this.memoryImport = [...encodeName(module), ...encodeName(field), 0x02, flags, ...bounds];
    return this;
  }

  /** Declares and builds a function; returns its index (for `call`). Exported if `name` is given. */
  func<P extends Params>(
    name: string | null, params: P, results: ValType[],
    build: (fn: FunctionBody, params: ParamIndices<P>) => void,
  ): number {
    const paramTypes = Object.values(params);
    const typeIndex = this.typeIndex(paramTypes, results);
    const body = new FunctionBody(paramTypes.length);
    const indices: Record<string, number> = {};
    Object.keys(params).forEach((key, i) => (indices[key] = i));
    build(body, indices as ParamIndices<P>);
    const index = this.functions.length;
    this.functions.push({ typeIndex, body });
    if (name !== null) this.exports.push([...encodeName(name), 0x00, ...unsignedLeb(index)]);
    return index;
  }

  private typeIndex(params: ValType[], results: ValType[]): number {
    const encoded = [0x60, ...unsignedLeb(params.length), ...params, ...unsignedLeb(results.length), ...results];
    const key = encoded.join(",");
    const found = this.types.indexOf(key);
    if (found >= 0) return found;
    this.types.push(key);
    this.typeBytes.push(encoded);
    return this.types.length - 1;
  }

  bytes(): Uint8Array {
    const section = (id: number, content: number[]): number[] =>
      content.length === 0 ? [] : [id, ...unsignedLeb(content.length), ...content];
    const out = [
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
      ...section(1, encodeVector(this.typeBytes)),
      ...section(2, this.memoryImport ? encodeVector([this.memoryImport]) : []),
      ...section(3, encodeVector(this.functions.map((f) => unsignedLeb(f.typeIndex)))),
      ...section(5, this.memoryLimits ? encodeVector([this.memoryLimits]) : []),
      ...section(7, encodeVector(this.exports)),
      ...section(10, encodeVector(this.functions.map((f) => f.body.encode()))),
    ];
    return Uint8Array.from(out);
  }
}

/**
 * An i32 expression: code that leaves one i32 on the stack. For address arithmetic, which reads
 * better as `add(local(base), f32Bytes(mul(local(i), local(n))))` than as a flat opcode list.
 */
export type I32 = (fn: FunctionBody) => void;

export const local = (index: number): I32 => (fn) => void fn.localGet(index);
export const int = (value: number): I32 => (fn) => void fn.i32Const(value);

/** Folds `op` over two or more operands: `add(a, b, c)` is `(a + b) + c`. */
const fold = (op: (fn: FunctionBody) => void) => (first: I32, ...rest: I32[]): I32 => (fn) => {
  first(fn);
  for (const x of rest) {
    x(fn);
    op(fn);
  }
};
export const add = fold((fn) => fn.i32Add());
export const sub = fold((fn) => fn.i32Sub());
export const mul = fold((fn) => fn.i32Mul());
export const and = fold((fn) => fn.i32And());
export const or = fold((fn) => fn.i32Or());
const compare = (op: (fn: FunctionBody) => void) => (x: I32, y: I32): I32 => (fn) => {
  x(fn);
  y(fn);
  op(fn);
};
export const eq = compare((fn) => fn.i32Eq());
export const ne = compare((fn) => fn.i32Ne());
const ltS = compare((fn) => fn.i32LtS());
const geS = compare((fn) => fn.i32GeS());
/** The byte size of `count` f32s: `count << 2`. */
export const f32Bytes = (count: I32): I32 => (fn) => void fn.push(count).i32Const(2).i32Shl();
/** The byte size of `count` f64s: `count << 3`. */
export const f64Bytes = (count: I32): I32 => (fn) => void fn.push(count).i32Const(3).i32Shl();
/** `cond ? x : y` (both evaluated). */
export const select = (x: I32, y: I32, cond: I32): I32 => (fn) => void fn.push(x).push(y).push(cond).select();
/** Signed minimum (both operands evaluated twice: keep them cheap). */
export const minS = (x: I32, y: I32): I32 => select(x, y, ltS(x, y));
