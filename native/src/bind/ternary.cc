// Bindings for the ternary family (declared in lib/native/ternary.ts): packing, BL-B158 activation
// quantization, int8 × ternary GEMM / linear, f32 × ternary linear, dequantize, backward input.
// Each validates dtypes, dims, lengths, scales and aliasing before touching memory.
#include <cmath>
#include <string>
#include <vector>

#include "args.h"
#include "bind/registry.h"
#include "kernels/reduce/reduce.h"
#include "kernels/ternary/ternary.h"

namespace flashlm {

namespace {

constexpr int64_t kMaxDim = (INT64_C(1) << 31) - 1;

std::string dims(const char* a, int64_t x, const char* b, int64_t y) {
  return std::string(a) + "=" + std::to_string(x) + ", " + b + "=" + std::to_string(y);
}

void require_args(const Napi::CallbackInfo& info, const char* fn, size_t count, const char* names,
                  size_t optional = 0) {
  if (info.Length() < count || info.Length() > count + optional)
    throw_type_error(info.Env(), std::string(fn) + ": expected " + std::to_string(count) + " arguments (" + names +
                                     "), got " + std::to_string(info.Length()));
}

// Optional trailing method argument of the f32 paths: "auto" (default), "ternary" or "gemm".
int method_arg(const Napi::CallbackInfo& info, size_t index, const char* fn) {
  if (index >= info.Length() || info[index].IsUndefined()) return kF32Auto;
  const std::string m = string_arg(info, index, fn, "method");
  if (m == "auto") return kF32Auto;
  if (m == "ternary") return kF32Aware;
  if (m == "gemm") return kF32Gemm;
  throw_type_error(info.Env(), std::string(fn) + ": method must be 'auto', 'ternary' or 'gemm', got '" + m + "'");
}

// n, k: weight dims (N out, K in). K is bounded so the int32 accumulators cannot overflow.
void weight_dims(const Napi::CallbackInfo& info, size_t in, size_t ik, const char* fn, int64_t* n, int64_t* k) {
  *n = int_arg(info, in, fn, "n", 1, kMaxDim);
  *k = int_arg(info, ik, fn, "k", 1, kTernaryMaxK);
  checked_mul(info.Env(), fn, {*n, *k});
}

ArrayArg<uint8_t> packed_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, int64_t n, int64_t k) {
  ArrayArg<uint8_t> p = array_arg<uint8_t>(info, index, fn, "packed");
  require_length(info.Env(), fn, "packed", p.length, ternary_packed_bytes(n, k),
                 "ternaryPackedBytes(n, k) with " + dims("n", n, "k", k));
  return p;
}

// A weight scale of length 1 (per tensor) or n (per output row), all finite. Returns per-row-ness.
bool wscale_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, int64_t n, ArrayArg<float>* out) {
  *out = array_arg<float>(info, index, fn, "wScale");
  if (out->length != 1 && out->length != n)
    throw_range_error(info.Env(), std::string(fn) + ": wScale must have 1 (per tensor) or n = " + std::to_string(n) +
                                      " (per row) elements, got " + std::to_string(out->length));
  for (int64_t i = 0; i < out->length; ++i)
    if (!std::isfinite(out->data[i]))
      throw_range_error(info.Env(), std::string(fn) + ": wScale[" + std::to_string(i) + "] is not finite");
  return out->length == n && n > 1;
}

Napi::Value packed_bytes(const Napi::CallbackInfo& info) {
  const char* fn = "ternaryPackedBytes";
  require_args(info, fn, 2, "n, k");
  int64_t n, k;
  weight_dims(info, 0, 1, fn, &n, &k);
  return Napi::Number::New(info.Env(), static_cast<double>(ternary_packed_bytes(n, k)));
}

Napi::Value pack(const Napi::CallbackInfo& info) {
  const char* fn = "ternaryPack";
  Napi::Env env = info.Env();
  require_args(info, fn, 4, "codes, n, k, out");
  ArrayArg<int8_t> codes = array_arg<int8_t>(info, 0, fn, "codes");
  int64_t n, k;
  weight_dims(info, 1, 2, fn, &n, &k);
  ArrayArg<uint8_t> out = array_arg<uint8_t>(info, 3, fn, "out");
  require_length(env, fn, "codes", codes.length, n * k, "n·k with " + dims("n", n, "k", k));
  require_length(env, fn, "out", out.length, ternary_packed_bytes(n, k), "ternaryPackedBytes(n, k)");
  require_disjoint(env, fn, "out", out, "codes", codes);
  for (int64_t i = 0; i < n * k; ++i)
    if (codes.data[i] < -1 || codes.data[i] > 1)
      throw_range_error(env, std::string(fn) + ": codes[" + std::to_string(i) + "] must be -1, 0 or 1, got " +
                                 std::to_string(codes.data[i]));
  ternary_pack(codes.data, n, k, out.data);
  return env.Undefined();
}

Napi::Value unpack(const Napi::CallbackInfo& info) {
  const char* fn = "ternaryUnpack";
  Napi::Env env = info.Env();
  require_args(info, fn, 4, "packed, n, k, out");
  int64_t n, k;
  weight_dims(info, 1, 2, fn, &n, &k);
  ArrayArg<uint8_t> packed = packed_arg(info, 0, fn, n, k);
  ArrayArg<int8_t> out = array_arg<int8_t>(info, 3, fn, "out");
  require_length(env, fn, "out", out.length, n * k, "n·k with " + dims("n", n, "k", k));
  require_disjoint(env, fn, "out", out, "packed", packed);
  ternary_unpack(packed.data, n, k, out.data);
  return env.Undefined();
}

Napi::Value quantize_act(const Napi::CallbackInfo& info) {
  const char* fn = "quantizeActivationsI8";
  Napi::Env env = info.Env();
  require_args(info, fn, 6, "x, m, k, eps, q, scale");
  ArrayArg<float> x = array_arg<float>(info, 0, fn, "x");
  const int64_t m = int_arg(info, 1, fn, "m", 0, kMaxDim);
  const int64_t k = int_arg(info, 2, fn, "k", 1, kMaxDim);
  const int64_t mk = checked_mul(env, fn, {m, k});
  const double eps = number_arg(info, 3, fn, "eps");
  if (!(eps > 0) || !std::isfinite(static_cast<float>(eps)) || static_cast<float>(eps) <= 0.0f)
    throw_range_error(env, std::string(fn) + ": eps must be a positive float32, got " + std::to_string(eps));
  ArrayArg<int8_t> q = array_arg<int8_t>(info, 4, fn, "q");
  ArrayArg<float> scale = array_arg<float>(info, 5, fn, "scale");
  require_length(env, fn, "x", x.length, mk, "m·k with " + dims("m", m, "k", k));
  require_length(env, fn, "q", q.length, mk, "m·k");
  require_length(env, fn, "scale", scale.length, m, "m");
  require_disjoint(env, fn, "q", q, "x", x);
  require_disjoint(env, fn, "scale", scale, "x", x);
  require_disjoint(env, fn, "scale", scale, "q", q);
  if (const int64_t i = first_non_finite(x.data, mk); i >= 0)
    throw_range_error(env, std::string(fn) + ": x[" + std::to_string(i) + "] is not finite (" +
                               std::to_string(x.data[i]) + ")");
  quantize_activations_i8(x.data, m, k, static_cast<float>(eps), q.data, scale.data);
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

Napi::Value i8_matmul(const Napi::CallbackInfo& info) {
  const char* fn = "i8TernaryMatmul";
  Napi::Env env = info.Env();
  require_args(info, fn, 6, "x, m, packed, n, k, out");
  ArrayArg<int8_t> x = array_arg<int8_t>(info, 0, fn, "x");
  const int64_t m = int_arg(info, 1, fn, "m", 0, kMaxDim);
  int64_t n, k;
  weight_dims(info, 3, 4, fn, &n, &k);
  ArrayArg<uint8_t> packed = packed_arg(info, 2, fn, n, k);
  ArrayArg<int32_t> out = array_arg<int32_t>(info, 5, fn, "out");
  require_length(env, fn, "x", x.length, checked_mul(env, fn, {m, k}), "m·k with " + dims("m", m, "k", k));
  require_length(env, fn, "out", out.length, checked_mul(env, fn, {m, n}), "m·n with " + dims("m", m, "n", n));
  require_disjoint(env, fn, "out", out, "x", x);
  require_disjoint(env, fn, "out", out, "packed", packed);
  I8TernaryArgs a{x.data, m, k, packed.data, n, nullptr, out.data, nullptr, nullptr, nullptr, false};
  i8_ternary_gemm(a);
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

Napi::Value i8_linear(const Napi::CallbackInfo& info) {
  const char* fn = "i8TernaryLinear";
  Napi::Env env = info.Env();
  require_args(info, fn, 9, "x, xScale, m, packed, n, k, wScale, alpha, out");
  ArrayArg<int8_t> x = array_arg<int8_t>(info, 0, fn, "x");
  ArrayArg<float> xs = array_arg<float>(info, 1, fn, "xScale");
  const int64_t m = int_arg(info, 2, fn, "m", 0, kMaxDim);
  int64_t n, k;
  weight_dims(info, 4, 5, fn, &n, &k);
  ArrayArg<uint8_t> packed = packed_arg(info, 3, fn, n, k);
  ArrayArg<float> ws;
  const bool per_row = wscale_arg(info, 6, fn, n, &ws);
  const double alpha = number_arg(info, 7, fn, "alpha");
  ArrayArg<float> out = array_arg<float>(info, 8, fn, "out");
  require_length(env, fn, "x", x.length, checked_mul(env, fn, {m, k}), "m·k with " + dims("m", m, "k", k));
  require_length(env, fn, "xScale", xs.length, m, "m");
  require_length(env, fn, "out", out.length, checked_mul(env, fn, {m, n}), "m·n with " + dims("m", m, "n", n));
  for (int64_t i = 0; i < m; ++i)
    if (!std::isfinite(xs.data[i]))
      throw_range_error(env, std::string(fn) + ": xScale[" + std::to_string(i) + "] is not finite");
  require_disjoint(env, fn, "out", out, "x", x);
  require_disjoint(env, fn, "out", out, "xScale", xs);
  require_disjoint(env, fn, "out", out, "packed", packed);
  require_disjoint(env, fn, "out", out, "wScale", ws);
  // colscale = wScale·α, formed once here (n floats) so every ISA multiplies the same numbers.
  // Reused across calls (capacity only grows), so a training step does not allocate here.
  static thread_local std::vector<float> colscale;
  colscale.resize(static_cast<size_t>(per_row ? n : 1));
  for (size_t j = 0; j < colscale.size(); ++j) colscale[j] = ws.data[j] * static_cast<float>(alpha);
  I8TernaryArgs a{x.data, m, k, packed.data, n, nullptr, nullptr, out.data, xs.data, colscale.data(), per_row};
  i8_ternary_gemm(a);
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

Napi::Value f32_linear(const Napi::CallbackInfo& info) {
  const char* fn = "f32TernaryLinear";
  Napi::Env env = info.Env();
  require_args(info, fn, 7, "x, m, packed, n, k, wScale, out[, method]", 1);
  ArrayArg<float> x = array_arg<float>(info, 0, fn, "x");
  const int64_t m = int_arg(info, 1, fn, "m", 0, kMaxDim);
  int64_t n, k;
  weight_dims(info, 3, 4, fn, &n, &k);
  ArrayArg<uint8_t> packed = packed_arg(info, 2, fn, n, k);
  ArrayArg<float> ws;
  const bool per_row = wscale_arg(info, 5, fn, n, &ws);
  ArrayArg<float> out = array_arg<float>(info, 6, fn, "out");
  require_length(env, fn, "x", x.length, checked_mul(env, fn, {m, k}), "m·k with " + dims("m", m, "k", k));
  require_length(env, fn, "out", out.length, checked_mul(env, fn, {m, n}), "m·n with " + dims("m", m, "n", n));
  require_disjoint(env, fn, "out", out, "x", x);
  require_disjoint(env, fn, "out", out, "packed", packed);
  require_disjoint(env, fn, "out", out, "wScale", ws);
  const int method = method_arg(info, 7, fn);
  f32_ternary_linear(x.data, m, packed.data, n, k, ws.data, per_row, out.data, method);
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

Napi::Value dequantize(const Napi::CallbackInfo& info) {
  const char* fn = "ternaryDequantize";
  Napi::Env env = info.Env();
  require_args(info, fn, 5, "packed, n, k, wScale, out");
  int64_t n, k;
  weight_dims(info, 1, 2, fn, &n, &k);
  ArrayArg<uint8_t> packed = packed_arg(info, 0, fn, n, k);
  ArrayArg<float> ws;
  const bool per_row = wscale_arg(info, 3, fn, n, &ws);
  ArrayArg<float> out = array_arg<float>(info, 4, fn, "out");
  require_length(env, fn, "out", out.length, n * k, "n·k with " + dims("n", n, "k", k));
  require_disjoint(env, fn, "out", out, "packed", packed);
  require_disjoint(env, fn, "out", out, "wScale", ws);
  ternary_dequantize(packed.data, n, k, ws.data, per_row, 1.0f, out.data);
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

Napi::Value backward_input(const Napi::CallbackInfo& info) {
  const char* fn = "ternaryLinearBackwardInput";
  Napi::Env env = info.Env();
  require_args(info, fn, 8, "gradOut, m, packed, n, k, wScale, alpha, out[, method]", 1);
  ArrayArg<float> g = array_arg<float>(info, 0, fn, "gradOut");
  const int64_t m = int_arg(info, 1, fn, "m", 0, kMaxDim);
  int64_t n, k;
  weight_dims(info, 3, 4, fn, &n, &k);
  ArrayArg<uint8_t> packed = packed_arg(info, 2, fn, n, k);
  ArrayArg<float> ws;
  const bool per_row = wscale_arg(info, 5, fn, n, &ws);
  const double alpha = number_arg(info, 6, fn, "alpha");
  ArrayArg<float> out = array_arg<float>(info, 7, fn, "out");
  require_length(env, fn, "gradOut", g.length, checked_mul(env, fn, {m, n}), "m·n with " + dims("m", m, "n", n));
  require_length(env, fn, "out", out.length, checked_mul(env, fn, {m, k}), "m·k with " + dims("m", m, "k", k));
  require_disjoint(env, fn, "out", out, "gradOut", g);
  require_disjoint(env, fn, "out", out, "packed", packed);
  require_disjoint(env, fn, "out", out, "wScale", ws);
  const int method = method_arg(info, 8, fn);
  ternary_linear_backward_input(g.data, m, packed.data, n, k, ws.data, per_row, static_cast<float>(alpha), out.data,
                                method);
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

}  // namespace

void register_ternary(Napi::Env env, Napi::Object exports) {
  exports.Set("ternaryPackedBytes", Napi::Function::New(env, packed_bytes, "ternaryPackedBytes"));
  exports.Set("ternaryPack", Napi::Function::New(env, pack, "ternaryPack"));
  exports.Set("ternaryUnpack", Napi::Function::New(env, unpack, "ternaryUnpack"));
  exports.Set("quantizeActivationsI8", Napi::Function::New(env, quantize_act, "quantizeActivationsI8"));
  exports.Set("i8TernaryMatmul", Napi::Function::New(env, i8_matmul, "i8TernaryMatmul"));
  exports.Set("i8TernaryLinear", Napi::Function::New(env, i8_linear, "i8TernaryLinear"));
  exports.Set("f32TernaryLinear", Napi::Function::New(env, f32_linear, "f32TernaryLinear"));
  exports.Set("ternaryDequantize", Napi::Function::New(env, dequantize, "ternaryDequantize"));
  exports.Set("ternaryLinearBackwardInput", Napi::Function::New(env, backward_input, "ternaryLinearBackwardInput"));
}

}  // namespace flashlm
