// AVX-512 vocabulary for the templated kernels (vec_math.inl, kernels.inl, reduce/kernels.inl).
// Include inside `namespace flashlm::avx512` after <immintrin.h>. max/min follow x86: when either
// operand is NaN the *second* operand is returned, so max(c, x) keeps a NaN x.
#pragma once

struct Simd {
  using V = __m512;
  using M = __mmask16;
  static constexpr int W = 16;
  static inline V load(const float* p) { return _mm512_loadu_ps(p); }
  static inline void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static inline float first(V v) { return _mm512_cvtss_f32(v); }
  static inline V set1(float f) { return _mm512_set1_ps(f); }
  static inline V zero() { return _mm512_setzero_ps(); }
  static inline V add(V a, V b) { return _mm512_add_ps(a, b); }
  static inline V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  static inline V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static inline V div(V a, V b) { return _mm512_div_ps(a, b); }
  static inline V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }    // a*b + c
  static inline V fmsub(V a, V b, V c) { return _mm512_fmsub_ps(a, b, c); }    // a*b - c
  static inline V fnmadd(V a, V b, V c) { return _mm512_fnmadd_ps(a, b, c); }  // c - a*b
  static inline V max(V a, V b) { return _mm512_max_ps(a, b); }
  static inline V min(V a, V b) { return _mm512_min_ps(a, b); }
  static inline V sqrt(V a) { return _mm512_sqrt_ps(a); }
  static inline V floor(V a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static inline V round(V a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static inline V abs(V a) { return _mm512_abs_ps(a); }
  static inline V sign_bits(V a) { return _mm512_and_ps(a, _mm512_set1_ps(-0.0f)); }
  static inline V xor_(V a, V b) { return _mm512_xor_ps(a, b); }
  static inline M lt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static inline M le(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
  static inline M gt(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static inline M ge(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static inline M eq(V a, V b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static inline M isnan(V a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static inline M mor(M a, M b) { return static_cast<M>(a | b); }
  static inline M mand(M a, M b) { return static_cast<M>(a & b); }
  static inline M mandnot(M a, M b) { return static_cast<M>(~a & b); }  // !a && b
  static inline bool any(M m) { return m != 0; }
  static inline uint32_t bits(M m) { return m; }
  static inline V select(M m, V a, V b) { return _mm512_mask_blend_ps(m, b, a); }  // m ? a : b
  // 2^n for integer-valued n in [-126, 127].
  static inline V pow2i(V n) {
    __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  }
  // x = m * 2^e with m in [1, 2), for finite normal x > 0.
  static inline void frexp12(V x, V* m, V* e) {
    *e = _mm512_getexp_ps(x);
    *m = _mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero);
  }

  using I = __m512i;
  static inline I iset1(int32_t v) { return _mm512_set1_epi32(v); }
  static inline I iload(const int32_t* p) { return _mm512_loadu_si512(p); }
  static inline void istore(int32_t* p, I v) { _mm512_storeu_si512(p, v); }
  static inline I iselect(M m, I a, I b) { return _mm512_mask_blend_epi32(m, b, a); }

  // float64 accumulation for the reductions: W floats widen into two halves of WD doubles.
  using D = __m512d;
  static constexpr int WD = 8;
  static inline D dzero() { return _mm512_setzero_pd(); }
  static inline D dadd(D a, D b) { return _mm512_add_pd(a, b); }
  static inline D dfma(D a, D b, D c) { return _mm512_fmadd_pd(a, b, c); }  // a*b + c
  static inline D dlo(V v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
  static inline D dhi(V v) { return _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))); }
  static inline double dsum(D a) { return _mm512_reduce_add_pd(a); }
  static inline D dload(const double* p) { return _mm512_loadu_pd(p); }
  static inline void dstore(double* p, D v) { _mm512_storeu_pd(p, v); }
};
