// AVX-512 VNNI int8 × ternary micro-kernel (layout: ternary.h). A tile is MR rows × one 32-column
// panel, held in MR×2 zmm int32 accumulators. Per 16-k block it loads the panel's two 64-byte halves
// once, and for each k-group s unpacks them in registers ((P >> 2s) & 3 per byte: the u8 codes of
// 16 columns × 4 k) and runs one vpdpbusd per row and half against 4 broadcast int8 activations.
// The +1 code offset is removed at the store with the row sum; the f32 rescale is fused there too.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "kernels/ternary/ternary.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {

namespace {

inline __m512i bcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

template <int MR>
__attribute__((always_inline)) inline void block16(__m512i (&acc)[MR][2], const uint8_t* wp, const int8_t* x,
                                                   int64_t ldx) {
  const __m512i three = _mm512_set1_epi8(3);
  const __m512i p0 = _mm512_loadu_si512(wp), p1 = _mm512_loadu_si512(wp + 64);
#pragma GCC unroll 4
  for (int s = 0; s < 4; ++s) {
    const __m512i w0 = _mm512_and_si512(_mm512_srli_epi16(p0, 2 * s), three);
    const __m512i w1 = _mm512_and_si512(_mm512_srli_epi16(p1, 2 * s), three);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const __m512i b = bcast4(x + r * ldx + 4 * s);
      acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], w0, b);
      acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], w1, b);
    }
  }
}

// Rows i0..i0+MR of panel p.
template <int MR>
void tile(const I8TernaryArgs& a, int64_t i0, int64_t p) {
  __m512i acc[MR][2];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
  const int64_t kb = ternary_kblocks(a.k), kfull = a.k / 16;
  const uint8_t* wp = a.packed + p * kb * kTernaryBlockBytes;
  const int8_t* x = a.x + i0 * a.k;
  for (int64_t b = 0; b < kfull; ++b) block16<MR>(acc, wp + b * kTernaryBlockBytes, x + b * 16, a.k);
  if (kfull < kb) {
    // Partial last block: zero-padded copy, so no load runs past the end of x.
    alignas(64) int8_t tail[MR][16] = {};
    const int64_t rem = a.k - kfull * 16;
    for (int r = 0; r < MR; ++r) std::memcpy(tail[r], x + r * a.k + kfull * 16, static_cast<size_t>(rem));
    block16<MR>(acc, wp + kfull * kTernaryBlockBytes, &tail[0][0], 16);
  }
#pragma GCC unroll 2
  for (int h = 0; h < 2; ++h) {
    const int64_t j0 = p * 32 + h * 16;
    if (j0 >= a.n) break;
    const int64_t cols = std::min<int64_t>(16, a.n - j0);
    const __mmask16 mask = cols == 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << cols) - 1);
    __m512 cs = _mm512_setzero_ps();
    if (a.out_f32 != nullptr)
      cs = a.colscale_per_n ? _mm512_maskz_loadu_ps(mask, a.colscale + j0) : _mm512_set1_ps(a.colscale[0]);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const int64_t i = i0 + r;
      const __m512i v = _mm512_sub_epi32(acc[r][h], _mm512_set1_epi32(a.rowsum[i]));
      if (a.out_i32 != nullptr) {
        _mm512_mask_storeu_epi32(a.out_i32 + i * a.n + j0, mask, v);
      } else {
        const __m512 sc = _mm512_mul_ps(_mm512_set1_ps(a.xscale[i]), cs);
        _mm512_mask_storeu_ps(a.out_f32 + i * a.n + j0, mask, _mm512_mul_ps(_mm512_cvtepi32_ps(v), sc));
      }
    }
  }
}

constexpr int kMR = 8;

void i8_block(const I8TernaryArgs& a, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p) {
    int64_t i = m0;
    for (; i + kMR <= m1; i += kMR) tile<kMR>(a, i, p);
    const int64_t rest = m1 - i;
    if (rest >= 4) tile<4>(a, i, p), i += 4;
    if (m1 - i >= 2) tile<2>(a, i, p), i += 2;
    if (m1 - i >= 1) tile<1>(a, i, p);
  }
}

}  // namespace

const TernaryKernels& ternary_kernels() {
  static const TernaryKernels k{&i8_block, kMR};
  return k;
}

}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
