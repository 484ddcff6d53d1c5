// f32 GEMM family, internal interface (no N-API): C = op(A)·op(B) + beta·C on raw row-major
// pointers. The binding (bind/gemm.cc) validates shapes and calls sgemm(); driver.cc owns blocking,
// threading and ISA dispatch; ref.cc is the scalar reference; avx2.cc / avx512.cc / neon.cc supply packing
// and register-blocked micro-kernels through an SgemmKernels table.
#pragma once
#include <cstdint>

namespace flashlm {

// One (possibly batched) problem. Dimension letters: op(A) is M×K, op(B) is K×N, C is M×N.
// Element op(A)[i][p] is a[p*lda + i] when trans_a, else a[i*lda + p]; likewise op(B)[p][j] is
// b[j*ldb + p] when trans_b, else b[p*ldb + j]. C[i][j] is c[i*ldc + j]. Batch b uses
// a + b*stride_a, b + b*stride_b, c + b*stride_c (stride 0 broadcasts). beta == 0 never reads C.
// The caller guarantees C overlaps neither A nor B.
// The 16-bit formats a decode head may be copied to (f32_to_half below).
enum class HalfFormat : int { f16 = 0, bf16 = 1 };

struct SgemmArgs {
  bool trans_a, trans_b;
  int64_t batch, m, n, k;
  const float* a;
  int64_t stride_a, lda;
  const float* b;
  int64_t stride_b, ldb;
  float* c;
  int64_t stride_c, ldc;
  float beta;
};

// Dispatches on active_isa() (driver.cc). Returns early, C incomplete, if interrupt_requested().
void sgemm(const SgemmArgs& args);

// Scalar reference: plain loops, products summed in double and rounded once, so it is a little
// *more* accurate than the blocked float kernels (tests compare with atol + |ref|·rtol). Serial.
void sgemm_ref(const SgemmArgs& args);

// What an ISA translation unit provides to the blocked driver (GotoBLAS/BLIS loop nest):
//   pack_a: op(A)[0..mc)[0..kc) -> ceil(mc/mr) panels of mr×kc, k-major (panel[k*mr + r]),
//           rows past mc zero-filled. `a` points at op(A)[0][0] of the block; trans as above.
//   pack_b: op(B)[0..kc)[0..nc) -> ceil(nc/nr) panels of kc×nr (panel[k*nr + j]), zero-filled.
//   macro:  C[0..mc)[0..nc) = packA·packB + beta·C (beta == 0: C not read), tile by tile.
// kc is the deepest K block; mc and nc are the M and N blocks *at that depth*: the driver splits
// each dimension evenly and, for a shallower K block, widens mc/nc to keep the packed A block
// (mc·kc, sized for L2) and B block (kc·nc, a share of L3) the same size in bytes.
struct SgemmKernels {
  int mr, nr;
  int64_t mc, kc, nc;
  void (*pack_a)(const float* a, int64_t lda, bool trans, int64_t mc, int64_t kc, float* dst);
  void (*pack_b)(const float* b, int64_t ldb, bool trans, int64_t kc, int64_t nc, float* dst);
  void (*macro)(int64_t mc, int64_t nc, int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc,
                float beta);
  // Optional (nullptr: the blocked path): the M = 1, B-transposed product (a linear layer at batch 1,
  // e.g. a decode step's head): c[j] = Σ_p a[p]·b[j·ldb + p] (+ beta·c[j]) for j in [n0, n1). Each c[j]
  // is one row's dot product, summed in an order fixed by k alone, so the result does not depend on
  // how the driver cuts [0, n). Memory-bound (every weight read once), so no packing.
  void (*gemv_t)(const float* a, const float* b, int64_t ldb, int64_t k, int64_t n0, int64_t n1, float* c,
                 float beta);
  // Optional (nullptr: gemv_half_ref): the product with B stored as 16-bit codes of format f, for
  // rows = 1..4 rows of x at once (contiguous, k each): c[i·ldc + j] = Σ_p a[i·k + p]·f32(b[j·k + p])
  // for j in [n0, n1), B contiguous (N×k), no beta. Each dot product is summed in an order fixed by k
  // alone, whatever `rows` and the cut of [0, n) (half_gemv.h). The 16-bit copy of a decode head.
  void (*gemv_half_t)(HalfFormat f, int rows, const float* a, const uint16_t* b, int64_t k, int64_t n0, int64_t n1,
                      float* c, int64_t ldc);
};

// ---- 16-bit copies of a decode head (training and forward() stay f32) ----
// f16: IEEE binary16 (1-5-10; the v7 spec's FP16 embedding; largest finite 65504, subnormals below
//      2^-14); each weight moves by at most 2^-11 relatively (2^-25 absolutely below 2^-14).
// bf16: the high 16 bits of an f32 (1-8-7; f32's range); each weight moves by at most 2^-9 relatively.
// Both convert by round to nearest, ties to even; ±0, ±inf and NaN (made quiet) carry over.
// Widening back to f32 is exact.
// Returns how many finite inputs overflowed to ±inf (f16: |x| >= 65520; bf16: only within half an ulp
// of FLT_MAX), so a caller can refuse a copy that would turn logits into inf or NaN.
int64_t f32_to_half(HalfFormat f, const float* src, int64_t n, uint16_t* dst);
float half_to_f32(HalfFormat f, uint16_t h);
// Scalar reference: out (M×N) = x (M×K) · f32(W)ᵀ, products summed in double and rounded once. Serial.
void gemv_half_ref(HalfFormat f, const float* x, int64_t m, const uint16_t* w, int64_t n, int64_t k, float* out);
// Dispatched on active_isa() (the reference for scalar and where an ISA has no kernel): x's rows in
// groups of up to 4 per pass over W, rows of W threaded by a shared counter. Returns false if interrupted.
bool gemv_half(HalfFormat f, const float* x, int64_t m, const uint16_t* w, int64_t n, int64_t k, float* out);

namespace avx2 {
const SgemmKernels& sgemm_kernels();
}
namespace avx512 {
const SgemmKernels& sgemm_kernels();
}
namespace neon {
const SgemmKernels& sgemm_kernels();
}

}  // namespace flashlm
