// NEON (armv8-a) attention kernels: the 4-lane vocabulary simd.h is written in, then simd.h itself.
// Tiles: 4 rows × 4 vectors of accumulators (16 of 32 q registers) so nothing spills.
#include <arm_neon.h>
#include <math.h>

#include <cstddef>
#include <cstdint>

#include "kernels/attention/attention.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
namespace {

constexpr int W = 4;
constexpr int kRowTile = 4;
constexpr int kDimTile = 4;

struct Vec {
  float32x4_t v;
};
static inline Vec vzero() { return {vdupq_n_f32(0.0f)}; }
static inline Vec vset1(float x) { return {vdupq_n_f32(x)}; }
static inline Vec vload(const float* p) { return {vld1q_f32(p)}; }
static inline void vstore(float* p, Vec a) { vst1q_f32(p, a.v); }
static inline Vec vadd(Vec a, Vec b) { return {vaddq_f32(a.v, b.v)}; }
static inline Vec vsub(Vec a, Vec b) { return {vsubq_f32(a.v, b.v)}; }
static inline Vec vmul(Vec a, Vec b) { return {vmulq_f32(a.v, b.v)}; }
static inline Vec vfma(Vec a, Vec b, Vec c) { return {vfmaq_f32(c.v, a.v, b.v)}; }
// Like x86 maxps/minps (which simd.h relies on): the second operand comes back when either is NaN.
static inline Vec vmax(Vec a, Vec b) { return {vbslq_f32(vcgtq_f32(a.v, b.v), a.v, b.v)}; }
static inline Vec vmin(Vec a, Vec b) { return {vbslq_f32(vcltq_f32(a.v, b.v), a.v, b.v)}; }
static inline Vec vround(Vec a) { return {vrndnq_f32(a.v)}; }
// 2^n for integral n in [-126, 127], built in the exponent field.
static inline Vec vpow2i(Vec n) {
  const int32x4_t e = vaddq_s32(vcvtnq_s32_f32(n.v), vdupq_n_s32(127));
  return {vreinterpretq_f32_s32(vshlq_n_s32(e, 23))};
}
// a < b ? x : y per lane.
static inline Vec vselect_lt(Vec a, Vec b, Vec x, Vec y) { return {vbslq_f32(vcltq_f32(a.v, b.v), x.v, y.v)}; }
static inline int clamp_lanes(int64_t n) { return n < 0 ? 0 : n > W ? W : static_cast<int>(n); }
static inline uint32x4_t lanes_below(int64_t n) {
  static const int32_t kIota[4] = {0, 1, 2, 3};
  return vcltq_s32(vld1q_s32(kIota), vdupq_n_s32(clamp_lanes(n)));
}
// Lanes l < n become `fill`.
static inline Vec vfill_below(Vec a, int64_t n, float fill) { return {vbslq_f32(lanes_below(n), vdupq_n_f32(fill), a.v)}; }
// Lanes l >= n become `fill`.
static inline Vec vfill_from(Vec a, int64_t n, float fill) { return {vbslq_f32(lanes_below(n), a.v, vdupq_n_f32(fill))}; }
// Lanes l < n from p, the rest 0, through a stack copy: NEON has no masked load.
static inline Vec vload_first(const float* p, int64_t n) {
  float b[4] = {0.f, 0.f, 0.f, 0.f};
  for (int i = 0; i < clamp_lanes(n); ++i) b[i] = p[i];
  return {vld1q_f32(b)};
}

}  // namespace

#include "kernels/attention/simd.h"

}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
