// SIMD bodies of the norm-family kernels declared in norm.h, written once over VecF
// (softmax/simd.h). Included INSIDE namespace flashlm::FLASHLM_ISA_NS by avx2.cc and avx512.cc.
// Row statistics accumulate in float lanes (the scalar reference uses float64; tests bound the gap),
// then the per-row rstd is formed in double.
#pragma once

namespace {  // helpers private to this TU (see softmax/simd.h)

// for_vec(C, f) calls f(Full{}, j) for each full vector and f(Tail{n}, j) once for the last n < W
// lanes; ld/st then pick the plain or masked access, so each body is written once.
struct Full {};
struct Tail {
  int64_t n;
};
inline VecF::T ld(Full, const float* p) { return VecF::load(p); }
inline VecF::T ld(Tail t, const float* p) { return VecF::load_tail(p, t.n, 0.0f); }  // pad lanes read 0
inline VecF::T ld(Full, const float* p, float) { return VecF::load(p); }
inline VecF::T ld(Tail t, const float* p, float fill) { return VecF::load_tail(p, t.n, fill); }
inline void st(Full, float* p, VecF::T v) { VecF::store(p, v); }
inline void st(Tail t, float* p, VecF::T v) { VecF::store_tail(p, v, t.n); }
template <typename F>
inline void for_vec(int64_t C, F&& f) {
  int64_t j = 0;
  for (; j + VecF::W <= C; j += VecF::W) f(Full{}, j);
  if (j < C) f(Tail{C - j}, j);
}

}  // namespace

void rmsnorm_forward(const float* x, const float* g, float* y, float* rstd, int64_t R, int64_t C, float eps) {
  using V = VecF;
  for (int64_t r = 0; r < R; r++) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    V::T ss = V::zero();
    for_vec(C, [&](auto m, int64_t j) {
      V::T v = ld(m, xr + j);
      ss = V::fmadd(v, v, ss);
    });
    const float rs = static_cast<float>(1.0 / __builtin_sqrt(static_cast<double>(V::hsum(ss)) / C + eps));
    rstd[r] = rs;
    const V::T vrs = V::set1(rs);
    for_vec(C, [&](auto m, int64_t j) { st(m, yr + j, V::mul(V::mul(ld(m, xr + j), vrs), ld(m, g + j))); });
  }
}

void rmsnorm_backward(const float* x, const float* g, const float* rstd, const float* dy, float* dx, float* dg_acc,
                      int64_t R, int64_t C) {
  using V = VecF;
  for (int64_t r = 0; r < R; r++) {
    const float *xr = x + r * C, *dyr = dy + r * C;
    float* dxr = dx + r * C;
    V::T dot = V::zero();
    for_vec(C, [&](auto m, int64_t j) { dot = V::fmadd(V::mul(ld(m, g + j), ld(m, dyr + j)), ld(m, xr + j), dot); });
    const float rs = rstd[r];
    const V::T vrs = V::set1(rs), vk = V::set1(rs * rs * rs * V::hsum(dot) / static_cast<float>(C));
    for_vec(C, [&](auto m, int64_t j) {
      const V::T xv = ld(m, xr + j), dyv = ld(m, dyr + j);
      st(m, dxr + j, V::fnmadd(vk, xv, V::mul(V::mul(vrs, ld(m, g + j)), dyv)));
      if (dg_acc) st(m, dg_acc + j, V::fmadd(V::mul(dyv, xv), vrs, ld(m, dg_acc + j)));
    });
  }
}

namespace {
template <bool kW, bool kB>
void layernorm_forward_t(const float* x, const float* w, const float* b, float* y, float* mean, float* rstd,
                         int64_t R, int64_t C, float eps) {
  using V = VecF;
  for (int64_t r = 0; r < R; r++) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    V::T s = V::zero();
    for_vec(C, [&](auto m, int64_t j) { s = V::add(s, ld(m, xr + j)); });
    const float mu = V::hsum(s) / static_cast<float>(C);
    // Two passes (sum, then squared deviations) so a large mean does not cancel the variance.
    const V::T vmu = V::set1(mu);
    V::T ss = V::zero();
    for_vec(C, [&](auto m, int64_t j) {
      const V::T d = V::sub(ld(m, xr + j, mu), vmu);  // padding lanes read mu: deviation 0
      ss = V::fmadd(d, d, ss);
    });
    const float rs = static_cast<float>(1.0 / __builtin_sqrt(static_cast<double>(V::hsum(ss)) / C + eps));
    mean[r] = mu;
    rstd[r] = rs;
    const V::T vrs = V::set1(rs);
    for_vec(C, [&](auto m, int64_t j) {
      V::T v = V::mul(V::sub(ld(m, xr + j), vmu), vrs);
      if constexpr (kW) v = V::mul(v, ld(m, w + j));
      if constexpr (kB) v = V::add(v, ld(m, b + j));
      st(m, yr + j, v);
    });
  }
}

}  // namespace

void layernorm_forward(const float* x, const float* w, const float* b, float* y, float* mean, float* rstd, int64_t R,
                       int64_t C, float eps) {
  if (w && b) return layernorm_forward_t<true, true>(x, w, b, y, mean, rstd, R, C, eps);
  if (w) return layernorm_forward_t<true, false>(x, w, b, y, mean, rstd, R, C, eps);
  if (b) return layernorm_forward_t<false, true>(x, w, b, y, mean, rstd, R, C, eps);
  return layernorm_forward_t<false, false>(x, w, b, y, mean, rstd, R, C, eps);
}

namespace {
template <bool kW>
void layernorm_backward_t(const float* x, const float* w, const float* mean, const float* rstd, const float* dy,
                          float* dx, float* dw_acc, float* db_acc, int64_t R, int64_t C) {
  using V = VecF;
  for (int64_t r = 0; r < R; r++) {
    const float *xr = x + r * C, *dyr = dy + r * C;
    float* dxr = dx + r * C;
    const V::T vmu = V::set1(mean[r]), vrs = V::set1(rstd[r]);
    // Padding lanes read x = 0, dy = 0: g = 0 there, so they add nothing to either sum.
    V::T sg = V::zero(), sgx = V::zero();
    for_vec(C, [&](auto m, int64_t j) {
      V::T g = ld(m, dyr + j);
      if constexpr (kW) g = V::mul(g, ld(m, w + j));
      sg = V::add(sg, g);
      sgx = V::fmadd(g, V::mul(V::sub(ld(m, xr + j), vmu), vrs), sgx);
    });
    const float invC = 1.0f / static_cast<float>(C);
    const V::T vsg = V::set1(V::hsum(sg) * invC), vsgx = V::set1(V::hsum(sgx) * invC);
    for_vec(C, [&](auto m, int64_t j) {
      const V::T dyv = ld(m, dyr + j), xhat = V::mul(V::sub(ld(m, xr + j), vmu), vrs);
      V::T g = dyv;
      if constexpr (kW) g = V::mul(g, ld(m, w + j));
      st(m, dxr + j, V::mul(vrs, V::fnmadd(xhat, vsgx, V::sub(g, vsg))));
      if (dw_acc) st(m, dw_acc + j, V::fmadd(dyv, xhat, ld(m, dw_acc + j)));
      if (db_acc) st(m, db_acc + j, V::add(dyv, ld(m, db_acc + j)));
    });
  }
}

}  // namespace

void layernorm_backward(const float* x, const float* w, const float* mean, const float* rstd, const float* dy,
                        float* dx, float* dw_acc, float* db_acc, int64_t R, int64_t C) {
  if (w) return layernorm_backward_t<true>(x, w, mean, rstd, dy, dx, dw_acc, db_acc, R, C);
  return layernorm_backward_t<false>(x, w, mean, rstd, dy, dx, dw_acc, db_acc, R, C);
}
