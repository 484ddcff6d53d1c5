// AVX-512 attention kernels: the 16-lane vocabulary simd.h is written in, then simd.h itself.
// Tiles: 4 rows × 4 vectors of accumulators (16 of 32 zmm registers).
// GCC 12 warns that the _mm512_undefined_ps() inside the unmasked intrinsics "may be used
// uninitialized" once they are inlined at -O3 (a known false positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <math.h>

#include <cstddef>
#include <cstdint>

#include "kernels/attention/attention.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
namespace {

constexpr int W = 16;
constexpr int kRowTile = 4;
constexpr int kDimTile = 4;

struct Vec {
  __m512 v;
};
static inline Vec vzero() { return {_mm512_setzero_ps()}; }
static inline Vec vset1(float x) { return {_mm512_set1_ps(x)}; }
static inline Vec vload(const float* p) { return {_mm512_loadu_ps(p)}; }
static inline void vstore(float* p, Vec a) { _mm512_storeu_ps(p, a.v); }
static inline Vec vadd(Vec a, Vec b) { return {_mm512_add_ps(a.v, b.v)}; }
static inline Vec vsub(Vec a, Vec b) { return {_mm512_sub_ps(a.v, b.v)}; }
static inline Vec vmul(Vec a, Vec b) { return {_mm512_mul_ps(a.v, b.v)}; }
static inline Vec vfma(Vec a, Vec b, Vec c) { return {_mm512_fmadd_ps(a.v, b.v, c.v)}; }
// Like maxps/minps: the second operand comes back when either is NaN.
static inline Vec vmax(Vec a, Vec b) { return {_mm512_max_ps(a.v, b.v)}; }
static inline Vec vmin(Vec a, Vec b) { return {_mm512_min_ps(a.v, b.v)}; }
static inline Vec vround(Vec a) { return {_mm512_roundscale_ps(a.v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)}; }
// 2^n for integral n in [-126, 127], built in the exponent field.
static inline Vec vpow2i(Vec n) {
  const __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n.v), _mm512_set1_epi32(127));
  return {_mm512_castsi512_ps(_mm512_slli_epi32(e, 23))};
}
// a < b ? x : y per lane.
static inline Vec vselect_lt(Vec a, Vec b, Vec x, Vec y) {
  return {_mm512_mask_blend_ps(_mm512_cmp_ps_mask(a.v, b.v, _CMP_LT_OQ), y.v, x.v)};
}
// Mask of lanes l < n.
static inline __mmask16 lanes_below(int64_t n) {
  return n <= 0 ? 0 : n >= W ? 0xFFFF : static_cast<__mmask16>((1u << n) - 1);
}
// Lanes l < n become `fill`.
static inline Vec vfill_below(Vec a, int64_t n, float fill) {
  return {_mm512_mask_blend_ps(lanes_below(n), a.v, _mm512_set1_ps(fill))};
}
// Lanes l >= n become `fill`.
static inline Vec vfill_from(Vec a, int64_t n, float fill) {
  return {_mm512_mask_blend_ps(lanes_below(n), _mm512_set1_ps(fill), a.v)};
}
// Lanes l < n from p, the rest 0; memory at p + n and beyond is never touched.
static inline Vec vload_first(const float* p, int64_t n) { return {_mm512_maskz_loadu_ps(lanes_below(n), p)}; }

}  // namespace

#include "kernels/attention/simd.h"

}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
