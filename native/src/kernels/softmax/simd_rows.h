// SIMD bodies of the softmax-family kernels declared in softmax.h, written once over VecF (simd.h).
// Included INSIDE namespace flashlm::FLASHLM_ISA_NS by avx2.cc and avx512.cc. Each row is walked in
// full vectors then one masked tail, so any C works and nothing is read or written past a row.
#pragma once

namespace {  // helpers private to this TU (see simd.h)

constexpr float kNegInf = -__builtin_inff();

// Four independent accumulators hide the add/max latency; the lane order is fixed for a given C,
// so results do not depend on threads.
inline float row_max(const float* x, int64_t C) {
  using V = VecF;
  constexpr int W = V::W;
  V::T m0 = V::set1(kNegInf), m1 = m0, m2 = m0, m3 = m0;
  int64_t j = 0;
  for (; j + 4 * W <= C; j += 4 * W) {
    m0 = V::max(m0, V::load(x + j));
    m1 = V::max(m1, V::load(x + j + W));
    m2 = V::max(m2, V::load(x + j + 2 * W));
    m3 = V::max(m3, V::load(x + j + 3 * W));
  }
  for (; j + W <= C; j += W) m0 = V::max(m0, V::load(x + j));
  if (j < C) m1 = V::max(m1, V::load_tail(x + j, C - j, kNegInf));
  return V::hmax(V::max(V::max(m0, m1), V::max(m2, m3)));
}

// sum(exp(x - m)); when y is non-null also stores exp(x - m) there (y may alias x).
inline float row_sum_exp(const float* x, float m, float* y, int64_t C) {
  using V = VecF;
  constexpr int W = V::W;
  const V::T vm = V::set1(m);
  V::T s0 = V::zero(), s1 = s0;
  int64_t j = 0;
  for (; j + 2 * W <= C; j += 2 * W) {
    V::T e0 = vexp(V::sub(V::load(x + j), vm)), e1 = vexp(V::sub(V::load(x + j + W), vm));
    if (y) V::store(y + j, e0), V::store(y + j + W, e1);
    s0 = V::add(s0, e0);
    s1 = V::add(s1, e1);
  }
  for (; j + W <= C; j += W) {
    V::T e = vexp(V::sub(V::load(x + j), vm));
    if (y) V::store(y + j, e);
    s0 = V::add(s0, e);
  }
  if (j < C) {
    V::T e = vexp(V::sub(V::load_tail(x + j, C - j, kNegInf), vm));  // padding lanes give exp(-inf) = 0
    if (y) V::store_tail(y + j, e, C - j);
    s1 = V::add(s1, e);
  }
  return V::hsum(V::add(s0, s1));
}

// y = x * a + b over a row (a, b broadcast).
inline void row_affine(const float* x, float a, float b, float* y, int64_t C) {
  using V = VecF;
  constexpr int W = V::W;
  const V::T va = V::set1(a), vb = V::set1(b);
  int64_t j = 0;
  for (; j + W <= C; j += W) V::store(y + j, V::fmadd(V::load(x + j), va, vb));
  if (j < C) V::store_tail(y + j, V::fmadd(V::load_tail(x + j, C - j, 0.0f), va, vb), C - j);
}

inline void row_fill(float* y, float v, int64_t C) {
  for (int64_t j = 0; j < C; j++) y[j] = v;
}

}  // namespace

void softmax_forward(const float* x, float* y, int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; r++) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    float m = row_max(xr, C);
    if (m == kNegInf) {
      row_fill(yr, 0.0f, C);
      continue;
    }
    float s = row_sum_exp(xr, m, yr, C);
    row_affine(yr, 1.0f / s, 0.0f, yr, C);
  }
}

void log_softmax_forward(const float* x, float* y, int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; r++) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    float m = row_max(xr, C);
    if (m == kNegInf) {
      row_fill(yr, kNegInf, C);
      continue;
    }
    float lse = static_cast<float>(m + __builtin_log(static_cast<double>(row_sum_exp(xr, m, nullptr, C))));
    row_affine(xr, 1.0f, -lse, yr, C);
  }
}

void softmax_backward(const float* y, const float* dy, float* dx, int64_t R, int64_t C) {
  using V = VecF;
  constexpr int W = V::W;
  for (int64_t r = 0; r < R; r++) {
    const float *yr = y + r * C, *dyr = dy + r * C;
    float* dxr = dx + r * C;
    V::T a0 = V::zero(), a1 = a0;
    int64_t j = 0;
    for (; j + 2 * W <= C; j += 2 * W) {
      a0 = V::fmadd(V::load(yr + j), V::load(dyr + j), a0);
      a1 = V::fmadd(V::load(yr + j + W), V::load(dyr + j + W), a1);
    }
    for (; j + W <= C; j += W) a0 = V::fmadd(V::load(yr + j), V::load(dyr + j), a0);
    if (j < C) a1 = V::fmadd(V::load_tail(yr + j, C - j, 0.0f), V::load_tail(dyr + j, C - j, 0.0f), a1);
    const V::T dot = V::set1(V::hsum(V::add(a0, a1)));
    for (j = 0; j + W <= C; j += W) V::store(dxr + j, V::mul(V::load(yr + j), V::sub(V::load(dyr + j), dot)));
    if (j < C)
      V::store_tail(dxr + j, V::mul(V::load_tail(yr + j, C - j, 0.0f), V::sub(V::load_tail(dyr + j, C - j, 0.0f), dot)), C - j);
  }
}

void log_softmax_backward(const float* y, const float* dy, float* dx, int64_t R, int64_t C) {
  using V = VecF;
  constexpr int W = V::W;
  for (int64_t r = 0; r < R; r++) {
    const float *yr = y + r * C, *dyr = dy + r * C;
    float* dxr = dx + r * C;
    V::T a0 = V::zero(), a1 = a0;
    int64_t j = 0;
    for (; j + 2 * W <= C; j += 2 * W) {
      a0 = V::add(a0, V::load(dyr + j));
      a1 = V::add(a1, V::load(dyr + j + W));
    }
    for (; j + W <= C; j += W) a0 = V::add(a0, V::load(dyr + j));
    if (j < C) a1 = V::add(a1, V::load_tail(dyr + j, C - j, 0.0f));
    const V::T s = V::set1(V::hsum(V::add(a0, a1)));
    for (j = 0; j + W <= C; j += W) V::store(dxr + j, V::fnmadd(vexp(V::load(yr + j)), s, V::load(dyr + j)));
    if (j < C)
      V::store_tail(dxr + j, V::fnmadd(vexp(V::load_tail(yr + j, C - j, 0.0f)), s, V::load_tail(dyr + j, C - j, 0.0f)), C - j);
  }
}

void xent_forward(const float* logits, const int32_t* targets, int64_t R, int64_t V, int32_t ignore, float* lse,
                  float* losses) {
  for (int64_t r = 0; r < R; r++) {
    const int32_t t = targets[r];
    if (t == ignore) {  // skipped entirely: padding rows cost nothing
      lse[r] = 0;
      losses[r] = 0;
      continue;
    }
    const float* xr = logits + r * V;
    const float m = row_max(xr, V);
    // An all -inf row has lse -inf and loss NaN (-inf - -inf), as in PyTorch.
    const double l = m == kNegInf ? static_cast<double>(kNegInf)
                                  : m + __builtin_log(static_cast<double>(row_sum_exp(xr, m, nullptr, V)));
    lse[r] = static_cast<float>(l);
    losses[r] = static_cast<float>(l - xr[t]);
  }
}

void xent_backward(const float* logits, const int32_t* targets, const float* lse, int64_t R, int64_t V,
                   int32_t ignore, float scale, float* dlogits) {
  using VF = VecF;
  constexpr int W = VF::W;
  const VF::T vs = VF::set1(scale);
  for (int64_t r = 0; r < R; r++) {
    const float* xr = logits + r * V;
    float* dr = dlogits + r * V;
    const int32_t t = targets[r];
    if (t == ignore) {
      row_fill(dr, 0.0f, V);
      continue;
    }
    const VF::T vl = VF::set1(lse[r]);
    int64_t j = 0;
    for (; j + W <= V; j += W) VF::store(dr + j, VF::mul(vexp(VF::sub(VF::load(xr + j), vl)), vs));
    if (j < V) VF::store_tail(dr + j, VF::mul(vexp(VF::sub(VF::load_tail(xr + j, V - j, 0.0f), vl)), vs), V - j);
    dr[t] -= scale;
  }
}
