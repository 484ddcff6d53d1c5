// AVX2 + FMA vocabulary for the templated kernels (same interface as simd_avx512.h; masks are
// all-ones/all-zeros lanes). Include inside `namespace flashlm::avx2` after <immintrin.h>.
#pragma once

struct Simd {
  using V = __m256;
  using M = __m256;
  static constexpr int W = 8;
  static inline V load(const float* p) { return _mm256_loadu_ps(p); }
  static inline void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static inline float first(V v) { return _mm256_cvtss_f32(v); }
  static inline V set1(float f) { return _mm256_set1_ps(f); }
  static inline V zero() { return _mm256_setzero_ps(); }
  static inline V add(V a, V b) { return _mm256_add_ps(a, b); }
  static inline V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static inline V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static inline V div(V a, V b) { return _mm256_div_ps(a, b); }
  static inline V fmadd(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static inline V fmsub(V a, V b, V c) { return _mm256_fmsub_ps(a, b, c); }
  static inline V fnmadd(V a, V b, V c) { return _mm256_fnmadd_ps(a, b, c); }
  static inline V max(V a, V b) { return _mm256_max_ps(a, b); }
  static inline V min(V a, V b) { return _mm256_min_ps(a, b); }
  static inline V sqrt(V a) { return _mm256_sqrt_ps(a); }
  static inline V floor(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static inline V round(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static inline V abs(V a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static inline V sign_bits(V a) { return _mm256_and_ps(a, _mm256_set1_ps(-0.0f)); }
  static inline V xor_(V a, V b) { return _mm256_xor_ps(a, b); }
  static inline M lt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static inline M le(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
  static inline M gt(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static inline M ge(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  static inline M eq(V a, V b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static inline M isnan(V a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static inline M mor(M a, M b) { return _mm256_or_ps(a, b); }
  static inline M mand(M a, M b) { return _mm256_and_ps(a, b); }
  static inline M mandnot(M a, M b) { return _mm256_andnot_ps(a, b); }  // !a && b
  static inline bool any(M m) { return _mm256_movemask_ps(m) != 0; }
  static inline uint32_t bits(M m) { return static_cast<uint32_t>(_mm256_movemask_ps(m)); }
  static inline V select(M m, V a, V b) { return _mm256_blendv_ps(b, a, m); }  // m ? a : b
  // 2^n for integer-valued n in [-126, 127].
  static inline V pow2i(V n) {
    __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  }
  // x = m * 2^e with m in [1, 2), for finite normal x > 0.
  static inline void frexp12(V x, V* m, V* e) {
    __m256i bits = _mm256_castps_si256(x);
    __m256i ex = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127));
    *e = _mm256_cvtepi32_ps(ex);
    __m256i mant = _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f800000));
    *m = _mm256_castsi256_ps(mant);
  }

  using I = __m256i;
  static inline I iset1(int32_t v) { return _mm256_set1_epi32(v); }
  static inline I iload(const int32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
  static inline void istore(int32_t* p, I v) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v); }
  static inline I iselect(M m, I a, I b) { return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(b), _mm256_castsi256_ps(a), m)); }

  using D = __m256d;
  static constexpr int WD = 4;
  static inline D dzero() { return _mm256_setzero_pd(); }
  static inline D dadd(D a, D b) { return _mm256_add_pd(a, b); }
  static inline D dfma(D a, D b, D c) { return _mm256_fmadd_pd(a, b, c); }  // a*b + c
  static inline D dlo(V v) { return _mm256_cvtps_pd(_mm256_castps256_ps128(v)); }
  static inline D dhi(V v) { return _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)); }
  static inline double dsum(D a) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(a), _mm256_extractf128_pd(a, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
  }
  static inline D dload(const double* p) { return _mm256_loadu_pd(p); }
  static inline void dstore(double* p, D v) { _mm256_storeu_pd(p, v); }
};
