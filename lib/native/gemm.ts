// Native surface: f32 GEMM (native/src/bind/gemm.cc).

export interface GemmNative {
  /**
   * For each b < batch: C_b (M×N) = op(A_b)·op(B_b) + beta·C_b, all row-major and contiguous.
   * op(A_b) is M×K: A_b is stored M×K, or K×M when transA. op(B_b) is K×N: B_b is stored K×N, or
   * N×K when transB. A_b starts at A[b·strideA] (strideA 0 broadcasts one matrix); likewise B.
   * C_b starts at C[b·M·N]. With beta = 0, C is not read (NaNs in it do not propagate); K = 0
   * gives C = beta·C. Uses the active ISA (`setIsa`) and the thread pool (`setThreads`).
   *
   * Throws TypeError for a wrong type (e.g. A not a Float32Array, M not an integer) and
   * RangeError for out-of-range dims, arrays too short for the shape and strides (A needs
   * (batch-1)·strideA + M·K elements), or C sharing memory with A or B; the message names the
   * argument, e.g. "gemm: A must be a Float32Array, got Int32Array".
   *
   * @example
   * // Linear forward y = x·Wᵀ with x (T×C) and W (OC×C):
   * native.gemm(false, true, 1, T, OC, C, x, 0, W, 0, y, 0);
   */
  gemm(
    transA: boolean, transB: boolean, batch: number, M: number, N: number, K: number,
    A: Float32Array, strideA: number, B: Float32Array, strideB: number, C: Float32Array, beta: number,
  ): void;

  /**
   * dst[i] = src[i] as a 16-bit code, rounded to nearest even (±0, ±inf carry over; NaN stays NaN):
   * 'f16' is IEEE binary16 (largest finite 65504), 'bf16' the high half of an f32. The 16-bit copy of a
   * decode head. Returns how many finite values overflowed to ±inf (f16: |x| ≥ 65520; bf16: next to FLT_MAX).
   * @example const h = new Uint16Array(w.length); native.halfFromF32(w, h, 'f16');
   */
  halfFromF32(src: Float32Array, dst: Uint16Array, format: HalfFormat): number;
  /**
   * out (M×N) = x (M×K) · Wᵀ with W (N×K) given as 16-bit codes (halfFromF32), widened to f32 exactly
   * and summed in f32 (the SIMD kernels, in an order fixed by K alone: a row's result does not depend
   * on M) or in double (the scalar ISA). Up to 4 rows of x share each pass over W; threaded over W's rows.
   * Errors name the argument, e.g. "gemvHalf: W must be a Uint16Array, got Float32Array".
   * @example native.gemvHalf(h, 1, head16, V, d, logits, 'f16');
   */
  gemvHalf(x: Float32Array, M: number, W: Uint16Array, N: number, K: number, out: Float32Array, format: HalfFormat): void;
}

/** The 16-bit formats of a decode head's copy: IEEE binary16, or bfloat16. */
export type HalfFormat = 'f16' | 'bf16';
