// AVX-512 f32 GEMM micro-kernel and block sizes (the loop nest is in driver.cc, packing in tiles.h).
// Micro-tile MR×(16·NV) held in MR·NV zmm accumulators; each k step loads NV vectors of the packed
// B panel and broadcasts MR scalars of the packed A panel straight from memory ({1to16} operands).
// Edge tiles use masked loads/stores, so one kernel handles every shape.
#include <immintrin.h>

#include "kernels/gemm/gemm.h"
#include "kernels/gemm/tiles.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {

namespace {

template <int MR, int NV>
__attribute__((always_inline)) inline void micro(int64_t kc, const float* __restrict pa, const float* __restrict pb,
                                                 float* c, int64_t ldc, int m, int n, float beta) {
  constexpr int NR = 16 * NV;
  __m512 acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();

  for (int64_t k = 0; k < kc; ++k) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = _mm512_load_ps(pb + 16 * v);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(pa[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, b[v], acc[i][v]);
    }
    pa += MR;
    pb += NR;
  }

  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const int left = n - 16 * v;
    mask[v] = left >= 16 ? static_cast<__mmask16>(0xFFFF) : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
  }
  const __m512 vbeta = _mm512_set1_ps(beta);
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    float* ci = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m512 r = acc[i][v];
      // beta == 0 must not read C (it may hold NaN).
      if (beta != 0.0f) r = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(mask[v], ci + 16 * v), r);
      _mm512_mask_storeu_ps(ci + 16 * v, mask[v], r);
    }
  }
}

constexpr int kMR = 14, kNV = 2, kNR = 16 * kNV;

void micro_tile(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, int m, int n, float beta) {
  micro<kMR, kNV>(kc, pa, pb, c, ldc, m, n, beta);
}

}  // namespace

const SgemmKernels& sgemm_kernels() {
  static const SgemmKernels k{
      kMR, kNR,
      /*mc=*/kMR * 24, /*kc=*/256, /*nc=*/4096,
      gemm_tiles::pack_a<kMR>, gemm_tiles::pack_b<kNR>, gemm_tiles::macro<kMR, kNR, micro_tile>,
  };
  return k;
}

}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
