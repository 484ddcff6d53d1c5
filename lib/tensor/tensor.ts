// Tensor: a dtype, a shape and contiguous row-major storage in native-aligned memory, seen from JS
// as a typed-array view. Autograd state (requiresGrad, grad, gradFn) lives here; the engine that
// walks it is autograd.ts, and ops are in lib/ops/.
import { inspect } from 'node:util';

import { DTypeError, DisposedError, ShapeError, formatShape } from '../errors';
import { AnyTypedArray, BYTES_PER_ELEMENT, DType, dtypeOfArray, isDType, viewOf } from './dtype';
import { inferShape, Shape, sizeOf } from './shape';
import { Storage, allocateStorage } from './storage';
import { track } from './scope';
import type { GradFn } from './autograd';
import { backward as runBackward, record } from './autograd';

export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  /** Whether gradients flow to this tensor (leaves: parameters; others: set by ops). */
  requiresGrad = false;
  /** Accumulated gradient of a leaf after backward(); null until then. */
  grad: Tensor | null = null;
  /** How this tensor was computed, for backward(); null for leaves and under noGrad. */
  gradFn: GradFn | null = null;
  /** Optional name, shown in errors (a NaN guard names the first non-finite tensor). */
  name?: string;
  /**
   * Counts in-place changes made through the library (optimizer steps, loadStateDict), so caches
   * derived from the values (BitLinear's quantized weights) know when to rebuild. After writing
   * `.data` yourself, call markModified().
   */
  version = 0;

  private view: AnyTypedArray | null;
  private readonly storage: Storage;

  /** Use the static constructors (empty, zeros, from, ...) instead. */
  private constructor(
    readonly dtype: DType,
    shape: Shape,
    storage: Storage,
  ) {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape, 'Tensor');
    this.storage = storage;
    this.view = viewOf(dtype, storage.buffer, this.size);
    track(this);
  }

  // ---- construction -------------------------------------------------------------------------

  /** A tensor whose contents are unspecified (pooled memory): the caller writes every element. */
  static empty(shape: Shape, dtype: DType = 'f32'): Tensor {
    checkDType(dtype, 'Tensor.empty');
    const size = sizeOf(shape, 'Tensor.empty');
    return new Tensor(dtype, shape, allocateStorage(size * BYTES_PER_ELEMENT[dtype]));
  }

  static zeros(shape: Shape, dtype: DType = 'f32'): Tensor {
    return Tensor.full(shape, 0, dtype);
  }

  static ones(shape: Shape, dtype: DType = 'f32'): Tensor {
    return Tensor.full(shape, 1, dtype);
  }

  static full(shape: Shape, value: number, dtype: DType = 'f32'): Tensor {
    const t = Tensor.empty(shape, dtype);
    t.data.fill(value);
    return t;
  }

  /** A 0-d tensor holding `value`. */
  static scalar(value: number, dtype: DType = 'f32'): Tensor {
    return Tensor.full([], value, dtype);
  }

  /**
   * Copies `data` into a new tensor. The dtype defaults to the typed array's (f32 for plain
   * arrays); the shape defaults to 1-D.
   *
   * @example
   * const x = Tensor.from([1, 2, 3, 4], [2, 2]);
   */
  static from(data: ArrayLike<number>, shape?: Shape, dtype?: DType): Tensor {
    const dt = dtype ?? dtypeOfArray(data) ?? 'f32';
    checkDType(dt, 'Tensor.from');
    const sh = shape ?? [data.length];
    if (sizeOf(sh, 'Tensor.from') !== data.length) {
      throw new ShapeError(`Tensor.from: shape ${formatShape(sh)} needs ${sizeOf(sh)} elements, data has ${data.length}`);
    }
    const t = Tensor.empty(sh, dt);
    t.data.set(data as ArrayLike<number>);
    return t;
  }

  // ---- access -------------------------------------------------------------------------------

  get ndim(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.view === null;
  }

  /** The elements, row-major, as a typed-array view over the tensor's memory (not a copy). */
  get data(): AnyTypedArray {
    if (this.view === null) throw new DisposedError(`Tensor${this.label()}: used after dispose()`);
    return this.view;
  }

  /** The data as a Float32Array; throws unless dtype is f32. */
  f32(): Float32Array {
    if (this.dtype !== 'f32') throw new DTypeError(`Tensor${this.label()}: expected dtype f32, got ${this.dtype}`);
    return this.data as Float32Array;
  }

  /** The data as an Int32Array; throws unless dtype is i32. */
  i32(): Int32Array {
    if (this.dtype !== 'i32') throw new DTypeError(`Tensor${this.label()}: expected dtype i32, got ${this.dtype}`);
    return this.data as Int32Array;
  }

  /** The single element of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new ShapeError(`Tensor.item: tensor has ${this.size} elements, expected 1`);
    return this.data[0];
  }

  toArray(): number[] {
    return Array.from(this.data);
  }

  // ---- views and copies ---------------------------------------------------------------------

  /**
   * A tensor with the same elements in another shape, sharing memory (one dimension may be -1).
   * Differentiable: the gradient is reshaped back.
   */
  reshape(shape: Shape): Tensor {
    const target = inferShape(shape, this.size, 'reshape');
    this.data; // throws if disposed
    const out = new Tensor(this.dtype, target, this.storage.retain());
    const inputShape = this.shape;
    return record(out, [this], (g) => [g.reshape(inputShape)]);
  }

  /** A copy with its own memory, outside the autograd graph. */
  clone(): Tensor {
    const t = Tensor.empty(this.shape, this.dtype);
    t.data.set(this.data);
    return t;
  }

  /** A copy that shares no autograd history (PyTorch's detach, but copying memory). */
  detach(): Tensor {
    return this.clone();
  }

  /** Whether `other` shares this tensor's memory. */
  sharesStorageWith(other: Tensor): boolean {
    return this.storage === other.storage;
  }

  /** Gives the memory back (to the pool once no view uses it). Idempotent. */
  dispose(): void {
    if (this.view === null) return;
    this.view = null;
    this.gradFn = null;
    this.storage.release();
  }

  // ---- autograd -----------------------------------------------------------------------------

  /**
   * Back-propagates from this tensor: a scalar by default (gradient 1), or any tensor given the
   * gradient of its elements. Leaf gradients accumulate into `.grad`.
   */
  backward(gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
    runBackward(this, gradient, options);
  }

  /** Records an in-place change of the values (bumps `version`); returns this. */
  markModified(): this {
    this.version++;
    return this;
  }

  /** Marks this tensor as a leaf that receives gradients; returns it. */
  requiresGrad_(flag = true): this {
    if (flag && this.dtype !== 'f32') {
      throw new DTypeError(`requiresGrad_: only f32 tensors can require gradients, got ${this.dtype}`);
    }
    this.requiresGrad = flag;
    return this;
  }

  // ---- display ------------------------------------------------------------------------------

  toString(): string {
    if (this.isDisposed) return `Tensor(disposed, ${this.dtype}, ${formatShape(this.shape)})`;
    const n = Math.min(this.size, 8);
    const head = Array.from(this.data.subarray(0, n), (v) => (this.dtype === 'f32' ? v.toPrecision(4) : String(v)));
    return `Tensor(${this.dtype}, ${formatShape(this.shape)}${this.requiresGrad ? ', requiresGrad' : ''}) [${head.join(', ')}${this.size > n ? ', …' : ''}]`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  private label(): string {
    return this.name ? ` '${this.name}'` : ` ${this.dtype}${formatShape(this.shape)}`;
  }
}

function checkDType(dtype: unknown, op: string): asserts dtype is DType {
  if (!isDType(dtype)) throw new DTypeError(`${op}: dtype must be one of f32, i32, i8, u8, got ${String(dtype)}`);
}
