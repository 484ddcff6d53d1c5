// Ops that move elements without arithmetic: concatenation and splitting along an axis, and
// transposing the last two dimensions. Rows are copied with TypedArray.set, which is memcpy speed.
import { ShapeError, formatShape } from '../errors';
import { needsGrad, record } from '../tensor/autograd';
import { normalizeAxis } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';

/** (outer, axis, inner) view of `shape` around `axis`. */
function around(shape: readonly number[], axis: number): [number, number, number] {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  return [outer, shape[axis], inner];
}

/**
 * Joins tensors along `axis` (default: last); all other dimensions must match.
 *
 * @example
 * const gu = concat([g, u], -1); // (B, T, F) + (B, T, F) -> (B, T, 2F)
 */
export function concat(xs: readonly Tensor[], axis = -1): Tensor {
  if (xs.length === 0) throw new ShapeError('concat: xs must hold at least one tensor');
  const first = xs[0];
  const ax = normalizeAxis(axis, first.ndim, 'concat');
  for (const [i, x] of xs.entries()) {
    if (x.dtype !== first.dtype) throw new ShapeError(`concat: xs[${i}] has dtype ${x.dtype}, xs[0] has ${first.dtype}`);
    if (x.ndim !== first.ndim || x.shape.some((d, j) => j !== ax && d !== first.shape[j])) {
      throw new ShapeError(`concat: xs[${i}] has shape ${formatShape(x.shape)}, incompatible with xs[0] ${formatShape(first.shape)} along axis ${ax}`);
    }
  }
  const total = xs.reduce((s, x) => s + x.shape[ax], 0);
  const outShape = [...first.shape];
  outShape[ax] = total;
  const out = Tensor.empty(outShape, first.dtype);
  const [outer, , inner] = around(outShape, ax);
  const o = out.data;
  let offset = 0;
  for (const x of xs) {
    const rowLen = x.shape[ax] * inner;
    const d = x.data;
    for (let r = 0; r < outer; r++) o.set(d.subarray(r * rowLen, (r + 1) * rowLen), r * total * inner + offset);
    offset += rowLen;
  }
  const sizes = xs.map((x) => x.shape[ax]);
  return record(out, xs, (g) => {
    const parts = split(g, sizes, ax);
    return parts.map((p, i) => (needsGrad(xs[i]) ? p : (p.dispose(), null)));
  }, 'concat');
}

/**
 * Splits `x` along `axis` into pieces of the given sizes (or into `sections` equal pieces).
 *
 * @example
 * const [gate, value] = split(up, 2, -1); // (B, T, 2C) -> two (B, T, C); v4's first half is the gate
 */
export function split(x: Tensor, sizesOrSections: number | readonly number[], axis = -1): Tensor[] {
  const ax = normalizeAxis(axis, x.ndim, 'split');
  const n = x.shape[ax];
  let sizes: number[];
  if (typeof sizesOrSections === 'number') {
    if (!Number.isInteger(sizesOrSections) || sizesOrSections <= 0 || n % sizesOrSections !== 0) {
      throw new ShapeError(`split: sections must be a positive divisor of x.shape[${ax}] (${n}), got ${sizesOrSections}`);
    }
    sizes = new Array<number>(sizesOrSections).fill(n / sizesOrSections);
  } else {
    sizes = [...sizesOrSections];
    if (sizes.some((s) => !Number.isInteger(s) || s < 0) || sizes.reduce((a, b) => a + b, 0) !== n) {
      throw new ShapeError(`split: sizes ${JSON.stringify(sizes)} must be non-negative integers summing to x.shape[${ax}] (${n})`);
    }
  }
  const [outer, , inner] = around(x.shape, ax);
  const d = x.data;
  let offset = 0;
  return sizes.map((size) => {
    const shape = [...x.shape];
    shape[ax] = size;
    const out = Tensor.empty(shape, x.dtype);
    const o = out.data;
    const rowLen = size * inner;
    for (let r = 0; r < outer; r++) o.set(d.subarray(r * n * inner + offset, r * n * inner + offset + rowLen), r * rowLen);
    const start = offset;
    offset += rowLen;
    return record(out, [x], (g) => {
      // Scatter this piece's gradient into a zero tensor of x's shape; the engine sums the pieces.
      const gx = Tensor.zeros(x.shape);
      const gd = gx.f32(), gg = g.f32();
      for (let r = 0; r < outer; r++) gd.set(gg.subarray(r * rowLen, (r + 1) * rowLen), r * n * inner + start);
      return [gx];
    }, 'split');
  });
}

/**
 * Swaps the last two dimensions (a copy): (..., M, N) -> (..., N, M).
 */
export function transpose(x: Tensor): Tensor {
  if (x.ndim < 2) throw new ShapeError(`transpose: x needs at least 2 dimensions, got ${formatShape(x.shape)}`);
  const M = x.shape[x.ndim - 2], N = x.shape[x.ndim - 1];
  const batch = x.size / (M * N) || 0;
  const out = Tensor.empty([...x.shape.slice(0, -2), N, M], x.dtype);
  const s = x.data, o = out.data;
  for (let b = 0; b < batch; b++) {
    const base = b * M * N;
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) o[base + j * M + i] = s[base + i * N + j];
  }
  return record(out, [x], (g) => [transpose(g)], 'transpose');
}
