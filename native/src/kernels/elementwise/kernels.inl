// The elementwise kernels, written once over a Simd vocabulary and compiled per ISA (avx2.cc,
// avx512.cc include this inside their namespace). Tails (n % W) run the same vector code on a
// zero-padded stack buffer, so tail and body give bit-identical results for the same input.

template <class S, class F>
inline void map1(int64_t n, const float* x, float* y, F f) {
  int64_t i = 0;
  for (; i + S::W <= n; i += S::W) S::store(y + i, f(S::load(x + i)));
  if (i < n) {
    float bx[S::W] = {}, by[S::W];
    for (int64_t j = 0; j < n - i; j++) bx[j] = x[i + j];
    S::store(by, f(S::load(bx)));
    for (int64_t j = 0; j < n - i; j++) y[i + j] = by[j];
  }
}

template <class S, class F>
inline void map2(int64_t n, const float* a, const float* b, float* y, F f) {
  int64_t i = 0;
  for (; i + S::W <= n; i += S::W) S::store(y + i, f(S::load(a + i), S::load(b + i)));
  if (i < n) {
    float ba[S::W] = {}, bb[S::W] = {}, by[S::W];
    for (int64_t j = 0; j < n - i; j++) ba[j] = a[i + j], bb[j] = b[i + j];
    S::store(by, f(S::load(ba), S::load(bb)));
    for (int64_t j = 0; j < n - i; j++) y[i + j] = by[j];
  }
}

template <class S, BinaryOp op>
inline typename S::V binary_v(typename S::V a, typename S::V b) {
  switch (op) {
    case BinaryOp::add: return S::add(a, b);
    case BinaryOp::sub: return S::sub(a, b);
    case BinaryOp::mul: return S::mul(a, b);
    case BinaryOp::div: return S::div(a, b);
    // x86 max/min return the second operand on NaN: that covers a NaN b; a NaN a is selected back.
    case BinaryOp::maximum: return S::select(S::isnan(a), a, S::max(a, b));
    case BinaryOp::minimum: return S::select(S::isnan(a), a, S::min(a, b));
  }
  return a;
}

template <class S, BinaryOp op>
void binary_row_t(int64_t n, const float* a, int64_t sa, const float* b, int64_t sb, float* out) {
  auto f = [](typename S::V x, typename S::V y) { return binary_v<S, op>(x, y); };
  if (sa == 1 && sb == 1) return map2<S>(n, a, b, out, f);
  if (sa == 1 && sb == 0) {
    const typename S::V vb = S::set1(b[0]);
    return map1<S>(n, a, out, [&](typename S::V x) { return binary_v<S, op>(x, vb); });
  }
  if (sa == 0 && sb == 1) {
    const typename S::V va = S::set1(a[0]);
    return map1<S>(n, b, out, [&](typename S::V y) { return binary_v<S, op>(va, y); });
  }
  // Both broadcast or a non-unit inner stride (a transposed view): scalar, same NaN rules.
  for (int64_t i = 0; i < n; i++) {
    out[i] = S::first(binary_v<S, op>(S::set1(a[i * sa]), S::set1(b[i * sb])));
  }
}

void binary_row(BinaryOp op, int64_t n, const float* a, int64_t sa, const float* b, int64_t sb, float* out) {
  switch (op) {
    case BinaryOp::add: return binary_row_t<Simd, BinaryOp::add>(n, a, sa, b, sb, out);
    case BinaryOp::sub: return binary_row_t<Simd, BinaryOp::sub>(n, a, sa, b, sb, out);
    case BinaryOp::mul: return binary_row_t<Simd, BinaryOp::mul>(n, a, sa, b, sb, out);
    case BinaryOp::div: return binary_row_t<Simd, BinaryOp::div>(n, a, sa, b, sb, out);
    case BinaryOp::maximum: return binary_row_t<Simd, BinaryOp::maximum>(n, a, sa, b, sb, out);
    case BinaryOp::minimum: return binary_row_t<Simd, BinaryOp::minimum>(n, a, sa, b, sb, out);
  }
}

void unary_forward(UnaryOp op, int64_t n, const float* x, float* y, float alpha, float beta) {
  using S = Simd;
  using V = S::V;
  const V zero = S::zero(), one = S::set1(1.0f);
  switch (op) {
    case UnaryOp::silu: return map1<S>(n, x, y, [](V v) { return S::mul(S::max(S::set1(-3.40282347e38f), v), sigmoid_v<S>(v)); });
    case UnaryOp::gelu: return map1<S>(n, x, y, [](V v) {
      V cdf, pdf;
      normal_cdf_pdf_v<S>(v, &cdf, &pdf);
      return S::mul(S::max(S::set1(-3.40282347e38f), v), cdf);
    });
    case UnaryOp::sigmoid: return map1<S>(n, x, y, [](V v) { return sigmoid_v<S>(v); });
    case UnaryOp::tanh: return map1<S>(n, x, y, [](V v) { return tanh_v<S>(v); });
    case UnaryOp::relu: return map1<S>(n, x, y, [&](V v) { return S::max(zero, v); });
    case UnaryOp::relu2: return map1<S>(n, x, y, [&](V v) { V r = S::max(zero, v); return S::mul(r, r); });
    case UnaryOp::exp: return map1<S>(n, x, y, [](V v) { return exp_v<S>(v); });
    case UnaryOp::log: return map1<S>(n, x, y, [](V v) { return log_v<S>(v); });
    case UnaryOp::neg: return map1<S>(n, x, y, [](V v) { return S::xor_(v, S::set1(-0.0f)); });
    case UnaryOp::sqrt: return map1<S>(n, x, y, [](V v) { return S::sqrt(v); });
    // A true division, not rsqrt's 12-bit estimate.
    case UnaryOp::rsqrt: return map1<S>(n, x, y, [&](V v) { return S::div(one, S::sqrt(v)); });
    case UnaryOp::square: return map1<S>(n, x, y, [](V v) { return S::mul(v, v); });
    case UnaryOp::affine: {
      const V va = S::set1(alpha), vb = S::set1(beta);
      return map1<S>(n, x, y, [&](V v) { return S::fmadd(va, v, vb); });
    }
  }
}

// silu'(x) = s * (1 + x * (1 - s)), s = sigmoid(x); x clamped finite so +-inf give 1 and 0.
template <class S>
inline typename S::V silu_grad_v(typename S::V x) {
  typename S::V s, c;
  sigmoid_pair_v<S>(x, &s, &c);
  return S::mul(s, S::fmadd(finite_v<S>(x), c, S::set1(1.0f)));
}

void unary_backward(UnaryOp op, int64_t n, const float* src, const float* g, float* gi, float alpha) {
  using S = Simd;
  using V = S::V;
  const V zero = S::zero(), one = S::set1(1.0f), two = S::set1(2.0f), half = S::set1(0.5f);
  switch (op) {
    case UnaryOp::silu: return map2<S>(n, src, g, gi, [](V x, V gv) { return S::mul(gv, silu_grad_v<S>(x)); });
    case UnaryOp::gelu: return map2<S>(n, src, g, gi, [](V x, V gv) {
      V cdf, pdf;
      normal_cdf_pdf_v<S>(x, &cdf, &pdf);
      return S::mul(gv, S::fmadd(finite_v<S>(x), pdf, cdf));
    });
    case UnaryOp::sigmoid: return map2<S>(n, src, g, gi, [&](V y, V gv) { return S::mul(gv, S::mul(y, S::sub(one, y))); });
    case UnaryOp::tanh: return map2<S>(n, src, g, gi, [&](V y, V gv) { return S::mul(gv, S::fnmadd(y, y, one)); });
    case UnaryOp::relu: return map2<S>(n, src, g, gi, [&](V x, V gv) { return S::select(S::gt(x, zero), gv, zero); });
    case UnaryOp::relu2: return map2<S>(n, src, g, gi, [&](V x, V gv) { return S::mul(gv, S::mul(two, S::max(zero, x))); });
    case UnaryOp::exp: return map2<S>(n, src, g, gi, [](V y, V gv) { return S::mul(gv, y); });
    case UnaryOp::log: return map2<S>(n, src, g, gi, [](V x, V gv) { return S::div(gv, x); });
    case UnaryOp::neg: return map1<S>(n, g, gi, [](V gv) { return S::xor_(gv, S::set1(-0.0f)); });
    case UnaryOp::sqrt: return map2<S>(n, src, g, gi, [&](V y, V gv) { return S::mul(gv, S::div(half, y)); });
    case UnaryOp::rsqrt: return map2<S>(n, src, g, gi, [&](V y, V gv) {
      return S::mul(gv, S::mul(S::mul(S::set1(-0.5f), y), S::mul(y, y)));
    });
    case UnaryOp::square: return map2<S>(n, src, g, gi, [&](V x, V gv) { return S::mul(gv, S::mul(two, x)); });
    case UnaryOp::affine: {
      const V va = S::set1(alpha);
      return map1<S>(n, g, gi, [&](V gv) { return S::mul(gv, va); });
    }
  }
}

void swiglu_forward(int64_t n, const float* gate, const float* up, float* out) {
  using S = Simd;
  map2<S>(n, gate, up, out, [](S::V x, S::V u) {
    return S::mul(S::mul(S::max(S::set1(-3.40282347e38f), x), sigmoid_v<S>(x)), u);
  });
}

// One pass over (gate, up, g) producing both gradients: sigmoid is computed once for both.
void swiglu_backward(int64_t n, const float* gate, const float* up, const float* g, float* dgate, float* dup) {
  using S = Simd;
  using V = S::V;
  auto step = [](V x, V u, V gv, V* dx, V* du) {
    V s, c;
    sigmoid_pair_v<S>(x, &s, &c);
    V xf = finite_v<S>(x);
    *du = S::mul(gv, S::mul(xf, s));
    *dx = S::mul(S::mul(gv, u), S::mul(s, S::fmadd(xf, c, S::set1(1.0f))));
  };
  int64_t i = 0;
  for (; i + S::W <= n; i += S::W) {
    V dx, du;
    step(S::load(gate + i), S::load(up + i), S::load(g + i), &dx, &du);
    S::store(dgate + i, dx);
    S::store(dup + i, du);
  }
  if (i < n) {
    float bx[S::W] = {}, bu[S::W] = {}, bg[S::W] = {}, ox[S::W], ou[S::W];
    for (int64_t j = 0; j < n - i; j++) bx[j] = gate[i + j], bu[j] = up[i + j], bg[j] = g[i + j];
    V dx, du;
    step(S::load(bx), S::load(bu), S::load(bg), &dx, &du);
    S::store(ox, dx);
    S::store(ou, du);
    for (int64_t j = 0; j < n - i; j++) dgate[i + j] = ox[j], dup[i + j] = ou[j];
  }
}
