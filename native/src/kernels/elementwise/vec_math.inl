// Vectorised float math over a Simd vocabulary (simd_avx2.h / simd_avx512.h); included inside the ISA
// namespace. Target: max relative error ~2e-7 vs float64 libm over the whole float range (checked by
// test/native/elementwise.test.ts against a float64 JS oracle), inf/NaN propagated, no inf*0 NaNs.
//  exp:  Cody-Waite reduction x = n*ln2 + r, |r| <= ln2/2 (ln2 split 0.693359375 - 2.12194440e-4,
//        n*hi exact for |n| < 2^15), Cephes expf degree-5 minimax on r (poly error 1.1e-9), then
//        2^n applied as two factors 2^(n/2) so results in the denormal range round once.
//  log:  Cephes logf: mantissa m in [sqrt(1/2), sqrt(2)), t = m - 1 exact, degree-8 minimax in t
//        (poly error 3.4e-9), exponent added with the same ln2 split; denormal inputs pre-scaled.
//  erfc: Numerical Recipes' Chebyshev fit erfc(z) = t*exp(-z^2 + P(t)), t = 1/(1 + z/2), relative
//        error < 1.2e-7 for all z >= 0. The exp(-z^2) factor is evaluated as exp(-hi/2)*(1 - lo/2)
//        with x^2 = hi + lo split by FMA, since rounding z^2 alone costs 6e-6 relative at z = 10.
//  tanh: Cephes tanhf odd polynomial for |x| < 0.625 (error 4.4e-9), else 1 - 2/(exp(2|x|) + 1).

template <class S>
inline typename S::V exp_v(typename S::V x) {
  using V = typename S::V;
  // exp(-104) rounds to 0 and exp(89) to inf, so clamping changes nothing; NaN survives max(c, x).
  V xc = S::min(S::set1(89.0f), S::max(S::set1(-104.0f), x));
  V n = S::round(S::mul(xc, S::set1(1.44269504088896341f)));
  V r = S::fnmadd(n, S::set1(0.693359375f), xc);
  r = S::fnmadd(n, S::set1(-2.12194440e-4f), r);
  V p = S::set1(1.9875691500E-4f);
  p = S::fmadd(p, r, S::set1(1.3981999507E-3f));
  p = S::fmadd(p, r, S::set1(8.3334519073E-3f));
  p = S::fmadd(p, r, S::set1(4.1665795894E-2f));
  p = S::fmadd(p, r, S::set1(1.6666665459E-1f));
  p = S::fmadd(p, r, S::set1(5.0000001201E-1f));
  V y = S::fmadd(p, S::mul(r, r), S::add(r, S::set1(1.0f)));
  // n in [-150, 128]: split into two factors that are each a normal float.
  V n1 = S::floor(S::mul(n, S::set1(0.5f)));
  V n2 = S::sub(n, n1);
  y = S::mul(S::mul(y, S::pow2i(n1)), S::pow2i(n2));
  return S::select(S::isnan(x), x, y);
}

template <class S>
inline typename S::V log_v(typename S::V x) {
  using V = typename S::V;
  // Denormals: scale by 2^23 so frexp sees a normal number, and take 23 back from the exponent.
  typename S::M tiny = S::lt(x, S::set1(1.17549435e-38f));
  V xs = S::select(tiny, S::mul(x, S::set1(8388608.0f)), x);
  V m, e;
  S::frexp12(xs, &m, &e);
  e = S::select(tiny, S::sub(e, S::set1(23.0f)), e);
  // Move m from [1, 2) to [sqrt(1/2), sqrt(2)) so t = m - 1 is small on both sides of 1.
  typename S::M big = S::gt(m, S::set1(1.41421356237f));
  V t = S::select(big, S::sub(S::mul(m, S::set1(0.5f)), S::set1(1.0f)), S::sub(m, S::set1(1.0f)));
  e = S::select(big, S::add(e, S::set1(1.0f)), e);
  V z = S::mul(t, t);
  V p = S::set1(7.0376836292E-2f);
  p = S::fmadd(p, t, S::set1(-1.1514610310E-1f));
  p = S::fmadd(p, t, S::set1(1.1676998740E-1f));
  p = S::fmadd(p, t, S::set1(-1.2420140846E-1f));
  p = S::fmadd(p, t, S::set1(1.4249322787E-1f));
  p = S::fmadd(p, t, S::set1(-1.6668057665E-1f));
  p = S::fmadd(p, t, S::set1(2.0000714765E-1f));
  p = S::fmadd(p, t, S::set1(-2.4999993993E-1f));
  p = S::fmadd(p, t, S::set1(3.3333331174E-1f));
  V y = S::mul(S::mul(p, t), z);
  y = S::fmadd(e, S::set1(-2.12194440e-4f), y);
  y = S::fnmadd(S::set1(0.5f), z, y);
  V r = S::add(t, y);
  r = S::fmadd(e, S::set1(0.693359375f), r);
  // Special values: log(0) = -inf, log(x<0) = NaN, log(inf) = inf, NaN stays NaN.
  const float inf = __builtin_inff();
  r = S::select(S::eq(x, S::set1(inf)), S::set1(inf), r);
  r = S::select(S::eq(x, S::zero()), S::set1(-inf), r);
  r = S::select(S::mor(S::lt(x, S::zero()), S::isnan(x)), S::set1(__builtin_nanf("")), r);
  return r;
}

// Standard normal CDF Phi(x) and density phi(x), both with relative accuracy in the left tail.
template <class S>
inline void normal_cdf_pdf_v(typename S::V x, typename S::V* cdf, typename S::V* pdf) {
  using V = typename S::V;
  // |x| > 20: Phi is 0 or 1 and phi is 0 in float; the clamp keeps x*x finite for the split below.
  V xc = S::min(S::set1(20.0f), S::max(S::set1(-20.0f), x));
  V z = S::mul(S::abs(xc), S::set1(0.70710678118654752f));
  V t = S::div(S::set1(1.0f), S::fmadd(z, S::set1(0.5f), S::set1(1.0f)));
  V p = S::set1(0.17087277f);
  p = S::fmadd(p, t, S::set1(-0.82215223f));
  p = S::fmadd(p, t, S::set1(1.48851587f));
  p = S::fmadd(p, t, S::set1(-1.13520398f));
  p = S::fmadd(p, t, S::set1(0.27886807f));
  p = S::fmadd(p, t, S::set1(-0.18628806f));
  p = S::fmadd(p, t, S::set1(0.09678418f));
  p = S::fmadd(p, t, S::set1(0.37409196f));
  p = S::fmadd(p, t, S::set1(1.00002368f));
  p = S::fmadd(p, t, S::set1(-1.26551223f));
  V hi = S::mul(xc, xc);
  V lo = S::fmsub(xc, xc, hi);  // x^2 - hi, exact
  V g = S::mul(exp_v<S>(S::mul(hi, S::set1(-0.5f))), S::fnmadd(lo, S::set1(0.5f), S::set1(1.0f)));  // exp(-x^2/2)
  V half_erfc = S::mul(S::mul(S::mul(t, S::set1(0.5f)), g), exp_v<S>(p));  // Phi(-|x|)
  *cdf = S::select(S::lt(xc, S::zero()), half_erfc, S::sub(S::set1(1.0f), half_erfc));
  *pdf = S::mul(g, S::set1(0.39894228040143268f));
}

// sigmoid via e = exp(-|x|) in (0, 1]: 1/(1+e) for x >= 0, e/(1+e) for x < 0; never overflows.
// Also gives 1 - sigmoid(x) = sigmoid(-x) without the cancellation of computing 1 - s.
template <class S>
inline void sigmoid_pair_v(typename S::V x, typename S::V* s, typename S::V* one_minus_s) {
  typename S::V e = exp_v<S>(S::sub(S::zero(), S::abs(x)));
  typename S::V q = S::div(S::set1(1.0f), S::add(S::set1(1.0f), e));
  typename S::V eq = S::mul(e, q);
  typename S::M pos = S::ge(x, S::zero());
  *s = S::select(pos, q, eq);
  *one_minus_s = S::select(pos, eq, q);
}

template <class S>
inline typename S::V sigmoid_v(typename S::V x) {
  typename S::V s, c;
  sigmoid_pair_v<S>(x, &s, &c);
  return s;
}

template <class S>
inline typename S::V tanh_v(typename S::V x) {
  using V = typename S::V;
  V a = S::abs(x);
  V s = S::mul(x, x);
  V p = S::set1(-5.70498872745E-3f);
  p = S::fmadd(p, s, S::set1(2.06390887954E-2f));
  p = S::fmadd(p, s, S::set1(-5.37397155531E-2f));
  p = S::fmadd(p, s, S::set1(1.33314422036E-1f));
  p = S::fmadd(p, s, S::set1(-3.33332819422E-1f));
  V small = S::fmadd(S::mul(p, s), x, x);
  V e = exp_v<S>(S::add(a, a));
  V large = S::fnmadd(S::set1(2.0f), S::div(S::set1(1.0f), S::add(e, S::set1(1.0f))), S::set1(1.0f));
  large = S::xor_(large, S::sign_bits(x));
  return S::select(S::lt(a, S::set1(0.625f)), small, large);
}

// The largest finite float with x's sign (NaN kept): multiplies by 0 without making NaN.
template <class S>
inline typename S::V finite_v(typename S::V x) {
  return S::min(S::set1(3.40282347e38f), S::max(S::set1(-3.40282347e38f), x));
}
