// RMSNorm (spec S2) and LayerNorm (PyTorch semantics) over the last axis, with autograd.
// Kernels: native/src/kernels/norm (per-row statistics saved for the backward; dweight/dbias summed
// over fixed row blocks, so gradients do not depend on the thread count).
import { DTypeError, ShapeError, formatShape } from '../errors';
import { native } from '../native';
import { needsGrad, record } from '../tensor/autograd';
import { Tensor } from '../tensor/tensor';

function requireF32(t: unknown, op: string, name: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new DTypeError(`${op}: ${name} must be a Tensor, got ${typeof t}`);
  if (t.dtype !== 'f32') throw new DTypeError(`${op}: ${name} must be f32, got ${t.dtype}`);
}

/** (R, C) view of x and a check that a per-channel parameter is (C). */
function plan(x: Tensor, params: [string, Tensor | null | undefined][], eps: number, op: string): [number, number] {
  requireF32(x, op, 'x');
  if (x.ndim < 1) throw new ShapeError(`${op}: x must have at least 1 dimension (channels), got a 0-d tensor`);
  const C = x.shape[x.ndim - 1];
  if (C === 0) throw new ShapeError(`${op}: x must have at least one channel, got ${formatShape(x.shape)}`);
  for (const [name, p] of params) {
    if (p === null || p === undefined) continue;
    requireF32(p, op, name);
    if (p.ndim !== 1 || p.shape[0] !== C) {
      throw new ShapeError(`${op}: ${name} must be (C) with C = ${C} (x's last axis), got ${formatShape(p.shape)}`);
    }
  }
  if (!(typeof eps === 'number' && Number.isFinite(eps) && eps >= 0)) {
    throw new RangeError(`${op}: eps must be a finite number >= 0, got ${eps}`);
  }
  return [x.size / C, C];
}

/**
 * RMSNorm over the last axis: y = x / sqrt(mean(x²) + eps) · weight (spec S2; eps 1e-6 as in v4/v6;
 * v3 used 1e-8).
 *
 * @example
 * const h = rmsNorm(x, g); // (B, T, C) with g (C) -> (B, T, C)
 */
export function rmsNorm(x: Tensor, weight: Tensor, eps = 1e-6): Tensor {
  const op = 'rmsNorm';
  if (!(weight instanceof Tensor)) throw new DTypeError(`${op}: weight must be a Tensor, got ${typeof weight}`);
  const [R, C] = plan(x, [['weight', weight]], eps, op);
  const y = Tensor.empty(x.shape);
  const rstd = Tensor.empty([R]);  // saved: 1/sqrt(mean(x²) + eps) per row
  native.rmsNormForward(x.f32(), weight.f32(), y.f32(), rstd.f32(), R, C, eps);
  return record(y, [x, weight], (g) => {
    // dx is always computed (the kernel forms it in the same pass); dweight only when needed.
    const dx = Tensor.empty(x.shape);
    const dw = needsGrad(weight) ? Tensor.empty([C]) : null;
    native.rmsNormBackward(x.f32(), weight.f32(), rstd.f32(), g.f32(), dx.f32(), dw && dw.f32(), R, C);
    return [needsGrad(x) ? dx : null, dw];
  }, op);
}

/**
 * LayerNorm over the last axis like PyTorch's nn.LayerNorm(C): biased variance, eps 1e-5, then
 * · weight + bias, each optional (null: 1 and 0).
 *
 * @example
 * const h = layerNorm(x, w, b); // (B, T, C) with w, b (C) -> (B, T, C)
 */
export function layerNorm(x: Tensor, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const op = 'layerNorm';
  const [R, C] = plan(x, [['weight', weight], ['bias', bias]], eps, op);
  const y = Tensor.empty(x.shape);
  const mean = Tensor.empty([R]), rstd = Tensor.empty([R]);  // saved per row
  native.layerNormForward(x.f32(), weight && weight.f32(), bias && bias.f32(), y.f32(), mean.f32(), rstd.f32(), R, C, eps);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record(y, inputs, (g) => {
    const dx = Tensor.empty(x.shape);
    const dw = weight && needsGrad(weight) ? Tensor.empty([C]) : null;
    const db = bias && needsGrad(bias) ? Tensor.empty([C]) : null;
    native.layerNormBackward(
      x.f32(), weight && weight.f32(), mean.f32(), rstd.f32(), g.f32(), dx.f32(), dw && dw.f32(), db && db.f32(), R, C,
    );
    const grads: (Tensor | null)[] = [needsGrad(x) ? dx : null];
    if (weight) grads.push(dw);
    if (bias) grads.push(db);
    return grads;
  }, op);
}
