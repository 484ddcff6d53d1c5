// Native surface: the ternary family (native/src/bind/ternary.cc): 2-bit weight packing, BL-B158
// int8 activation quantization (spec §9), int8 × ternary and f32 × ternary linear, backward input.
// Shapes: weights (n = out, k = in) like PyTorch; activations x (m, k); outputs (m, n); row-major.
// The packed layout is documented in native/src/kernels/ternary/ternary.h; treat it as opaque.

export interface TernaryNative {
  /**
   * Bytes of the packed buffer for an n×k ternary matrix: ceil(n/32)·ceil(k/16)·128 (2 bits a
   * weight, padded to 32-row panels and 16-column blocks).
   * @example const packed = new Uint8Array(native.ternaryPackedBytes(768, 768));
   */
  ternaryPackedBytes(n: number, k: number): number;
  /**
   * Packs ternary codes (n×k, each -1, 0 or 1) into `out` (ternaryPackedBytes(n, k) bytes). Stored as
   * code + 1 in 2 bits, in the panel order the micro-kernels read. A code outside {-1,0,1} throws
   * RangeError naming its index ("ternaryPack: codes[5] must be -1, 0 or 1, got 2").
   * @example native.ternaryPack(codes, n, k, packed);
   */
  ternaryPack(codes: Int8Array, n: number, k: number, out: Uint8Array): void;
  /**
   * Exact inverse of ternaryPack: writes the n×k codes (-1, 0, 1) to `out`.
   * @example native.ternaryUnpack(packed, n, k, codes);
   */
  ternaryUnpack(packed: Uint8Array, n: number, k: number, out: Int8Array): void;
  /**
   * BL-B158 per-token absmax quantization (spec §9): for each row i of x (m×k),
   * scale[i] = max(max_j |x_ij|, eps) / 127 and q_ij = clamp(round(x_ij / scale[i]), -128, 127), all in
   * float32, round = half to even (like torch.round); q·scale is the dequantized value. eps must be
   * positive (an all-zero row gets scale eps/127 and zero codes). A non-finite x throws RangeError.
   * @example native.quantizeActivationsI8(x, T, C, 1e-5, q, xScale);
   */
  quantizeActivationsI8(x: Float32Array, m: number, k: number, eps: number, q: Int8Array, scale: Float32Array): void;
  /**
   * Exact integer product: out_ij (m×n) = Σ_k x_ik·w_jk, for int8 activations (or ternary
   * activations as codes -1/0/1). Any k ≥ 1 (k < 2^22 so int32 cannot overflow).
   * @example native.i8TernaryMatmul(q, m, packed, n, k, acc);
   */
  i8TernaryMatmul(x: Int8Array, m: number, packed: Uint8Array, n: number, k: number, out: Int32Array): void;
  /**
   * The BL-B158 forward: out_ij = acc_ij·(xScale_i·(wScale_j·alpha)) with acc from i8TernaryMatmul,
   * rescaled in the kernel's store. wScale has 1 (per tensor) or n (per row) entries.
   * @example native.i8TernaryLinear(q, xScale, T, packed, OC, C, wScale, alpha, y);
   */
  i8TernaryLinear(
    x: Int8Array, xScale: Float32Array, m: number, packed: Uint8Array, n: number, k: number,
    wScale: Float32Array, alpha: number, out: Float32Array,
  ): void;
  /**
   * f32 activations × ternary weights: out (m×n) = x·(W̃·s)ᵀ, for the variants without activation
   * quantization. `method`: 'ternary' runs the ternary-aware kernel (codes decoded to ±1 in registers;
   * AVX-512 only, other ISAs fall back to 'gemm'); 'gemm' dequantizes into a reused per-thread buffer
   * and runs the f32 GEMM; 'auto' (default) picks the faster for the shape, as measured by
   * bench/ternary.ts (see native/src/kernels/ternary/driver.cc). Results of the two agree within
   * float rounding, not bit for bit.
   * @example native.f32TernaryLinear(x, T, packed, OC, C, wScale, y);
   */
  f32TernaryLinear(
    x: Float32Array, m: number, packed: Uint8Array, n: number, k: number, wScale: Float32Array, out: Float32Array,
    method?: TernaryF32Method,
  ): void;
  /**
   * W̃·s as float32 (n×k, row-major): for f32 GEMM paths and backward passes.
   * @example native.ternaryDequantize(packed, n, k, wScale, w);
   */
  ternaryDequantize(packed: Uint8Array, n: number, k: number, wScale: Float32Array, out: Float32Array): void;
  /**
   * Gradient of the input through the ternary weights: out (m×k) = gradOut (m×n)·(W̃·s·alpha).
   * `method` as for f32TernaryLinear.
   * (The latent-weight gradient is a plain f32 GEMM: native.gemm(true, false, 1, n, k, m, gradOut, 0, x, 0, dW, 0).)
   * @example native.ternaryLinearBackwardInput(dy, T, packed, OC, C, wScale, alpha, dx);
   */
  ternaryLinearBackwardInput(
    gradOut: Float32Array, m: number, packed: Uint8Array, n: number, k: number, wScale: Float32Array, alpha: number,
    out: Float32Array, method?: TernaryF32Method,
  ): void;
}

/** Which f32 path f32TernaryLinear / ternaryLinearBackwardInput use (default 'auto': by shape). */
export type TernaryF32Method = 'auto' | 'ternary' | 'gemm';
