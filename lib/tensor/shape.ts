// Shape arithmetic shared by every op: sizes, row-major strides, axis normalisation, reshape
// inference and NumPy/PyTorch broadcasting.
import { ShapeError, formatShape } from '../errors';

export type Shape = readonly number[];

/** Number of elements; throws on a negative or non-integer dimension. */
export function sizeOf(shape: Shape, what = 'shape'): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${what}: dimensions must be non-negative integers, got ${formatShape(shape)}`);
    }
    n *= d;
  }
  if (n > Number.MAX_SAFE_INTEGER) throw new ShapeError(`${what}: ${formatShape(shape)} has too many elements`);
  return n;
}

/** Row-major strides in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Maps a possibly negative axis into [0, ndim); throws naming `op` otherwise. */
export function normalizeAxis(axis: number, ndim: number, op: string): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new ShapeError(`${op}: axis must be an integer in [${-ndim}, ${ndim - 1}], got ${axis}`);
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Resolves one -1 in `shape` so that it holds `size` elements. */
export function inferShape(shape: Shape, size: number, op: string): number[] {
  const out = [...shape];
  const unknown = out.indexOf(-1);
  if (unknown !== out.lastIndexOf(-1)) throw new ShapeError(`${op}: only one dimension can be -1, got ${formatShape(shape)}`);
  const known = out.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
  if (unknown >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new ShapeError(`${op}: cannot reshape ${size} elements into ${formatShape(shape)}`);
    }
    out[unknown] = size / known;
  }
  if (sizeOf(out, op) !== size) throw new ShapeError(`${op}: cannot reshape ${size} elements into ${formatShape(shape)}`);
  return out;
}

/** The broadcast shape of `a` and `b` (trailing dimensions aligned; 1 stretches). */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Element strides that read `shape` as if it had the broadcast shape `target` (0 on broadcast
 * dimensions), for kernels that take per-dimension strides.
 */
export function broadcastStrides(shape: Shape, target: Shape): number[] {
  const own = stridesOf(shape);
  const offset = target.length - shape.length;
  return target.map((_, i) => (i < offset || shape[i - offset] === 1 ? 0 : own[i - offset]));
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
