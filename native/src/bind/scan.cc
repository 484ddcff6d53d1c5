// Bindings for the scan family (kernels/scan/scan.h): causal depthwise conv and cumulative sum/mean.
// Each entry point checks dtypes, lengths against (B, T, C[, K]) and aliasing, then dispatches on ISA.
#include <string>

#include "args.h"
#include "bind/registry.h"
#include "dispatch.h"
#include "kernels/scan/scan.h"

namespace flashlm {

namespace {

struct Dims {
  int64_t B, T, C, n;
};

Dims dims_arg(const Napi::CallbackInfo& cb, size_t i, const char* fn) {
  Dims d;
  d.B = int_arg(cb, i, fn, "B", 0);
  d.T = int_arg(cb, i + 1, fn, "T", 0);
  d.C = int_arg(cb, i + 2, fn, "C", 0);
  d.n = checked_mul(cb.Env(), fn, {d.B, d.T, d.C});
  return d;
}

std::string btc(const Dims& d) {
  return "B*T*C = " + std::to_string(d.B) + "*" + std::to_string(d.T) + "*" + std::to_string(d.C);
}

// An optional output: null/undefined means "not needed".
bool is_absent(const Napi::CallbackInfo& cb, size_t i) {
  return i >= cb.Length() || cb[i].IsNull() || cb[i].IsUndefined();
}

// causalConv1dForward(x, w, y, B, T, C, K)
Napi::Value conv_forward(const Napi::CallbackInfo& cb) {
  const char* fn = "causalConv1dForward";
  Napi::Env env = cb.Env();
  auto x = array_arg<float>(cb, 0, fn, "x");
  auto w = array_arg<float>(cb, 1, fn, "w");
  auto y = array_arg<float>(cb, 2, fn, "y");
  Dims d = dims_arg(cb, 3, fn);
  const int64_t K = int_arg(cb, 6, fn, "K", 1, kScanMaxK);
  require_length(env, fn, "x", x.length, d.n, btc(d));
  require_length(env, fn, "w", w.length, checked_mul(env, fn, {d.C, K}), "C*K");
  require_length(env, fn, "y", y.length, d.n, btc(d));
  require_disjoint(env, fn, "x", x, "y", y);
  require_disjoint(env, fn, "w", w, "y", y);
  if (d.n == 0) return env.Undefined();
  switch (active_isa()) {
#if defined(FLASHLM_HAVE_X86)
    case Isa::avx512: avx512::causal_conv1d_forward(x.data, w.data, y.data, d.B, d.T, d.C, K); break;
    case Isa::avx2: avx2::causal_conv1d_forward(x.data, w.data, y.data, d.B, d.T, d.C, K); break;
#endif
#if defined(FLASHLM_HAVE_NEON)
    case Isa::neon: neon::causal_conv1d_forward(x.data, w.data, y.data, d.B, d.T, d.C, K); break;
#endif
    default: causal_conv1d_forward_ref(x.data, w.data, y.data, d.B, d.T, d.C, K);
  }
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

// causalConv1dBackward(x, w, dy, dx | null, dw | null, B, T, C, K)
Napi::Value conv_backward(const Napi::CallbackInfo& cb) {
  const char* fn = "causalConv1dBackward";
  Napi::Env env = cb.Env();
  auto x = array_arg<float>(cb, 0, fn, "x");
  auto w = array_arg<float>(cb, 1, fn, "w");
  auto dy = array_arg<float>(cb, 2, fn, "dy");
  const bool want_dx = !is_absent(cb, 3), want_dw = !is_absent(cb, 4);
  ArrayArg<float> dx{nullptr, 0}, dw{nullptr, 0};
  if (want_dx) dx = array_arg<float>(cb, 3, fn, "dx");
  if (want_dw) dw = array_arg<float>(cb, 4, fn, "dw");
  Dims d = dims_arg(cb, 5, fn);
  const int64_t K = int_arg(cb, 8, fn, "K", 1, kScanMaxK);
  const int64_t nw = checked_mul(env, fn, {d.C, K});
  require_length(env, fn, "x", x.length, d.n, btc(d));
  require_length(env, fn, "w", w.length, nw, "C*K");
  require_length(env, fn, "dy", dy.length, d.n, btc(d));
  if (want_dx) {
    require_length(env, fn, "dx", dx.length, d.n, btc(d));
    require_disjoint(env, fn, "dx", dx, "x", x);
    require_disjoint(env, fn, "dx", dx, "w", w);
    require_disjoint(env, fn, "dx", dx, "dy", dy);
  }
  if (want_dw) {
    require_length(env, fn, "dw", dw.length, nw, "C*K");
    require_disjoint(env, fn, "dw", dw, "x", x);
    require_disjoint(env, fn, "dw", dw, "w", w);
    require_disjoint(env, fn, "dw", dw, "dy", dy);
    if (want_dx) require_disjoint(env, fn, "dx", dx, "dw", dw);
  }
  if (!want_dx && !want_dw) return env.Undefined();
  if (d.n == 0) {  // empty input: dw is an empty sum
    for (int64_t i = 0; want_dw && i < nw; ++i) dw.data[i] = 0.0f;
    return env.Undefined();
  }
  switch (active_isa()) {
#if defined(FLASHLM_HAVE_X86)
    case Isa::avx512: avx512::causal_conv1d_backward(x.data, w.data, dy.data, dx.data, dw.data, d.B, d.T, d.C, K); break;
    case Isa::avx2: avx2::causal_conv1d_backward(x.data, w.data, dy.data, dx.data, dw.data, d.B, d.T, d.C, K); break;
#endif
#if defined(FLASHLM_HAVE_NEON)
    case Isa::neon: neon::causal_conv1d_backward(x.data, w.data, dy.data, dx.data, dw.data, d.B, d.T, d.C, K); break;
#endif
    default: causal_conv1d_backward_ref(x.data, w.data, dy.data, dx.data, dw.data, d.B, d.T, d.C, K);
  }
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

// cumsumForward(x, y, B, T, C, mean) and cumsumBackward(dy, dx, B, T, C, mean). in and out may be the
// same array (in place) but must not partly overlap.
template <bool kBackward>
Napi::Value cumsum(const Napi::CallbackInfo& cb) {
  const char* fn = kBackward ? "cumsumBackward" : "cumsumForward";
  const char* in_name = kBackward ? "dy" : "x";
  const char* out_name = kBackward ? "dx" : "y";
  Napi::Env env = cb.Env();
  auto in = array_arg<float>(cb, 0, fn, in_name);
  auto out = array_arg<float>(cb, 1, fn, out_name);
  Dims d = dims_arg(cb, 2, fn);
  const bool mean = bool_arg(cb, 5, fn, "mean");
  require_length(env, fn, in_name, in.length, d.n, btc(d));
  require_length(env, fn, out_name, out.length, d.n, btc(d));
  if (in.data != out.data) require_disjoint(env, fn, in_name, in, out_name, out);
  if (d.n == 0) return env.Undefined();
  auto run = kBackward ? cumsum_backward_ref : cumsum_forward_ref;
  switch (active_isa()) {
#if defined(FLASHLM_HAVE_X86)
    case Isa::avx512: run = kBackward ? avx512::cumsum_backward : avx512::cumsum_forward; break;
    case Isa::avx2: run = kBackward ? avx2::cumsum_backward : avx2::cumsum_forward; break;
#endif
#if defined(FLASHLM_HAVE_NEON)
    case Isa::neon: run = kBackward ? neon::cumsum_backward : neon::cumsum_forward; break;
#endif
    default: break;
  }
  run(in.data, out.data, d.B, d.T, d.C, mean);
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

}  // namespace

void register_scan(Napi::Env env, Napi::Object exports) {
  exports.Set("causalConv1dForward", Napi::Function::New(env, conv_forward, "causalConv1dForward"));
  exports.Set("causalConv1dBackward", Napi::Function::New(env, conv_backward, "causalConv1dBackward"));
  exports.Set("cumsumForward", Napi::Function::New(env, cumsum<false>, "cumsumForward"));
  exports.Set("cumsumBackward", Napi::Function::New(env, cumsum<true>, "cumsumBackward"));
}

}  // namespace flashlm
