// Native surface: the optim kernel family (native/src/bind/optim.cc): fused AdamW and SGD-momentum
// updates with PyTorch semantics, the float64 global gradient norm, and the in-place clip scale.

export interface GradNorm {
  /** sqrt(sumSq). */
  norm: number;
  /** Σ over all arrays of Σ g², accumulated in float64 over fixed 16384-element blocks. */
  sumSq: number;
  /** Index (in the list) of the first array holding Inf or NaN; -1 when all are finite. */
  nonFiniteIndex: number;
}

export interface OptimNative {
  /**
   * One torch.optim.AdamW step in place on param, m (exp_avg), v (exp_avg_sq); all four arrays have
   * the same length. g = grad·gradScale first (clipping without another pass), then in float32:
   * p·=(1−lr·wd); m = lerp(m, g, 1−β1); v = v·β2 + ((1−β2)·g)·g;
   * p += (−lr/(1−β1^t))·m / (sqrt(v)/sqrt(1−β2^t) + eps). step t >= 1.
   * @example native.adamwStep(p, g, m, v, 3e-3, 0.9, 0.95, 1e-8, 0.01, 1)
   */
  adamwStep(
    param: Float32Array,
    grad: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    beta1: number,
    beta2: number,
    eps: number,
    weightDecay: number,
    step: number,
    gradScale?: number,
  ): void;
  /**
   * One torch.optim.SGD step: g = grad·gradScale + wd·p; buf = g on step 1 else buf·μ + (1−dampening)·g;
   * g = nesterov ? g + μ·buf : buf; p −= lr·g. buf may be null when momentum is 0.
   */
  sgdStep(
    param: Float32Array,
    grad: Float32Array,
    buf: Float32Array | null,
    lr: number,
    momentum: number,
    dampening: number,
    weightDecay: number,
    nesterov: boolean,
    step: number,
    gradScale?: number,
  ): void;
  /**
   * Global L2 norm over every array, identical for any thread count; reports the first array that
   * holds Inf/NaN (the training NaN guard).
   * @example const { norm, nonFiniteIndex } = native.globalGradNorm(grads)
   */
  globalGradNorm(grads: Float32Array[]): GradNorm;
  /** Multiplies every array by `scale` in place (clip_grad_norm_'s second pass). */
  scaleGrads(grads: Float32Array[], scale: number): void;
}
