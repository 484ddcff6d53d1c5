// Native surface: the norm kernel family (native/src/bind/norm.cc): RMSNorm (spec S2) and LayerNorm
// (PyTorch semantics) over the last axis. x, y, dy, dx are row-major (R, C); weight/bias (C); the
// saved statistics mean/rstd are (R). Arguments are inputs, outputs, then dims and eps.

export interface NormNative {
  /** y = x / sqrt(mean(x^2) + eps) * weight; writes rstd (R) for the backward. y may be x itself. */
  rmsNormForward(
    x: Float32Array, weight: Float32Array, y: Float32Array, rstd: Float32Array, R: number, C: number, eps: number,
  ): void;
  /**
   * dx (R, C), and dweight (C) when given (overwritten, summed over rows in fixed blocks: the same bits
   * for any thread count). rstd is the forward's.
   */
  rmsNormBackward(
    x: Float32Array, weight: Float32Array, rstd: Float32Array, dy: Float32Array, dx: Float32Array,
    dweight: Float32Array | null, R: number, C: number,
  ): void;
  /**
   * y = (x - mean) * rstd * weight + bias with the biased variance (rstd = 1/sqrt(var + eps)); a null
   * weight means 1, a null bias 0. Writes mean and rstd (R). y may be x itself.
   */
  layerNormForward(
    x: Float32Array, weight: Float32Array | null, bias: Float32Array | null, y: Float32Array,
    mean: Float32Array, rstd: Float32Array, R: number, C: number, eps: number,
  ): void;
  /** dx (R, C); dweight and dbias (C) when given (overwritten, thread-count independent). */
  layerNormBackward(
    x: Float32Array, weight: Float32Array | null, mean: Float32Array, rstd: Float32Array, dy: Float32Array,
    dx: Float32Array, dweight: Float32Array | null, dbias: Float32Array | null, R: number, C: number,
  ): void;
}
