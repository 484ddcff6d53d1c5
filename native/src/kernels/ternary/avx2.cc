// AVX2 int8 × ternary micro-kernel (layout: ternary.h). Same scheme as avx512.cc with ymm: a
// 32-column panel is four ymm of 8 columns × 4 k; u8 codes × s8 activations go through vpmaddubsw
// (pairs into int16: |2·(−128) + 2·(−128)| = 512, no saturation) then vpmaddwd with ones (int32).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/ternary/ternary.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {

namespace {

inline __m256i bcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

template <int MR>
__attribute__((always_inline)) inline void block16(__m256i (&acc)[MR][4], const uint8_t* wp, const int8_t* x,
                                                   int64_t ldx) {
  const __m256i three = _mm256_set1_epi8(3), ones = _mm256_set1_epi16(1);
#pragma GCC unroll 4
  for (int s = 0; s < 4; ++s) {
    __m256i w[4];
#pragma GCC unroll 4
    for (int g = 0; g < 4; ++g)
      w[g] = _mm256_and_si256(
          _mm256_srli_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(wp + 32 * g)), 2 * s), three);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m256i b = bcast4(x + r * ldx + 4 * s);
#pragma GCC unroll 4
      for (int g = 0; g < 4; ++g)
        acc[r][g] = _mm256_add_epi32(acc[r][g], _mm256_madd_epi16(_mm256_maddubs_epi16(w[g], b), ones));
    }
  }
}

template <int MR>
void tile(const I8TernaryArgs& a, int64_t i0, int64_t p) {
  __m256i acc[MR][4];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
    for (int g = 0; g < 4; ++g) acc[r][g] = _mm256_setzero_si256();
  const int64_t kb = ternary_kblocks(a.k), kfull = a.k / 16;
  const uint8_t* wp = a.packed + p * kb * kTernaryBlockBytes;
  const int8_t* x = a.x + i0 * a.k;
  for (int64_t b = 0; b < kfull; ++b) block16<MR>(acc, wp + b * kTernaryBlockBytes, x + b * 16, a.k);
  if (kfull < kb) {
    alignas(32) int8_t tail[MR][16] = {};
    const int64_t rem = a.k - kfull * 16;
    for (int r = 0; r < MR; ++r) std::memcpy(tail[r], x + r * a.k + kfull * 16, static_cast<size_t>(rem));
    block16<MR>(acc, wp + kfull * kTernaryBlockBytes, &tail[0][0], 16);
  }
  for (int r = 0; r < MR; ++r) {
    const int64_t i = i0 + r;
    alignas(32) int32_t v[32];
    for (int g = 0; g < 4; ++g)
      _mm256_store_si256(reinterpret_cast<__m256i*>(v + 8 * g), _mm256_sub_epi32(acc[r][g], _mm256_set1_epi32(a.rowsum[i])));
    const int64_t j0 = p * 32, cols = std::min<int64_t>(32, a.n - j0);
    if (a.out_i32 != nullptr) {
      std::memcpy(a.out_i32 + i * a.n + j0, v, static_cast<size_t>(cols) * 4);
    } else {
      float* o = a.out_f32 + i * a.n + j0;
      for (int64_t j = 0; j < cols; ++j)
        o[j] = ternary_rescale(v[j], a.xscale[i], a.colscale[a.colscale_per_n ? j0 + j : 0]);
    }
  }
}

constexpr int kMR = 2;

void i8_block(const I8TernaryArgs& a, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p) {
    int64_t i = m0;
    for (; i + kMR <= m1; i += kMR) tile<kMR>(a, i, p);
    if (i < m1) tile<1>(a, i, p);
  }
}

// BL-B158 activation quantization, 8 floats at a time (true division, round half to even).
void quantize_rows(const float* x, int64_t m0, int64_t m1, int64_t k, float eps, int8_t* q, float* scale) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  for (int64_t i = m0; i < m1; ++i) {
    const float* row = x + i * k;
    int8_t* qr = q + i * k;
    __m256 vmax = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + 8 <= k; j += 8) vmax = _mm256_max_ps(vmax, _mm256_andnot_ps(sign, _mm256_loadu_ps(row + j)));
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, vmax);
    float amax = 0.0f;
    for (float v : lanes) amax = std::max(amax, v);
    for (; j < k; ++j) amax = std::max(amax, std::fabs(row[j]));
    const float s = std::max(amax, eps) / 127.0f;
    scale[i] = s;
    const __m256 vs = _mm256_set1_ps(s), lo = _mm256_set1_ps(-128.0f), hi = _mm256_set1_ps(127.0f);
    for (j = 0; j + 8 <= k; j += 8) {
      __m256 v = _mm256_round_ps(_mm256_div_ps(_mm256_loadu_ps(row + j), vs), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      const __m256i w = _mm256_cvtps_epi32(_mm256_min_ps(_mm256_max_ps(v, lo), hi));
      const __m128i w16 = _mm_packs_epi32(_mm256_castsi256_si128(w), _mm256_extracti128_si256(w, 1));
      _mm_storel_epi64(reinterpret_cast<__m128i*>(qr + j), _mm_packs_epi16(w16, w16));
    }
    for (; j < k; ++j) qr[j] = static_cast<int8_t>(std::min(127.0f, std::max(-128.0f, std::nearbyint(row[j] / s))));
  }
}

}  // namespace

const TernaryKernels& ternary_kernels() {
  static const TernaryKernels k{&i8_block, kMR, nullptr, nullptr, &quantize_rows};
  return k;
}

}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
