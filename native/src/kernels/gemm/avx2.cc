// AVX2+FMA f32 GEMM micro-kernel and block sizes (the loop nest is in driver.cc, packing in tiles.h).
// Micro-tile 6×16 in 12 ymm accumulators (the classic Haswell shape: 12 acc + 2 B vectors + 1
// broadcast fit the 16 ymm registers). Edge tiles go through a stack tile and a scalar copy-out.
#include <immintrin.h>


#include "kernels/gemm/gemm.h"
#include "kernels/gemm/tiles.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {

namespace {

constexpr int kMR = 6, kNV = 2, kNR = 8 * kNV;

void micro_tile(int64_t kc, const float* __restrict pa, const float* __restrict pb, float* c, int64_t ldc, int m,
                int n, float beta) {
  __m256 acc[kMR][kNV];
#pragma GCC unroll 8
  for (int i = 0; i < kMR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < kNV; ++v) acc[i][v] = _mm256_setzero_ps();

  for (int64_t k = 0; k < kc; ++k) {
    __m256 b[kNV];
#pragma GCC unroll 4
    for (int v = 0; v < kNV; ++v) b[v] = _mm256_load_ps(pb + 8 * v);
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(pa + i);
#pragma GCC unroll 4
      for (int v = 0; v < kNV; ++v) acc[i][v] = _mm256_fmadd_ps(ai, b[v], acc[i][v]);
    }
    pa += kMR;
    pb += kNR;
  }

  const __m256 vbeta = _mm256_set1_ps(beta);
  if (m == kMR && n == kNR) {
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i) {
      float* ci = c + i * ldc;
#pragma GCC unroll 4
      for (int v = 0; v < kNV; ++v) {
        __m256 r = acc[i][v];
        // beta == 0 must not read C (it may hold NaN).
        if (beta != 0.0f) r = _mm256_fmadd_ps(vbeta, _mm256_loadu_ps(ci + 8 * v), r);
        _mm256_storeu_ps(ci + 8 * v, r);
      }
    }
    return;
  }
  alignas(32) float tile[kMR][kNR];
  // Fully unrolled, like every loop over acc: an index GCC cannot resolve at compile time would
  // make it keep the accumulators in memory, spilling them on every k step.
#pragma GCC unroll 8
  for (int i = 0; i < kMR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < kNV; ++v) _mm256_store_ps(&tile[i][8 * v], acc[i][v]);
  for (int i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    if (beta != 0.0f) {
      for (int j = 0; j < n; ++j) ci[j] = tile[i][j] + beta * ci[j];
    } else {
      for (int j = 0; j < n; ++j) ci[j] = tile[i][j];
    }
  }
}

inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}

// M = 1 (gemm.h gemv_t): 4 rows at a time, 2 accumulators each (k unrolled by 16); the k tail
// (k mod 8) is added in scalar after the vector sum.
void gemv_t(const float* a, const float* b, int64_t ldb, int64_t k, int64_t n0, int64_t n1, float* c, float beta) {
  const int64_t k16 = k / 16 * 16, k8 = k / 8 * 8;
  auto finish = [&](int64_t j, __m256 acc, const float* row) {
    float s = hsum(acc);
    for (int64_t p = k8; p < k; ++p) s += a[p] * row[p];
    c[j] = beta == 0.0f ? s : s + beta * c[j];
  };
  int64_t j = n0;
  for (; j + 4 <= n1; j += 4) {
    const float* r0 = b + j * ldb;
    const float* r1 = r0 + ldb;
    const float* r2 = r1 + ldb;
    const float* r3 = r2 + ldb;
    __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    int64_t p = 0;
    for (; p < k16; p += 16) {
      const __m256 x0 = _mm256_loadu_ps(a + p), x1 = _mm256_loadu_ps(a + p + 8);
      a0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r0 + p), a0);
      a1 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r1 + p), a1);
      a2 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r2 + p), a2);
      a3 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r3 + p), a3);
      b0 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r0 + p + 8), b0);
      b1 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r1 + p + 8), b1);
      b2 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r2 + p + 8), b2);
      b3 = _mm256_fmadd_ps(x1, _mm256_loadu_ps(r3 + p + 8), b3);
    }
    if (p < k8) {
      const __m256 x0 = _mm256_loadu_ps(a + p);
      a0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r0 + p), a0);
      a1 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r1 + p), a1);
      a2 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r2 + p), a2);
      a3 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(r3 + p), a3);
    }
    finish(j, _mm256_add_ps(a0, b0), r0);
    finish(j + 1, _mm256_add_ps(a1, b1), r1);
    finish(j + 2, _mm256_add_ps(a2, b2), r2);
    finish(j + 3, _mm256_add_ps(a3, b3), r3);
  }
  for (; j < n1; ++j) {
    const float* r0 = b + j * ldb;
    __m256 a0 = _mm256_setzero_ps(), b0 = a0;
    int64_t p = 0;
    for (; p < k16; p += 16) {
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + p), _mm256_loadu_ps(r0 + p), a0);
      b0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + p + 8), _mm256_loadu_ps(r0 + p + 8), b0);
    }
    if (p < k8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + p), _mm256_loadu_ps(r0 + p), a0);
    finish(j, _mm256_add_ps(a0, b0), r0);
  }
}

// The 16-bit B product (gemm.h gemv_half_t, written in half_gemv.h): f16 widens with F16C's
// vcvtph2ps, bf16 by a zero-extend and a 16-bit shift (both exact). 16 ymm registers: 8 for sums.
struct HalfVocab {
  using Vec = __m256;
  static constexpr int W = 8;
  static constexpr int kAccRegs = 8;
  static Vec zero() { return _mm256_setzero_ps(); }
  static Vec load(const float* p) { return _mm256_loadu_ps(p); }
  static Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
  static Vec add(Vec a, Vec b) { return _mm256_add_ps(a, b); }
  static float sum(Vec v) { return hsum(v); }
  template <HalfFormat F>
  static Vec widen(const uint16_t* p) {
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if constexpr (F == HalfFormat::f16) return _mm256_cvtph_ps(h);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  static void prefetch(const uint16_t*) {}  // measured only on AVX-512 (see avx512.cc)
};

#include "kernels/gemm/half_gemv.h"

}  // namespace

// Blocks: A block 240×512 floats = 0.5 MB of L2, B block 512×2048 = 4 MB of L3, B panel 32 KB.
// Not tuned as carefully as AVX-512 (the machine was shared and noisy).
const SgemmKernels& sgemm_kernels() {
  static const SgemmKernels k{
      kMR, kNR,
      /*mc=*/kMR * 40, /*kc=*/512, /*nc=*/2048,
      gemm_tiles::pack_a<kMR>, gemm_tiles::pack_b<kNR>, gemm_tiles::macro<kMR, kNR, micro_tile>, gemv_t, half_gemv<HalfVocab>,
  };
  return k;
}

}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
