// The product with a 16-bit B (gemm.h gemv_half_t), written once over an ISA's vocabulary S and
// included by each ISA file inside its namespace. S provides:
//   Vec, W (lanes), kAccRegs (vector registers the accumulators may take),
//   zero(), load(const float*), fma(a, b, acc), add(a, b), sum(v) (horizontal),
//   widen<F>(const uint16_t*) (W codes of HalfFormat F to f32, exact), prefetch(const uint16_t*).
//
// Every dot product of a row of x with a row of B is summed in one order that depends on k alone:
// W-lane chunks alternate between two accumulators (even chunks, odd chunks), a trailing partial
// chunk goes to the odd one, and the two are added before the horizontal sum. So a logit does not
// depend on how many rows of x share a pass over B, nor on how the driver cuts [n0, n1): a batch of
// sequences decodes each one exactly as it would alone.
//
// Shape of a pass: R rows of x (1..4) against Q rows of B at a time, Q as large as the accumulator
// budget allows (R·Q·2 accumulators) but at most 4 — with R = 1 that is the 4-row scheme measured
// best for a batch-1 head. Each row of B is read once per pass, so R rows of x cost one read of B.
// Every loop over rows and accumulators is unrolled, so the small arrays below live in registers.
#pragma once

// dst = the first n (< N) elements of src, then zeros; reads nothing past src[n − 1]. A fixed-length
// loop rather than memcpy: a library call there would make the compiler keep the accumulators of
// half_dots in memory across it.
template <class T, int N>
inline void copy_first(T (&dst)[N], const T* src, int64_t n) {
  #pragma GCC unroll 16
  for (int e = 0; e < N; ++e) dst[e] = e < n ? src[e] : T(0);
}

// c[i·ldc + j + q] for the R rows of x and the Q rows of B from row j: R·Q dot products in one pass.
template <class S, HalfFormat F, int R, int Q>
inline void half_dots(const float* a, const typename S::Vec* x_tail, const uint16_t* b, int64_t k, int64_t j,
                      float* c, int64_t ldc) {
  using Vec = typename S::Vec;
  constexpr int W = S::W;
  const int64_t kw = k / W * W, k2 = k / (2 * W) * (2 * W);
  const uint16_t* r[Q];
  #pragma GCC unroll 16
  for (int q = 0; q < Q; ++q) r[q] = b + (j + q) * k;
  Vec acc[R][Q][2];
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
    #pragma GCC unroll 16
    for (int q = 0; q < Q; ++q) acc[i][q][0] = acc[i][q][1] = S::zero();
  int64_t p = 0;
  for (; p < k2; p += 2 * W) {
    #pragma GCC unroll 16
    for (int q = 0; q < Q; ++q) S::prefetch(r[q] + p);
    Vec x0[R], x1[R];
    #pragma GCC unroll 16
    for (int i = 0; i < R; ++i) x0[i] = S::load(a + i * k + p), x1[i] = S::load(a + i * k + p + W);
    #pragma GCC unroll 16
    for (int q = 0; q < Q; ++q) {
      const Vec w0 = S::template widen<F>(r[q] + p), w1 = S::template widen<F>(r[q] + p + W);
      #pragma GCC unroll 16
      for (int i = 0; i < R; ++i) {
        acc[i][q][0] = S::fma(x0[i], w0, acc[i][q][0]);
        acc[i][q][1] = S::fma(x1[i], w1, acc[i][q][1]);
      }
    }
  }
  if (p < kw) {  // one more whole chunk: an even one
    #pragma GCC unroll 16
    for (int q = 0; q < Q; ++q) {
      const Vec w0 = S::template widen<F>(r[q] + p);
      #pragma GCC unroll 16
      for (int i = 0; i < R; ++i) acc[i][q][0] = S::fma(S::load(a + i * k + p), w0, acc[i][q][0]);
    }
  }
  if (kw < k) {  // the partial chunk, zero-padded (never reading past a row)
    #pragma GCC unroll 16
    for (int q = 0; q < Q; ++q) {
      uint16_t pad[W];
      copy_first(pad, r[q] + kw, k - kw);
      const Vec wt = S::template widen<F>(pad);
      #pragma GCC unroll 16
      for (int i = 0; i < R; ++i) acc[i][q][1] = S::fma(x_tail[i], wt, acc[i][q][1]);
    }
  }
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i)
    #pragma GCC unroll 16
    for (int q = 0; q < Q; ++q) c[i * ldc + j + q] = S::sum(S::add(acc[i][q][0], acc[i][q][1]));
}

// c[i·ldc + j] = Σ_p a[i·k + p]·f32(b[j·k + p]) for rows i < R of x (contiguous, k each) and j in [n0, n1).
template <class S, HalfFormat F, int R>
void half_gemv_rows(const float* a, const uint16_t* b, int64_t k, int64_t n0, int64_t n1, float* c, int64_t ldc) {
  using Vec = typename S::Vec;
  constexpr int W = S::W;
  constexpr int Q = S::kAccRegs / (2 * R) >= 4 ? 4 : (S::kAccRegs / (2 * R) >= 2 ? 2 : 1);
  const int64_t kw = k / W * W;
  Vec x_tail[R];
  #pragma GCC unroll 16
  for (int i = 0; i < R; ++i) {
    float pad[W];
    copy_first(pad, a + i * k + kw, k - kw);
    x_tail[i] = S::load(pad);
  }
  int64_t j = n0;
  for (; j + Q <= n1; j += Q) half_dots<S, F, R, Q>(a, x_tail, b, k, j, c, ldc);
  for (; j < n1; ++j) half_dots<S, F, R, 1>(a, x_tail, b, k, j, c, ldc);
}

// The gemv_half_t entry of an ISA's SgemmKernels: picks the instantiation for (format, rows).
template <class S>
void half_gemv(HalfFormat f, int rows, const float* a, const uint16_t* b, int64_t k, int64_t n0, int64_t n1, float* c,
               int64_t ldc) {
  using Fn = void (*)(const float*, const uint16_t*, int64_t, int64_t, int64_t, float*, int64_t);
  static constexpr Fn kF16[4] = {half_gemv_rows<S, HalfFormat::f16, 1>, half_gemv_rows<S, HalfFormat::f16, 2>,
                                 half_gemv_rows<S, HalfFormat::f16, 3>, half_gemv_rows<S, HalfFormat::f16, 4>};
  static constexpr Fn kBf16[4] = {half_gemv_rows<S, HalfFormat::bf16, 1>, half_gemv_rows<S, HalfFormat::bf16, 2>,
                                  half_gemv_rows<S, HalfFormat::bf16, 3>, half_gemv_rows<S, HalfFormat::bf16, 4>};
  (f == HalfFormat::f16 ? kF16 : kBf16)[rows - 1](a, b, k, n0, n1, c, ldc);
}
