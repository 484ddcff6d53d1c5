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

}  // namespace

// Blocks: A block 240×512 floats = 0.5 MB of L2, B block 512×2048 = 4 MB of L3, B panel 32 KB.
// Not tuned as carefully as AVX-512 (the machine was shared and noisy).
const SgemmKernels& sgemm_kernels() {
  static const SgemmKernels k{
      kMR, kNR,
      /*mc=*/kMR * 40, /*kc=*/512, /*nc=*/2048,
      gemm_tiles::pack_a<kMR>, gemm_tiles::pack_b<kNR>, gemm_tiles::macro<kMR, kNR, micro_tile>,
  };
  return k;
}

}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
