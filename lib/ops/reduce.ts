// Reductions with autograd: sum, mean and max over one axis (or everything), with keepDim, and
// argmax. Kernels: native/src/kernels/reduce (float64 accumulation, thread-count independent).
// An axis reduction views x as (outer, n, inner) around the axis and reduces the middle.
import { DTypeError } from '../errors';
import { native } from '../native';
import { record } from '../tensor/autograd';
import { normalizeAxis } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';

interface Plan {
  outer: number;
  n: number;
  inner: number;
  outShape: number[];
}

function plan(x: Tensor, axis: number | undefined, keepDim: boolean, op: string): Plan {
  if (!(x instanceof Tensor)) throw new DTypeError(`${op}: x must be a Tensor, got ${typeof x}`);
  if (x.dtype !== 'f32') throw new DTypeError(`${op}: x must be f32, got ${x.dtype}`);
  if (axis === undefined) {
    return { outer: 1, n: x.size, inner: 1, outShape: keepDim ? x.shape.map(() => 1) : [] };
  }
  const ax = normalizeAxis(axis, x.ndim, op);
  const outer = x.shape.slice(0, ax).reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(ax + 1).reduce((p, d) => p * d, 1);
  const outShape = keepDim ? x.shape.map((d, i) => (i === ax ? 1 : d)) : x.shape.filter((_, i) => i !== ax);
  return { outer, n: x.shape[ax], inner, outShape };
}

function sumOrMean(x: Tensor, axis: number | undefined, keepDim: boolean, mean: boolean): Tensor {
  const op = mean ? 'mean' : 'sum';
  const p = plan(x, axis, keepDim, op);
  const out = Tensor.empty(p.outShape);
  if (axis === undefined) {
    out.f32()[0] = native.sumAll(x.f32()) / (mean ? p.n : 1); // rounded to f32 once, from float64
  } else {
    native.reduceAxis(op, x.f32(), p.outer, p.n, p.inner, out.f32());
  }
  return record(out, [x], (g) => {
    const gi = Tensor.empty(x.shape);
    native.expandAxis(g.f32(), p.outer, p.n, p.inner, mean ? 1 / p.n : 1, gi.f32());
    return [gi];
  }, op);
}

/**
 * Sum over `axis` (default: every element, giving a 0-d tensor), keeping it as size 1 if keepDim.
 * @example const s = sum(x, -1, true); // (B, T, C) -> (B, T, 1)
 */
export function sum(x: Tensor, axis?: number, keepDim = false): Tensor {
  return sumOrMean(x, axis, keepDim, false);
}

/**
 * Mean over `axis` (default: every element). The mean of an empty axis is NaN.
 * @example const m = mean(loss); // 0-d
 */
export function mean(x: Tensor, axis?: number, keepDim = false): Tensor {
  return sumOrMean(x, axis, keepDim, true);
}

/**
 * Maximum over `axis` (default: every element). The gradient goes to the argmax element only (the
 * first one on ties); NaN is the maximum when present, as in PyTorch.
 * @example const m = max(logits, -1, true); // (B, T, V) -> (B, T, 1)
 */
export function max(x: Tensor, axis?: number, keepDim = false): Tensor {
  const p = plan(x, axis, keepDim, 'max');
  if (p.n === 0) throw new RangeError(`max: cannot reduce an empty axis (x has shape [${x.shape.join(', ')}])`);
  const out = Tensor.empty(p.outShape), idx = Tensor.empty(p.outShape, 'i32');
  native.reduceAxis('max', x.f32(), p.outer, p.n, p.inner, out.f32(), idx.i32());
  if (!x.requiresGrad) idx.dispose(); // kept only for the backward
  return record(out, [x], (g) => {
    const gi = Tensor.empty(x.shape);
    native.maxBackward(g.f32(), idx.i32(), p.outer, p.n, p.inner, gi.f32());
    return [gi];
  }, 'max');
}

/**
 * Index of the maximum along `axis` (first on ties), as an i32 tensor; not differentiable.
 * @example const next = argmax(logits, -1); // (B, T, V) -> (B, T)
 */
export function argmax(x: Tensor, axis: number, keepDim = false): Tensor {
  const p = plan(x, axis, keepDim, 'argmax');
  if (p.n === 0) throw new RangeError(`argmax: cannot reduce an empty axis (x has shape [${x.shape.join(', ')}])`);
  const out = Tensor.empty(p.outShape), idx = Tensor.empty(p.outShape, 'i32');
  native.reduceAxis('max', x.f32(), p.outer, p.n, p.inner, out.f32(), idx.i32());
  out.dispose();
  return idx;
}
