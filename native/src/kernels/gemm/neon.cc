// NEON (armv8-a) f32 GEMM micro-kernel and block sizes (loop nest: driver.cc; packing: tiles.h).
// Micro-tile 8×12 in 24 q accumulators: each k step loads 3 B vectors and the 8 A values as two
// vectors, then multiplies by lane (FMLA by element), so 24 + 3 + 2 = 29 of the 32 registers are
// live and nothing spills. Edge tiles go through a stack tile and a scalar copy-out.
#include <arm_neon.h>


#include "kernels/gemm/gemm.h"
#include "kernels/gemm/tiles.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {

namespace {

constexpr int kMR = 8, kNV = 3, kNR = 4 * kNV;

void micro_tile(int64_t kc, const float* __restrict pa, const float* __restrict pb, float* c, int64_t ldc, int m,
                int n, float beta) {
  float32x4_t acc[kMR][kNV];
#pragma GCC unroll 8
  for (int i = 0; i < kMR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < kNV; ++v) acc[i][v] = vdupq_n_f32(0.0f);

  for (int64_t k = 0; k < kc; ++k) {
    const float32x4_t b0 = vld1q_f32(pb), b1 = vld1q_f32(pb + 4), b2 = vld1q_f32(pb + 8);
    const float32x4_t a0 = vld1q_f32(pa), a1 = vld1q_f32(pa + 4);
    // The lane index of vfmaq_laneq_f32 must be a constant, hence the spelled-out rows.
#define FLASHLM_ROW(i, a, lane)                                 \
  acc[i][0] = vfmaq_laneq_f32(acc[i][0], b0, a, lane);          \
  acc[i][1] = vfmaq_laneq_f32(acc[i][1], b1, a, lane);          \
  acc[i][2] = vfmaq_laneq_f32(acc[i][2], b2, a, lane);
    FLASHLM_ROW(0, a0, 0) FLASHLM_ROW(1, a0, 1) FLASHLM_ROW(2, a0, 2) FLASHLM_ROW(3, a0, 3)
    FLASHLM_ROW(4, a1, 0) FLASHLM_ROW(5, a1, 1) FLASHLM_ROW(6, a1, 2) FLASHLM_ROW(7, a1, 3)
#undef FLASHLM_ROW
    pa += kMR;
    pb += kNR;
  }

  const float32x4_t vbeta = vdupq_n_f32(beta);
  if (m == kMR && n == kNR) {
#pragma GCC unroll 8
    for (int i = 0; i < kMR; ++i) {
      float* ci = c + i * ldc;
#pragma GCC unroll 4
      for (int v = 0; v < kNV; ++v) {
        float32x4_t r = acc[i][v];
        // beta == 0 must not read C (it may hold NaN).
        if (beta != 0.0f) r = vfmaq_f32(r, vbeta, vld1q_f32(ci + 4 * v));
        vst1q_f32(ci + 4 * v, r);
      }
    }
    return;
  }
  alignas(16) float tile[kMR][kNR];
#pragma GCC unroll 8
  for (int i = 0; i < kMR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < kNV; ++v) vst1q_f32(&tile[i][4 * v], acc[i][v]);
  for (int i = 0; i < m; ++i) {
    float* ci = c + i * ldc;
    if (beta != 0.0f) {
      for (int j = 0; j < n; ++j) ci[j] = tile[i][j] + beta * ci[j];
    } else {
      for (int j = 0; j < n; ++j) ci[j] = tile[i][j];
    }
  }
}

// The 16-bit B product (gemm.h gemv_half_t, written in half_gemv.h): f16 widens with fcvtl, bf16 by
// a 16-bit left shift (both exact). 32 q registers: 16 for sums.
struct HalfVocab {
  using Vec = float32x4_t;
  static constexpr int W = 4;
  static constexpr int kAccRegs = 16;
  static Vec zero() { return vdupq_n_f32(0.f); }
  static Vec load(const float* p) { return vld1q_f32(p); }
  static Vec fma(Vec a, Vec b, Vec c) { return vfmaq_f32(c, a, b); }
  static Vec add(Vec a, Vec b) { return vaddq_f32(a, b); }
  static float sum(Vec v) { return vaddvq_f32(v); }
  template <HalfFormat F>
  static Vec widen(const uint16_t* p) {
    const uint16x4_t h = vld1_u16(p);
    if constexpr (F == HalfFormat::f16) return vcvt_f32_f16(vreinterpret_f16_u16(h));
    return vreinterpretq_f32_u32(vshll_n_u16(h, 16));
  }
  static void prefetch(const uint16_t*) {}
};

#include "kernels/gemm/half_gemv.h"

}  // namespace

// Blocks sized for a typical arm64 core (≥ 1 MB L2 shared by a cluster, a few MB of L3/SLC):
// A block 256×256 floats = 256 KB, B block 256×3072 = 3 MB, B panel 12 KB. Not tuned on hardware
// (none was available: only qemu).
const SgemmKernels& sgemm_kernels() {
  static const SgemmKernels k{
      kMR, kNR,
      /*mc=*/kMR * 32, /*kc=*/256, /*nc=*/kNR * 256,
      gemm_tiles::pack_a<kMR>, gemm_tiles::pack_b<kNR>, gemm_tiles::macro<kMR, kNR, micro_tile>, /*gemv_t=*/nullptr, half_gemv<HalfVocab>,
  };
  return k;
}

}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
