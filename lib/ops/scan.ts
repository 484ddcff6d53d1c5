// Ops along time with autograd: causal depthwise 1-D conv (spec S5; v4's mixer, k = 8) and cumulative
// sum / mean (cummean is v6's causal planner fix, spec §10 B3). Kernels: native/src/kernels/scan
// (float64 running sums; dw reduced in a fixed order, so results do not depend on the thread count).
import { DTypeError, ShapeError, formatShape } from '../errors';
import { native } from '../native';
import { needsGrad, record } from '../tensor/autograd';
import { normalizeAxis } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';

/** Largest kernel width the native conv accepts. */
export const MAX_CONV_K = 256;

function requireF32(t: unknown, op: string, name: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new DTypeError(`${op}: ${name} must be a Tensor, got ${typeof t}`);
  if (t.dtype !== 'f32') throw new DTypeError(`${op}: ${name} must be f32, got ${t.dtype}`);
}

/**
 * Causal depthwise conv: y[b,t,c] = Σ_{j<K} w[c,j]·x[b, t−K+1+j, c], zeros before t = 0, no bias.
 * The last tap w[c, K−1] weighs the current step. Same as PyTorch's Conv1d(C, C, K, groups=C,
 * padding=K−1, bias=False) on (B, C, T) keeping the first T outputs, with w = conv.weight[:, 0, :].
 *
 * @example
 * const c = causalConv1d(v, w); // (B, T, C) * (C, 8) -> (B, T, C)
 */
export function causalConv1d(x: Tensor, w: Tensor): Tensor {
  const op = 'causalConv1d';
  requireF32(x, op, 'x');
  requireF32(w, op, 'w');
  if (x.ndim !== 3) throw new ShapeError(`${op}: x must be (B, T, C), got ${formatShape(x.shape)}`);
  const [B, T, C] = x.shape;
  if (w.ndim !== 2 || w.shape[0] !== C) throw new ShapeError(`${op}: w must be (C, K) with C = ${C}, got ${formatShape(w.shape)}`);
  const K = w.shape[1];
  if (K < 1 || K > MAX_CONV_K) throw new ShapeError(`${op}: kernel width K must be in [1, ${MAX_CONV_K}], got ${K}`);
  const y = Tensor.empty([B, T, C]);
  native.causalConv1dForward(x.f32(), w.f32(), y.f32(), B, T, C, K);
  return record(y, [x, w], (g) => {
    const dx = needsGrad(x) ? Tensor.empty(x.shape) : null;
    const dw = needsGrad(w) ? Tensor.empty(w.shape) : null;
    native.causalConv1dBackward(x.f32(), w.f32(), g.f32(), dx && dx.f32(), dw && dw.f32(), B, T, C, K);
    return [dx, dw];
  }, op);
}

/** (outer, n, inner) view of x around `axis`. */
function around(x: Tensor, axis: number, op: string): [number, number, number] {
  const ax = normalizeAxis(axis, x.ndim, op);
  const outer = x.shape.slice(0, ax).reduce((p, d) => p * d, 1);
  const inner = x.shape.slice(ax + 1).reduce((p, d) => p * d, 1);
  return [outer, x.shape[ax], inner];
}

function cumulative(x: Tensor, axis: number, mean: boolean): Tensor {
  const op = mean ? 'cummean' : 'cumsum';
  requireF32(x, op, 'x');
  const [outer, n, inner] = around(x, axis, op);
  const y = Tensor.empty(x.shape);
  native.cumsumForward(x.f32(), y.f32(), outer, n, inner, mean);
  return record(y, [x], (g) => {
    const dx = Tensor.empty(x.shape);
    native.cumsumBackward(g.f32(), dx.f32(), outer, n, inner, mean); // reverse running sum
    return [dx];
  }, op);
}

/**
 * Inclusive cumulative sum along `axis` (default 1, time in (B, T, C)), with a float64 running sum so
 * thousands of steps keep float32 accuracy.
 *
 * @example
 * const s = cumsum(x); // (B, T, C): s[:, t] = x[:, 0] + ... + x[:, t]
 */
export function cumsum(x: Tensor, axis = 1): Tensor {
  return cumulative(x, axis, false);
}

/**
 * Causal running mean along `axis` (default 1): y[:, t] = (x[:, 0] + ... + x[:, t]) / (t + 1). v6's
 * planner uses it instead of the whole-sequence mean, which leaked the future (spec §10 B3).
 *
 * @example
 * const ctx = cummean(h); // (B, T, C): position t sees only steps <= t
 */
export function cummean(x: Tensor, axis = 1): Tensor {
  return cumulative(x, axis, true);
}
