// AVX2 + FMA attention kernels: the 8-lane vocabulary simd.h is written in, then simd.h itself.
// Tiles: 2 rows × 4 vectors of accumulators (8 of 16 ymm registers) so nothing spills.
#include <immintrin.h>
#include <math.h>

#include <cstddef>
#include <cstdint>

#include "kernels/attention/attention.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
namespace {

constexpr int W = 8;
constexpr int kRowTile = 2;
constexpr int kDimTile = 2;

struct Vec {
  __m256 v;
};
static inline Vec vzero() { return {_mm256_setzero_ps()}; }
static inline Vec vset1(float x) { return {_mm256_set1_ps(x)}; }
static inline Vec vload(const float* p) { return {_mm256_loadu_ps(p)}; }
static inline void vstore(float* p, Vec a) { _mm256_storeu_ps(p, a.v); }
static inline Vec vadd(Vec a, Vec b) { return {_mm256_add_ps(a.v, b.v)}; }
static inline Vec vsub(Vec a, Vec b) { return {_mm256_sub_ps(a.v, b.v)}; }
static inline Vec vmul(Vec a, Vec b) { return {_mm256_mul_ps(a.v, b.v)}; }
static inline Vec vfma(Vec a, Vec b, Vec c) { return {_mm256_fmadd_ps(a.v, b.v, c.v)}; }
// Like maxps/minps: the second operand comes back when either is NaN.
static inline Vec vmax(Vec a, Vec b) { return {_mm256_max_ps(a.v, b.v)}; }
static inline Vec vmin(Vec a, Vec b) { return {_mm256_min_ps(a.v, b.v)}; }
static inline Vec vround(Vec a) { return {_mm256_round_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
// 2^n for integral n in [-126, 127], built in the exponent field.
static inline Vec vpow2i(Vec n) {
  const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n.v), _mm256_set1_epi32(127));
  return {_mm256_castsi256_ps(_mm256_slli_epi32(e, 23))};
}
// a < b ? x : y per lane.
static inline Vec vselect_lt(Vec a, Vec b, Vec x, Vec y) {
  return {_mm256_blendv_ps(y.v, x.v, _mm256_cmp_ps(a.v, b.v, _CMP_LT_OQ))};
}
static inline int clamp_lanes(int64_t n) { return n < 0 ? 0 : n > W ? W : static_cast<int>(n); }
// Lanes l < n become `fill`.
static inline Vec vfill_below(Vec a, int64_t n, float fill) {
  const __m256i below = _mm256_cmpgt_epi32(_mm256_set1_epi32(clamp_lanes(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  return {_mm256_blendv_ps(a.v, _mm256_set1_ps(fill), _mm256_castsi256_ps(below))};
}
// Lanes l >= n become `fill`.
static inline Vec vfill_from(Vec a, int64_t n, float fill) {
  const __m256i below = _mm256_cmpgt_epi32(_mm256_set1_epi32(clamp_lanes(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  return {_mm256_blendv_ps(_mm256_set1_ps(fill), a.v, _mm256_castsi256_ps(below))};
}
// Lanes l < n from p, the rest 0; memory at p + n and beyond is never touched (maskload does not fault there).
static inline Vec vload_first(const float* p, int64_t n) {
  const __m256i below = _mm256_cmpgt_epi32(_mm256_set1_epi32(clamp_lanes(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  return {_mm256_maskload_ps(p, below)};
}

}  // namespace

#include "kernels/attention/simd.h"

}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
