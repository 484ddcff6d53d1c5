// Native surface: the softmax kernel family (native/src/bind/softmax.cc): softmax and log-softmax over
// the last axis (forward, backward) and fused softmax cross-entropy with an ignore index.
// Arrays are row-major (R, C) (or (R, V) for logits); arguments are inputs, outputs, then dims.

/** Result of {@link SoftmaxNative.crossEntropyForward}. */
export interface CrossEntropyResult {
  /** Mean (or sum) of the per-row losses over non-ignored rows, accumulated in float64. 0 when count is 0. */
  loss: number;
  /** Number of rows whose target is not ignoreIndex. */
  count: number;
}

export type CrossEntropyReduction = 'mean' | 'sum';

export interface SoftmaxNative {
  /**
   * y (R, C) = softmax(x (R, C)) row-wise, max-subtracted. y may be x itself (in place).
   * A row of all -inf gives all zeros (PyTorch gives NaN); a row with one finite entry gives a one-hot.
   */
  softmaxForward(x: Float32Array, y: Float32Array, R: number, C: number): void;
  /** y (R, C) = log_softmax(x) = x - logsumexp(x) row-wise. An all -inf row gives all -inf. */
  logSoftmaxForward(x: Float32Array, y: Float32Array, R: number, C: number): void;
  /** dx = y * (dy - sum(dy * y)) row-wise, from the forward OUTPUT y. dx may be dy itself. */
  softmaxBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, R: number, C: number): void;
  /** dx = dy - exp(y) * sum(dy) row-wise, from the forward OUTPUT y (log-probabilities). dx may be dy. */
  logSoftmaxBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, R: number, C: number): void;
  /**
   * Cross-entropy of logits (R, V) against int32 targets (R). Targets equal to ignoreIndex (PyTorch's
   * default is -100) are skipped; any other target outside [0, V) throws a RangeError naming the row.
   * Writes lse (R) = logsumexp of each row (0 for ignored rows; keep it for the backward) and, when
   * `losses` is given, the per-row loss lse - logits[t] (0 for ignored rows; per-token NLL in nats).
   * With every row ignored the loss is 0 and count 0 (PyTorch's mean would be NaN).
   */
  crossEntropyForward(
    logits: Float32Array, targets: Int32Array, lse: Float32Array, losses: Float32Array | null,
    R: number, V: number, ignoreIndex: number, reduction: CrossEntropyReduction,
  ): CrossEntropyResult;
  /**
   * dlogits (R, V) = (softmax(logits) - onehot(target)) * gradScale / count for 'mean' (count = non-ignored
   * rows; 0 gradient when count is 0), or * gradScale for 'sum'; ignored rows get zeros. Uses the lse saved
   * by the forward, so each row costs one exp pass. dlogits may be logits itself (in place).
   */
  crossEntropyBackward(
    logits: Float32Array, targets: Int32Array, lse: Float32Array, dlogits: Float32Array,
    R: number, V: number, ignoreIndex: number, reduction: CrossEntropyReduction, gradScale: number,
  ): void;
}
