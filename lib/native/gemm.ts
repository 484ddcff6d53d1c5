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
   * dst[i] = src[i] as bfloat16 (its high 16 bits, rounded to nearest even; NaN stays NaN): the
   * opt-in half-size copy of a decode head. dst must have src.length elements.
   * @example const h = new Uint16Array(w.length); native.bf16FromF32(w, h);
   */
  bf16FromF32(src: Float32Array, dst: Uint16Array): void;
  /**
   * out (M×N) = x (M×K) · Wᵀ with W (N×K) given as bfloat16 codes (bf16FromF32), widened to f32
   * exactly and summed in f32 (the AVX-512 / AVX2 kernels) or in double (the scalar ISA). Threaded over
   * the rows of W. Errors name the argument, e.g. "gemvBf16: W must be a Uint16Array, got Float32Array".
   * @example native.gemvBf16(h, 1, headBf16, V, d, logits);
   */
  gemvBf16(x: Float32Array, M: number, W: Uint16Array, N: number, K: number, out: Float32Array): void;
}
