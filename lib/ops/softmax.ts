// Softmax, log-softmax and cross-entropy with autograd, all over the LAST axis (rows of length C or V).
// Kernels: native/src/kernels/softmax (max-subtracted; cross-entropy fuses log-softmax and NLL, sums
// per-row losses in float64 and saves each row's logsumexp so the backward is one exp pass per row).
import { DTypeError, ShapeError, formatShape } from '../errors';
import { native } from '../native';
import { record } from '../tensor/autograd';
import { Tensor } from '../tensor/tensor';

function requireF32(t: unknown, op: string, name: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new DTypeError(`${op}: ${name} must be a Tensor, got ${typeof t}`);
  if (t.dtype !== 'f32') throw new DTypeError(`${op}: ${name} must be f32, got ${t.dtype}`);
}

/** (R, C) view of x: rows are the last axis. */
function rows(x: Tensor, op: string): [number, number] {
  if (x.ndim < 1) throw new ShapeError(`${op}: x must have at least 1 dimension (the softmax axis), got a 0-d tensor`);
  const C = x.shape[x.ndim - 1];
  return [C === 0 ? 0 : x.size / C, C];
}

function softmaxOp(x: Tensor, log: boolean): Tensor {
  const op = log ? 'logSoftmax' : 'softmax';
  requireF32(x, op, 'x');
  const [R, C] = rows(x, op);
  const y = Tensor.empty(x.shape);
  if (log) native.logSoftmaxForward(x.f32(), y.f32(), R, C);
  else native.softmaxForward(x.f32(), y.f32(), R, C);
  // Both backwards need only the output y (saved here), not x.
  return record(y, [x], (g) => {
    const dx = Tensor.empty(x.shape);
    if (log) native.logSoftmaxBackward(y.f32(), g.f32(), dx.f32(), R, C);
    else native.softmaxBackward(y.f32(), g.f32(), dx.f32(), R, C);
    return [dx];
  }, op);
}

/**
 * softmax over the last axis, computed as exp(x - max) / sum. A row that is all -inf gives zeros
 * (PyTorch gives NaN), so fully masked rows contribute nothing.
 *
 * @example
 * const p = softmax(scores); // (B, H, T, T), each row sums to 1
 */
export function softmax(x: Tensor): Tensor {
  return softmaxOp(x, false);
}

/**
 * log(softmax(x)) over the last axis, computed as x - logsumexp(x) (no log of a rounded probability).
 * An all -inf row gives -inf.
 *
 * @example
 * const logp = logSoftmax(logits); // (B, T, V)
 */
export function logSoftmax(x: Tensor): Tensor {
  return softmaxOp(x, true);
}

export interface CrossEntropyOptions {
  /** Targets equal to this are skipped (no loss, no gradient). Default -100, like PyTorch. */
  ignoreIndex?: number;
  /**
   * 'mean' (default): average over non-ignored targets, and 0 (not NaN, unlike PyTorch) when every
   * target is ignored; 'sum': their sum; 'none': the per-target loss, shaped like targets, 0 where ignored
   * (the per-token NLL in nats that bits-per-character needs).
   */
  reduction?: 'mean' | 'sum' | 'none';
}

/**
 * Cross-entropy of logits (…, V) against int32 class targets (…): -log softmax(logits)[target], fused
 * (PyTorch's F.cross_entropy with class indices). A target outside [0, V) that is not ignoreIndex
 * throws a RangeError naming its row. The result is 0-d for 'mean' and 'sum'.
 *
 * @example
 * const loss = crossEntropy(logits, targets); // (B, T, V), (B, T) int32 -> scalar mean over tokens
 */
export function crossEntropy(logits: Tensor, targets: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const op = 'crossEntropy';
  const { ignoreIndex = -100, reduction = 'mean' } = options;
  requireF32(logits, op, 'logits');
  if (!(targets instanceof Tensor)) throw new DTypeError(`${op}: targets must be a Tensor, got ${typeof targets}`);
  if (targets.dtype !== 'i32') throw new DTypeError(`${op}: targets must be i32 (class indices), got ${targets.dtype}`);
  if (reduction !== 'mean' && reduction !== 'sum' && reduction !== 'none') {
    throw new TypeError(`${op}: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'`);
  }
  if (!Number.isInteger(ignoreIndex) || ignoreIndex < -(2 ** 31) || ignoreIndex >= 2 ** 31) {
    throw new RangeError(`${op}: ignoreIndex must be an int32, got ${ignoreIndex}`);
  }
  const lead = logits.shape.slice(0, -1);
  if (logits.ndim < 1 || targets.ndim !== lead.length || targets.shape.some((d, i) => d !== lead[i])) {
    throw new ShapeError(
      `${op}: targets must have logits' shape without the last axis ${formatShape(lead)}, ` +
        `got logits ${formatShape(logits.shape)} and targets ${formatShape(targets.shape)}`,
    );
  }
  const V = logits.shape[logits.ndim - 1];
  if (V === 0) throw new ShapeError(`${op}: logits must have at least one class (V >= 1), got ${formatShape(logits.shape)}`);
  const R = targets.size;
  const lse = Tensor.empty([R]);
  const losses = reduction === 'none' ? Tensor.empty(targets.shape) : null;
  const nativeReduction = reduction === 'none' ? 'sum' : reduction;
  const { loss } = native.crossEntropyForward(
    logits.f32(), targets.i32(), lse.f32(), losses && losses.f32(), R, V, ignoreIndex, nativeReduction,
  );
  const out = losses ?? Tensor.scalar(loss);
  return record(out, [logits], (g) => {
    const dl = Tensor.empty(logits.shape);
    if (reduction !== 'none') {
      native.crossEntropyBackward(logits.f32(), targets.i32(), lse.f32(), dl.f32(), R, V, ignoreIndex, reduction, g.f32()[0]);
      return [dl];
    }
    // Per-row upstream gradients: the kernel takes one scale, so scale rows here (rarely differentiated).
    native.crossEntropyBackward(logits.f32(), targets.i32(), lse.f32(), dl.f32(), R, V, ignoreIndex, 'sum', 1);
    const d = dl.f32(), gr = g.f32();
    for (let r = 0; r < R; r++) {
      const s = gr[r];
      for (let j = r * V; j < (r + 1) * V; j++) d[j] *= s;
    }
    return [dl];
  }, op);
}
