// NEON (armv8-a, 4 lanes) vocabulary for the templated kernels (same interface as simd_avx2.h; masks
// are all-ones/all-zeros lanes). Include inside `namespace flashlm::neon` after <arm_neon.h>.
// max/min copy x86's maxps/minps, which the templates rely on: when either operand is NaN the *second*
// operand is returned (NEON's own vmaxq/vminq would return NaN), so results match the x86 ISAs.
#pragma once

struct Simd {
  using V = float32x4_t;
  using M = uint32x4_t;
  static constexpr int W = 4;
  static inline V load(const float* p) { return vld1q_f32(p); }
  static inline void store(float* p, V v) { vst1q_f32(p, v); }
  static inline float first(V v) { return vgetq_lane_f32(v, 0); }
  static inline V set1(float f) { return vdupq_n_f32(f); }
  static inline V zero() { return vdupq_n_f32(0.0f); }
  static inline V add(V a, V b) { return vaddq_f32(a, b); }
  static inline V sub(V a, V b) { return vsubq_f32(a, b); }
  static inline V mul(V a, V b) { return vmulq_f32(a, b); }
  static inline V div(V a, V b) { return vdivq_f32(a, b); }
  static inline V fmadd(V a, V b, V c) { return vfmaq_f32(c, a, b); }             // a*b + c
  static inline V fmsub(V a, V b, V c) { return vnegq_f32(vfmsq_f32(c, a, b)); }  // a*b - c
  static inline V fnmadd(V a, V b, V c) { return vfmsq_f32(c, a, b); }            // c - a*b
  static inline V max(V a, V b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
  static inline V min(V a, V b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
  static inline V sqrt(V a) { return vsqrtq_f32(a); }
  static inline V floor(V a) { return vrndmq_f32(a); }
  static inline V round(V a) { return vrndnq_f32(a); }  // to nearest, ties to even (as x86's default)
  static inline V abs(V a) { return vabsq_f32(a); }
  static inline V sign_bits(V a) { return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(a), vdupq_n_u32(0x80000000u))); }
  static inline V xor_(V a, V b) { return vreinterpretq_f32_u32(veorq_u32(vreinterpretq_u32_f32(a), vreinterpretq_u32_f32(b))); }
  static inline M lt(V a, V b) { return vcltq_f32(a, b); }
  static inline M le(V a, V b) { return vcleq_f32(a, b); }
  static inline M gt(V a, V b) { return vcgtq_f32(a, b); }
  static inline M ge(V a, V b) { return vcgeq_f32(a, b); }
  static inline M eq(V a, V b) { return vceqq_f32(a, b); }
  static inline M isnan(V a) { return vmvnq_u32(vceqq_f32(a, a)); }
  static inline M mor(M a, M b) { return vorrq_u32(a, b); }
  static inline M mand(M a, M b) { return vandq_u32(a, b); }
  static inline M mandnot(M a, M b) { return vbicq_u32(b, a); }  // !a && b
  static inline bool any(M m) { return vmaxvq_u32(m) != 0; }
  static inline uint32_t bits(M m) {  // lane l -> bit l, like movemask
    static const uint32_t kBit[4] = {1, 2, 4, 8};
    return vaddvq_u32(vandq_u32(m, vld1q_u32(kBit)));
  }
  static inline V select(M m, V a, V b) { return vbslq_f32(m, a, b); }  // m ? a : b
  // 2^n for integer-valued n in [-126, 127].
  static inline V pow2i(V n) {
    int32x4_t e = vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127));
    return vreinterpretq_f32_s32(vshlq_n_s32(e, 23));
  }
  // x = m * 2^e with m in [1, 2), for finite normal x > 0.
  static inline void frexp12(V x, V* m, V* e) {
    uint32x4_t bits = vreinterpretq_u32_f32(x);
    int32x4_t ex = vsubq_s32(vreinterpretq_s32_u32(vshrq_n_u32(bits, 23)), vdupq_n_s32(127));
    *e = vcvtq_f32_s32(ex);
    *m = vreinterpretq_f32_u32(vorrq_u32(vandq_u32(bits, vdupq_n_u32(0x007fffffu)), vdupq_n_u32(0x3f800000u)));
  }

  using I = int32x4_t;
  static inline I iset1(int32_t v) { return vdupq_n_s32(v); }
  static inline I iload(const int32_t* p) { return vld1q_s32(p); }
  static inline void istore(int32_t* p, I v) { vst1q_s32(p, v); }
  static inline I iselect(M m, I a, I b) { return vbslq_s32(m, a, b); }

  using D = float64x2_t;
  static constexpr int WD = 2;
  static inline D dzero() { return vdupq_n_f64(0.0); }
  static inline D dadd(D a, D b) { return vaddq_f64(a, b); }
  static inline D dfma(D a, D b, D c) { return vfmaq_f64(c, a, b); }  // a*b + c
  static inline D dlo(V v) { return vcvt_f64_f32(vget_low_f32(v)); }
  static inline D dhi(V v) { return vcvt_high_f64_f32(v); }
  static inline double dsum(D a) { return vgetq_lane_f64(a, 0) + vgetq_lane_f64(a, 1); }
  static inline D dload(const double* p) { return vld1q_f64(p); }
  static inline void dstore(double* p, D v) { vst1q_f64(p, v); }
};
