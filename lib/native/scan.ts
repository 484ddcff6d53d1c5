// Native surface: the scan kernel family (native/src/bind/scan.cc): causal depthwise conv (spec S5)
// and cumulative sum/mean along time. Layout (B, T, C), channels fastest; outputs are overwritten.

export interface ScanNative {
  /**
   * y[b,t,c] = Σ_{j<K} w[c,j]·x[b, t−K+1+j, c] (zeros before t = 0), no bias.
   * x, y: (B, T, C); w: (C, K) with 1 <= K <= 256. y must not overlap x or w.
   * @example native.causalConv1dForward(x, w, y, 2, 256, 192, 8)
   */
  causalConv1dForward(x: Float32Array, w: Float32Array, y: Float32Array, B: number, T: number, C: number, K: number): void;
  /**
   * dx (B, T, C) and dw (C, K) from dy (B, T, C); pass null for a gradient you do not need. dw is
   * reduced over B and T per channel in a fixed order (float64 across 64-step blocks), so it is the
   * same for any thread count.
   */
  causalConv1dBackward(
    x: Float32Array,
    w: Float32Array,
    dy: Float32Array,
    dx: Float32Array | null,
    dw: Float32Array | null,
    B: number,
    T: number,
    C: number,
    K: number,
  ): void;
  /**
   * y[b,t,c] = Σ_{s<=t} x[b,s,c], divided by t+1 when `mean` (the causal mean). Running sums are
   * float64, so long sequences keep full float32 accuracy. y may be x itself (in place).
   */
  cumsumForward(x: Float32Array, y: Float32Array, B: number, T: number, C: number, mean: boolean): void;
  /** dx[b,s,c] = Σ_{t>=s} dy[b,t,c] (÷ (t+1) inside the sum when `mean`). dx may be dy itself. */
  cumsumBackward(dy: Float32Array, dx: Float32Array, B: number, T: number, C: number, mean: boolean): void;
}
