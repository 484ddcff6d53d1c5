// Native surface: the quant family (native/src/bind/quant.cc): the O(N) passes of the S1 ternary
// weight quantizers and BitLinear's small backward passes. lib/ops/quant.ts composes them.

export interface QuantNative {
  /** out[r] = Σ_j |w[r·k + j]| in float64, left to right. @example native.quantRowAbsSums(w, n, k, sums); */
  quantRowAbsSums(w: Float32Array, n: number, k: number, out: Float64Array): void;
  /**
   * codes = clamp(round_half_even(w/div_r), −1, 1) (= ±1 where |fl32(w/div_r)| > 0.5); deq = codes·scale_r
   * when given. div and scale hold n values when perRow, else 1.
   */
  quantAbsmeanCodes(
    w: Float32Array, n: number, k: number, div: Float32Array, scale: Float32Array, perRow: boolean,
    codes: Int8Array, deq: Float32Array | null,
  ): void;
  /** codes = sign(w)·1[|w| > t]; deq = codes as f32 when given. */
  quantThresholdCodes(w: Float32Array, t: number, codes: Int8Array, deq: Float32Array | null): void;
  /** The lower median of |w| (torch.median's convention for an even count). */
  quantLowerMedianAbs(w: Float32Array): number;
  /**
   * v6.1-C ternary activations: per row t = fl32(0.6745)·fl32(Σ|x_row|/k), codes ±1 beyond ±t, else 0;
   * rowSums[i] = Σ_j |x_ij| in float64 (for the per-tensor scale).
   */
  quantTernaryActivations(x: Float32Array, m: number, k: number, codes: Int8Array, rowSums: Float64Array): void;
  /** out[i·k + j] = q[i·k + j]·scale[i]. */
  quantDequantizeRowsI8(q: Int8Array, scale: Float32Array, m: number, k: number, out: Float32Array): void;
  /** grad[i] = 0 where !(|w[i]| < clip), in place (BL-M's clipped STE). */
  quantSteClip(grad: Float32Array, w: Float32Array, clip: number): void;
  /** Σ a[i]·b[i] over a.length, in float64. */
  quantDot(a: Float32Array, b: Float32Array): number;
}
