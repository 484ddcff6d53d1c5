// A small float-vector vocabulary (VecF) for the row kernels of the softmax and norm families, plus a
// vectorised exp. Included INSIDE namespace flashlm::FLASHLM_ISA_NS by avx2.cc / avx512.cc / neon.cc
// (after <immintrin.h> / <arm_neon.h>), so every copy is distinct per ISA; the 512-bit wrapper is picked
// when the TU is compiled with -mavx512f, the 128-bit one on arm64, the 256-bit one otherwise. Everything
// sits in an anonymous namespace: other families may define their own helpers with these names in the
// same ISA namespace.
#pragma once

namespace {

#if defined(__AVX512F__)
struct VecF {
  using T = __m512;
  static constexpr int W = 16;
  static T zero() { return _mm512_setzero_ps(); }
  static T set1(float a) { return _mm512_set1_ps(a); }
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T v) { _mm512_storeu_ps(p, v); }
  static __mmask16 mask(int64_t n) { return static_cast<__mmask16>((1u << n) - 1); }  // 0 <= n < 16
  // Masked-off lanes are never touched in memory (no fault past the row end) and read as `fill`.
  static T load_tail(const float* p, int64_t n, float fill) { return _mm512_mask_loadu_ps(set1(fill), mask(n), p); }
  static void store_tail(float* p, T v, int64_t n) { _mm512_mask_storeu_ps(p, mask(n), v); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T fmadd(T a, T b, T c) { return _mm512_fmadd_ps(a, b, c); }
  static T fnmadd(T a, T b, T c) { return _mm512_fnmadd_ps(a, b, c); }  // c - a*b
  // Like maxps/minps: when either is NaN the SECOND operand is returned.
  static T max(T a, T b) { return _mm512_max_ps(a, b); }
  static T min(T a, T b) { return _mm512_min_ps(a, b); }
  static float hsum(T v) { return _mm512_reduce_add_ps(v); }
  static float hmax(T v) { return _mm512_reduce_max_ps(v); }
  static T round(T x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static T scale2(T y, T n) { return _mm512_scalef_ps(y, n); }  // y * 2^n
  static T zero_where_less(T x, T thr, T v) { return _mm512_maskz_mov_ps(~_mm512_cmp_ps_mask(x, thr, _CMP_LT_OQ), v); }
};
#elif defined(__ARM_NEON)
// 4 lanes. Tails go through a stack buffer (NEON has no masked loads): lanes past n read as `fill`
// and are never written back. max/min copy x86: the SECOND operand comes back when either is NaN.
struct VecF {
  using T = float32x4_t;
  static constexpr int W = 4;
  static T zero() { return vdupq_n_f32(0.0f); }
  static T set1(float a) { return vdupq_n_f32(a); }
  static T load(const float* p) { return vld1q_f32(p); }
  static void store(float* p, T v) { vst1q_f32(p, v); }
  static T load_tail(const float* p, int64_t n, float fill) {  // 0 <= n < 4
    float b[4] = {fill, fill, fill, fill};
    for (int64_t i = 0; i < n; i++) b[i] = p[i];
    return vld1q_f32(b);
  }
  static void store_tail(float* p, T v, int64_t n) {
    float b[4];
    vst1q_f32(b, v);
    for (int64_t i = 0; i < n; i++) p[i] = b[i];
  }
  static T add(T a, T b) { return vaddq_f32(a, b); }
  static T sub(T a, T b) { return vsubq_f32(a, b); }
  static T mul(T a, T b) { return vmulq_f32(a, b); }
  static T fmadd(T a, T b, T c) { return vfmaq_f32(c, a, b); }
  static T fnmadd(T a, T b, T c) { return vfmsq_f32(c, a, b); }  // c - a*b
  static T max(T a, T b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }
  static T min(T a, T b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
  // Same pairing as the AVX2 reduction (halves, then neighbours).
  static float hsum(T v) {
    float32x2_t s = vadd_f32(vget_low_f32(v), vget_high_f32(v));
    return vget_lane_f32(s, 0) + vget_lane_f32(s, 1);
  }
  static float hmax(T v) {
    T s = max(v, vextq_f32(v, v, 2));
    s = max(s, vextq_f32(s, s, 1));
    return vgetq_lane_f32(s, 0);
  }
  static T round(T x) { return vrndnq_f32(x); }
  static T scale2(T y, T n) {  // n integral in [-126, 127]: build 2^n from its exponent bits
    int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127)), 23);
    return vmulq_f32(y, vreinterpretq_f32_s32(e));
  }
  static T zero_where_less(T x, T thr, T v) {
    return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(v), vcltq_f32(x, thr)));
  }
};
#else
struct VecF {
  using T = __m256;
  static constexpr int W = 8;
  static T zero() { return _mm256_setzero_ps(); }
  static T set1(float a) { return _mm256_set1_ps(a); }
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T v) { _mm256_storeu_ps(p, v); }
  static __m256i mask(int64_t n) {  // 0 <= n < 8: lanes below n set
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static T load_tail(const float* p, int64_t n, float fill) {
    __m256i m = mask(n);
    return _mm256_blendv_ps(set1(fill), _mm256_maskload_ps(p, m), _mm256_castsi256_ps(m));
  }
  static void store_tail(float* p, T v, int64_t n) { _mm256_maskstore_ps(p, mask(n), v); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T sub(T a, T b) { return _mm256_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T fmadd(T a, T b, T c) { return _mm256_fmadd_ps(a, b, c); }
  static T fnmadd(T a, T b, T c) { return _mm256_fnmadd_ps(a, b, c); }
  static T max(T a, T b) { return _mm256_max_ps(a, b); }
  static T min(T a, T b) { return _mm256_min_ps(a, b); }
  static float hsum(T v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static float hmax(T v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static T round(T x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static T scale2(T y, T n) {  // n integral in [-126, 127]: build 2^n from its exponent bits
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(y, _mm256_castsi256_ps(e));
  }
  static T zero_where_less(T x, T thr, T v) { return _mm256_andnot_ps(_mm256_cmp_ps(x, thr, _CMP_LT_OQ), v); }
};
#endif

// exp(x) for every lane, max relative error ~2 ulp (Cephes expf: Cody-Waite reduction x = n ln2 + r,
// |r| <= ln2/2, degree-5 minimax polynomial, then scale by 2^n). Inputs are clamped to
// [kExpLo, kExpHi] so n stays in [-126, 127]; exp of anything below kExpLo (including -inf) is
// exactly 0 (the true value is below FLT_MIN); NaN stays NaN (the clamps pass their second operand).
constexpr float kExpHi = 88.3762626647949f;
constexpr float kExpLo = -87.3365447505531f;  // ln(FLT_MIN)
inline VecF::T vexp(VecF::T x) {
  using V = VecF;
  V::T xc = V::max(V::set1(kExpLo), V::min(V::set1(kExpHi), x));
  V::T n = V::round(V::mul(xc, V::set1(1.44269504088896341f)));
  V::T r = V::fnmadd(n, V::set1(0.693359375f), xc);  // ln2 split hi + lo so n*hi is exact
  r = V::fnmadd(n, V::set1(-2.12194440e-4f), r);
  V::T p = V::set1(1.9875691500e-4f);
  p = V::fmadd(p, r, V::set1(1.3981999507e-3f));
  p = V::fmadd(p, r, V::set1(8.3334519073e-3f));
  p = V::fmadd(p, r, V::set1(4.1665795894e-2f));
  p = V::fmadd(p, r, V::set1(1.6666665459e-1f));
  p = V::fmadd(p, r, V::set1(5.0000001201e-1f));
  V::T y = V::fmadd(p, V::mul(r, r), V::add(r, V::set1(1.0f)));
  return V::zero_where_less(x, V::set1(kExpLo), V::scale2(y, n));
}

}  // namespace
