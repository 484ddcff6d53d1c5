// Softmax, log-softmax and the fused softmax + cross-entropy loss over the last axis, on the native
// row kernels (native/src/kernels/softmax). Each backward sits beside its forward and reuses what the
// forward saved (the output, or each row's logsumexp), so no V-sized pass is repeated needlessly.
import { DTypeError, ShapeError, formatShape } from '../errors';
import { native } from '../native';
import type { CrossEntropyReduction } from '../native/softmax';
import { record } from '../tensor/autograd';
import { Tensor } from '../tensor/tensor';

/** (rows, last) view of a tensor whose last axis is the softmax axis. */
function rowsOf(x: Tensor, op: string): [number, number] {
  if (x.dtype !== 'f32') throw new DTypeError(`${op}: x must be f32, got ${x.dtype}`);
  if (x.ndim < 1) throw new ShapeError(`${op}: x must have at least 1 dimension`);
  const C = x.shape[x.ndim - 1];
  return [C === 0 ? 0 : x.size / C, C];
}

/**
 * softmax over the last axis.
 *
 * @example
 * const p = softmax(logits); // (B, T, V), rows sum to 1
 */
export function softmax(x: Tensor): Tensor {
  const [R, C] = rowsOf(x, 'softmax');
  const y = Tensor.empty(x.shape);
  native.softmaxForward(x.f32(), y.f32(), R, C);
  return record(y, [x], (g) => {
    const gx = Tensor.empty(x.shape);
    native.softmaxBackward(y.f32(), g.f32(), gx.f32(), R, C);
    return [gx];
  }, 'softmax');
}

/** log(softmax(x)) over the last axis, computed as x − logsumexp(x). */
export function logSoftmax(x: Tensor): Tensor {
  const [R, C] = rowsOf(x, 'logSoftmax');
  const y = Tensor.empty(x.shape);
  native.logSoftmaxForward(x.f32(), y.f32(), R, C);
  return record(y, [x], (g) => {
    const gx = Tensor.empty(x.shape);
    native.logSoftmaxBackward(y.f32(), g.f32(), gx.f32(), R, C);
    return [gx];
  }, 'logSoftmax');
}

export interface CrossEntropyOptions {
  /** Targets equal to this are skipped (PyTorch's default, -100). */
  ignoreIndex?: number;
  /** 'mean' over non-ignored targets (default) or 'sum'. With every target ignored the loss is 0. */
  reduction?: CrossEntropyReduction;
}

/**
 * Cross-entropy of `logits` (..., V) against int32 class indices `targets` (...), fused with the
 * softmax. Returns a 0-d tensor; its value is in nats.
 *
 * @example
 * const loss = crossEntropy(model.forward(x), y); // logits (B, T, V), y (B, T)
 */
export function crossEntropy(logits: Tensor, targets: Tensor, options: CrossEntropyOptions = {}): Tensor {
  const { ignoreIndex = -100, reduction = 'mean' } = options;
  const [R, V] = rowsOf(logits, 'crossEntropy');
  if (targets.dtype !== 'i32') throw new DTypeError(`crossEntropy: targets must be i32 class indices, got ${targets.dtype}`);
  if (targets.size !== R || targets.ndim !== logits.ndim - 1 || targets.shape.some((d, i) => d !== logits.shape[i])) {
    throw new ShapeError(
      `crossEntropy: targets must have shape ${formatShape(logits.shape.slice(0, -1))} (logits without the class axis), got ${formatShape(targets.shape)}`,
    );
  }
  const lse = Tensor.empty([R]);
  const { loss } = native.crossEntropyForward(logits.f32(), targets.i32(), lse.f32(), null, R, V, ignoreIndex, reduction);
  const out = Tensor.scalar(loss);
  return record(out, [logits], (g) => {
    const gl = Tensor.empty(logits.shape);
    native.crossEntropyBackward(logits.f32(), targets.i32(), lse.f32(), gl.f32(), R, V, ignoreIndex, reduction, g.item());
    return [gl];
  }, 'crossEntropy');
}
