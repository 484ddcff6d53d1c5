// Bindings for the norm family (kernels/norm): RMSNorm and LayerNorm forward/backward over the last
// axis. Validate dtypes, lengths and aliasing first, then dispatch on active_isa(); rows are split
// across threads, and dweight/dbias are reduced over fixed row blocks (thread-count independent).
#include <string>

#include "args.h"
#include "bind/registry.h"
#include "dispatch.h"
#include "kernels/norm/norm.h"
#include "kernels/softmax/bind_util.h"
#include "kernels/softmax/row_driver.h"

namespace flashlm {

namespace {

struct NormKernels {
  decltype(&rmsnorm_forward_ref) rmsnorm_forward;
  decltype(&rmsnorm_backward_ref) rmsnorm_backward;
  decltype(&layernorm_forward_ref) layernorm_forward;
  decltype(&layernorm_backward_ref) layernorm_backward;
};

const NormKernels& kernels() {
  static const NormKernels ref = {rmsnorm_forward_ref, rmsnorm_backward_ref, layernorm_forward_ref,
                                  layernorm_backward_ref};
#if defined(FLASHLM_HAVE_X86)
  static const NormKernels k_avx2 = {avx2::rmsnorm_forward, avx2::rmsnorm_backward, avx2::layernorm_forward,
                                     avx2::layernorm_backward};
  static const NormKernels k_avx512 = {avx512::rmsnorm_forward, avx512::rmsnorm_backward,
                                       avx512::layernorm_forward, avx512::layernorm_backward};
  if (active_isa() == Isa::avx512) return k_avx512;
  if (active_isa() == Isa::avx2) return k_avx2;
#endif
#if defined(FLASHLM_HAVE_NEON)
  static const NormKernels k_neon = {neon::rmsnorm_forward, neon::rmsnorm_backward, neon::layernorm_forward,
                                     neon::layernorm_backward};
  if (active_isa() == Isa::neon) return k_neon;
#endif
  return ref;
}

using famargs::optional_f32;
using famargs::rc_note;

float eps_arg(const Napi::CallbackInfo& info, size_t index, const char* fn) {
  double eps = number_arg(info, index, fn, "eps");
  if (eps < 0) throw_range_error(info.Env(), std::string(fn) + ": eps must be >= 0, got " + std::to_string(eps));
  return static_cast<float>(eps);
}

// Checks a (C) vector argument when present.
void check_vec(Napi::Env env, const char* fn, const char* name, const ArrayArg<float>& a, int64_t C) {
  if (a.data || a.length > 0) require_length(env, fn, name, a.length, C, "C");
}

// (x, weight, y, rstd, R, C, eps): y = x / sqrt(mean(x^2) + eps) * weight; rstd (R) saved.
Napi::Value rms_forward(const Napi::CallbackInfo& info) {
  const char* fn = "rmsNormForward";
  Napi::Env env = info.Env();
  auto x = array_arg<float>(info, 0, fn, "x");
  auto g = array_arg<float>(info, 1, fn, "weight");
  auto y = array_arg<float>(info, 2, fn, "y");
  auto rstd = array_arg<float>(info, 3, fn, "rstd");
  int64_t R = int_arg(info, 4, fn, "R"), C = int_arg(info, 5, fn, "C", 1);
  float eps = eps_arg(info, 6, fn);
  int64_t n = checked_mul(env, fn, {R, C});
  require_length(env, fn, "x", x.length, n, rc_note("R", R, "C", C));
  require_length(env, fn, "weight", g.length, C, "C");
  require_length(env, fn, "y", y.length, n, rc_note("R", R, "C", C));
  require_length(env, fn, "rstd", rstd.length, R, "R");
  famargs::require_same_or_disjoint(env, fn, "x", x, "y", y, n);
  require_disjoint(env, fn, "weight", g, "y", y);
  require_disjoint(env, fn, "rstd", rstd, "y", y);
  require_disjoint(env, fn, "rstd", rstd, "x", x);
  require_disjoint(env, fn, "rstd", rstd, "weight", g);
  auto k = kernels().rmsnorm_forward;
  rows::for_rows(R, C, [&](int64_t r0, int64_t r1) {
    k(x.data + r0 * C, g.data, y.data + r0 * C, rstd.data + r0, r1 - r0, C, eps);
  });
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

// (x, weight, rstd, dy, dx, dweight | null, R, C): dx, and dweight (overwritten) when given.
Napi::Value rms_backward(const Napi::CallbackInfo& info) {
  const char* fn = "rmsNormBackward";
  Napi::Env env = info.Env();
  auto x = array_arg<float>(info, 0, fn, "x");
  auto g = array_arg<float>(info, 1, fn, "weight");
  auto rstd = array_arg<float>(info, 2, fn, "rstd");
  auto dy = array_arg<float>(info, 3, fn, "dy");
  auto dx = array_arg<float>(info, 4, fn, "dx");
  auto dg = optional_f32(info, 5, fn, "dweight");
  int64_t R = int_arg(info, 6, fn, "R"), C = int_arg(info, 7, fn, "C", 1);
  int64_t n = checked_mul(env, fn, {R, C});
  const std::string note = rc_note("R", R, "C", C);
  require_length(env, fn, "x", x.length, n, note);
  require_length(env, fn, "weight", g.length, C, "C");
  require_length(env, fn, "rstd", rstd.length, R, "R");
  require_length(env, fn, "dy", dy.length, n, note);
  require_length(env, fn, "dx", dx.length, n, note);
  check_vec(env, fn, "dweight", dg, C);
  for (const auto* in : {&x, &g, &rstd, &dy}) {
    require_disjoint(env, fn, "dx", dx, "an input (x, weight, rstd, dy)", *in);
    if (dg.data) require_disjoint(env, fn, "dweight", dg, "an input (x, weight, rstd, dy)", *in);
  }
  if (dg.data) require_disjoint(env, fn, "dx", dx, "dweight", dg);
  auto k = kernels().rmsnorm_backward;
  auto run = [&](int64_t r0, int64_t r1, float* pg, float*) {
    k(x.data + r0 * C, g.data, rstd.data + r0, dy.data + r0 * C, dx.data + r0 * C, pg, r1 - r0, C);
  };
  if (dg.data) rows::for_row_blocks_reduce(R, C, dg.data, nullptr, run);
  else rows::for_rows(R, C, [&](int64_t r0, int64_t r1) { run(r0, r1, nullptr, nullptr); });
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

// (x, weight | null, bias | null, y, mean, rstd, R, C, eps): PyTorch LayerNorm (biased variance).
Napi::Value ln_forward(const Napi::CallbackInfo& info) {
  const char* fn = "layerNormForward";
  Napi::Env env = info.Env();
  auto x = array_arg<float>(info, 0, fn, "x");
  auto w = optional_f32(info, 1, fn, "weight");
  auto b = optional_f32(info, 2, fn, "bias");
  auto y = array_arg<float>(info, 3, fn, "y");
  auto mean = array_arg<float>(info, 4, fn, "mean");
  auto rstd = array_arg<float>(info, 5, fn, "rstd");
  int64_t R = int_arg(info, 6, fn, "R"), C = int_arg(info, 7, fn, "C", 1);
  float eps = eps_arg(info, 8, fn);
  int64_t n = checked_mul(env, fn, {R, C});
  require_length(env, fn, "x", x.length, n, rc_note("R", R, "C", C));
  check_vec(env, fn, "weight", w, C);
  check_vec(env, fn, "bias", b, C);
  require_length(env, fn, "y", y.length, n, rc_note("R", R, "C", C));
  require_length(env, fn, "mean", mean.length, R, "R");
  require_length(env, fn, "rstd", rstd.length, R, "R");
  famargs::require_same_or_disjoint(env, fn, "x", x, "y", y, n);
  for (const auto* out : {&y, &mean, &rstd}) {
    require_disjoint(env, fn, "weight", w, "an output (y, mean, rstd)", *out);
    require_disjoint(env, fn, "bias", b, "an output (y, mean, rstd)", *out);
  }
  require_disjoint(env, fn, "mean", mean, "rstd", rstd);
  require_disjoint(env, fn, "x", x, "mean", mean);
  require_disjoint(env, fn, "x", x, "rstd", rstd);
  require_disjoint(env, fn, "y", y, "mean", mean);
  require_disjoint(env, fn, "y", y, "rstd", rstd);
  auto k = kernels().layernorm_forward;
  rows::for_rows(R, C, [&](int64_t r0, int64_t r1) {
    k(x.data + r0 * C, w.data, b.data, y.data + r0 * C, mean.data + r0, rstd.data + r0, r1 - r0, C, eps);
  });
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

// (x, weight | null, mean, rstd, dy, dx, dweight | null, dbias | null, R, C): dweight/dbias overwritten.
Napi::Value ln_backward(const Napi::CallbackInfo& info) {
  const char* fn = "layerNormBackward";
  Napi::Env env = info.Env();
  auto x = array_arg<float>(info, 0, fn, "x");
  auto w = optional_f32(info, 1, fn, "weight");
  auto mean = array_arg<float>(info, 2, fn, "mean");
  auto rstd = array_arg<float>(info, 3, fn, "rstd");
  auto dy = array_arg<float>(info, 4, fn, "dy");
  auto dx = array_arg<float>(info, 5, fn, "dx");
  auto dw = optional_f32(info, 6, fn, "dweight");
  auto db = optional_f32(info, 7, fn, "dbias");
  int64_t R = int_arg(info, 8, fn, "R"), C = int_arg(info, 9, fn, "C", 1);
  int64_t n = checked_mul(env, fn, {R, C});
  const std::string note = rc_note("R", R, "C", C);
  require_length(env, fn, "x", x.length, n, note);
  check_vec(env, fn, "weight", w, C);
  require_length(env, fn, "mean", mean.length, R, "R");
  require_length(env, fn, "rstd", rstd.length, R, "R");
  require_length(env, fn, "dy", dy.length, n, note);
  require_length(env, fn, "dx", dx.length, n, note);
  check_vec(env, fn, "dweight", dw, C);
  check_vec(env, fn, "dbias", db, C);
  for (const auto* in : {&x, &w, &mean, &rstd, &dy}) {
    require_disjoint(env, fn, "dx", dx, "an input (x, weight, mean, rstd, dy)", *in);
    require_disjoint(env, fn, "dweight", dw, "an input (x, weight, mean, rstd, dy)", *in);
    require_disjoint(env, fn, "dbias", db, "an input (x, weight, mean, rstd, dy)", *in);
  }
  require_disjoint(env, fn, "dx", dx, "dweight", dw);
  require_disjoint(env, fn, "dx", dx, "dbias", db);
  require_disjoint(env, fn, "dweight", dw, "dbias", db);
  auto k = kernels().layernorm_backward;
  auto run = [&](int64_t r0, int64_t r1, float* pw, float* pb) {
    k(x.data + r0 * C, w.data, mean.data + r0, rstd.data + r0, dy.data + r0 * C, dx.data + r0 * C, pw, pb, r1 - r0, C);
  };
  if (dw.data || db.data) rows::for_row_blocks_reduce(R, C, dw.data, db.data, run);
  else rows::for_rows(R, C, [&](int64_t r0, int64_t r1) { run(r0, r1, nullptr, nullptr); });
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

}  // namespace

void register_norm(Napi::Env env, Napi::Object exports) {
  exports.Set("rmsNormForward", Napi::Function::New(env, rms_forward, "rmsNormForward"));
  exports.Set("rmsNormBackward", Napi::Function::New(env, rms_backward, "rmsNormBackward"));
  exports.Set("layerNormForward", Napi::Function::New(env, ln_forward, "layerNormForward"));
  exports.Set("layerNormBackward", Napi::Function::New(env, ln_backward, "layerNormBackward"));
}

}  // namespace flashlm
