// Bindings for the quant family (kernels/quant/quant.h): the O(N) passes of the ternary weight
// quantizers and BitLinear's small backward passes. Shapes and lengths are checked before any
// memory is touched; outputs must not share memory with inputs.
#include <string>
#include <vector>

#include "args.h"
#include "bind/registry.h"
#include "kernels/quant/quant.h"

namespace flashlm {

namespace {

std::string nk(int64_t n, int64_t k) { return "n*k = " + std::to_string(n) + "*" + std::to_string(k); }

bool is_nullish(const Napi::CallbackInfo& cb, size_t i) {
  return i >= cb.Length() || cb[i].IsNull() || cb[i].IsUndefined();
}

// quantRowAbsSums(w, n, k, out Float64Array[n])
Napi::Value row_abs_sums(const Napi::CallbackInfo& cb) {
  const char* fn = "quantRowAbsSums";
  Napi::Env env = cb.Env();
  auto w = array_arg<float>(cb, 0, fn, "w");
  const int64_t n = int_arg(cb, 1, fn, "n", 1), k = int_arg(cb, 2, fn, "k", 1);
  auto out = array_arg<double>(cb, 3, fn, "out");
  require_length(env, fn, "w", w.length, checked_mul(env, fn, {n, k}), nk(n, k));
  require_length(env, fn, "out", out.length, n, "n");
  require_disjoint(env, fn, "w", w, "out", out);
  ref::quant_row_abs_sums(w.data, n, k, out.data);
  return env.Undefined();
}

// quantAbsmeanCodes(w, n, k, div, scale, perRow, codes Int8Array[n*k], deq Float32Array[n*k] | null)
Napi::Value absmean_codes(const Napi::CallbackInfo& cb) {
  const char* fn = "quantAbsmeanCodes";
  Napi::Env env = cb.Env();
  auto w = array_arg<float>(cb, 0, fn, "w");
  const int64_t n = int_arg(cb, 1, fn, "n", 1), k = int_arg(cb, 2, fn, "k", 1);
  auto div = array_arg<float>(cb, 3, fn, "div");
  auto scale = array_arg<float>(cb, 4, fn, "scale");
  const bool per_row = bool_arg(cb, 5, fn, "perRow");
  auto codes = array_arg<int8_t>(cb, 6, fn, "codes");
  const int64_t len = checked_mul(env, fn, {n, k});
  require_length(env, fn, "w", w.length, len, nk(n, k));
  require_length(env, fn, "div", div.length, per_row ? n : 1, per_row ? "n (perRow)" : "1");
  require_length(env, fn, "scale", scale.length, per_row ? n : 1, per_row ? "n (perRow)" : "1");
  require_length(env, fn, "codes", codes.length, len, nk(n, k));
  require_disjoint(env, fn, "w", w, "codes", codes);
  float* deq = nullptr;
  if (!is_nullish(cb, 7)) {
    auto d = array_arg<float>(cb, 7, fn, "deq");
    require_length(env, fn, "deq", d.length, len, nk(n, k));
    require_disjoint(env, fn, "w", w, "deq", d);
    require_disjoint(env, fn, "codes", codes, "deq", d);
    deq = d.data;
  }
  ref::quant_absmean_codes(w.data, n, k, div.data, scale.data, per_row, codes.data, deq);
  return env.Undefined();
}

// quantThresholdCodes(w, t, codes Int8Array[len], deq Float32Array[len] | null)
Napi::Value threshold_codes(const Napi::CallbackInfo& cb) {
  const char* fn = "quantThresholdCodes";
  Napi::Env env = cb.Env();
  auto w = array_arg<float>(cb, 0, fn, "w");
  const float t = static_cast<float>(number_arg(cb, 1, fn, "t"));
  auto codes = array_arg<int8_t>(cb, 2, fn, "codes");
  require_length(env, fn, "codes", codes.length, w.length, "w.length");
  require_disjoint(env, fn, "w", w, "codes", codes);
  float* deq = nullptr;
  if (!is_nullish(cb, 3)) {
    auto d = array_arg<float>(cb, 3, fn, "deq");
    require_length(env, fn, "deq", d.length, w.length, "w.length");
    require_disjoint(env, fn, "w", w, "deq", d);
    require_disjoint(env, fn, "codes", codes, "deq", d);
    deq = d.data;
  }
  ref::quant_threshold_codes(w.data, w.length, t, codes.data, deq);
  return env.Undefined();
}

// quantLowerMedianAbs(w) -> number
Napi::Value lower_median_abs(const Napi::CallbackInfo& cb) {
  const char* fn = "quantLowerMedianAbs";
  Napi::Env env = cb.Env();
  auto w = array_arg<float>(cb, 0, fn, "w");
  if (w.length == 0) throw_range_error(env, std::string(fn) + ": w must not be empty");
  std::vector<float> scratch(static_cast<size_t>(w.length));
  return Napi::Number::New(env, ref::quant_lower_median_abs(w.data, w.length, scratch.data()));
}

// quantTernaryActivations(x, m, k, codes Int8Array[m*k], rowSums Float64Array[m])
Napi::Value ternary_activations(const Napi::CallbackInfo& cb) {
  const char* fn = "quantTernaryActivations";
  Napi::Env env = cb.Env();
  auto x = array_arg<float>(cb, 0, fn, "x");
  const int64_t m = int_arg(cb, 1, fn, "m"), k = int_arg(cb, 2, fn, "k", 1);
  auto codes = array_arg<int8_t>(cb, 3, fn, "codes");
  auto sums = array_arg<double>(cb, 4, fn, "rowSums");
  const int64_t len = checked_mul(env, fn, {m, k});
  require_length(env, fn, "x", x.length, len, "m*k");
  require_length(env, fn, "codes", codes.length, len, "m*k");
  require_length(env, fn, "rowSums", sums.length, m, "m");
  require_disjoint(env, fn, "x", x, "codes", codes);
  require_disjoint(env, fn, "x", x, "rowSums", sums);
  require_disjoint(env, fn, "codes", codes, "rowSums", sums);
  ref::quant_ternary_activations(x.data, m, k, codes.data, sums.data);
  return env.Undefined();
}

// quantDequantizeRowsI8(q Int8Array[m*k], scale Float32Array[m], m, k, out Float32Array[m*k])
Napi::Value dequantize_rows_i8(const Napi::CallbackInfo& cb) {
  const char* fn = "quantDequantizeRowsI8";
  Napi::Env env = cb.Env();
  auto q = array_arg<int8_t>(cb, 0, fn, "q");
  auto scale = array_arg<float>(cb, 1, fn, "scale");
  const int64_t m = int_arg(cb, 2, fn, "m"), k = int_arg(cb, 3, fn, "k", 1);
  auto out = array_arg<float>(cb, 4, fn, "out");
  const int64_t len = checked_mul(env, fn, {m, k});
  require_length(env, fn, "q", q.length, len, "m*k");
  require_length(env, fn, "scale", scale.length, m, "m");
  require_length(env, fn, "out", out.length, len, "m*k");
  require_disjoint(env, fn, "q", q, "out", out);
  require_disjoint(env, fn, "scale", scale, "out", out);
  ref::quant_dequantize_rows_i8(q.data, scale.data, m, k, out.data);
  return env.Undefined();
}

// quantSteClip(grad, w, clip): grad = 0 where !(|w| < clip), in place.
Napi::Value ste_clip(const Napi::CallbackInfo& cb) {
  const char* fn = "quantSteClip";
  Napi::Env env = cb.Env();
  auto grad = array_arg<float>(cb, 0, fn, "grad");
  auto w = array_arg<float>(cb, 1, fn, "w");
  const float clip = static_cast<float>(number_arg(cb, 2, fn, "clip"));
  require_length(env, fn, "w", w.length, grad.length, "grad.length");
  require_disjoint(env, fn, "grad", grad, "w", w);
  ref::quant_ste_clip(grad.data, w.data, grad.length, clip);
  return env.Undefined();
}

// quantDot(a, b) -> Σ a·b in float64 (b at least as long as a).
Napi::Value dot(const Napi::CallbackInfo& cb) {
  const char* fn = "quantDot";
  Napi::Env env = cb.Env();
  auto a = array_arg<float>(cb, 0, fn, "a");
  auto b = array_arg<float>(cb, 1, fn, "b");
  require_length(env, fn, "b", b.length, a.length, "a.length");
  return Napi::Number::New(env, ref::quant_dot(a.data, b.data, a.length));
}

}  // namespace

void register_quant(Napi::Env env, Napi::Object exports) {
  exports.Set("quantRowAbsSums", Napi::Function::New(env, row_abs_sums, "quantRowAbsSums"));
  exports.Set("quantAbsmeanCodes", Napi::Function::New(env, absmean_codes, "quantAbsmeanCodes"));
  exports.Set("quantThresholdCodes", Napi::Function::New(env, threshold_codes, "quantThresholdCodes"));
  exports.Set("quantLowerMedianAbs", Napi::Function::New(env, lower_median_abs, "quantLowerMedianAbs"));
  exports.Set("quantTernaryActivations", Napi::Function::New(env, ternary_activations, "quantTernaryActivations"));
  exports.Set("quantDequantizeRowsI8", Napi::Function::New(env, dequantize_rows_i8, "quantDequantizeRowsI8"));
  exports.Set("quantSteClip", Napi::Function::New(env, ste_clip, "quantSteClip"));
  exports.Set("quantDot", Napi::Function::New(env, dot, "quantDot"));
}

}  // namespace flashlm
