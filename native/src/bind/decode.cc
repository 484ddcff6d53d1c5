// Binding for the fused decode block (kernels/decode/block.h), declared in lib/native/decode.ts:
//   decodeBlock(x, attnNorm, mlpNorm, packed[7], wScale[7], alpha[7], kCache, vCache, cos, sin,
//               B, t, heads, hidden, start, capacity, normEps, actEps, scale)
// with the projections in the order q, k, v, o, gate, up, down. Everything is checked before any
// memory is touched, as every other binding does.
#include <cmath>
#include <string>
#include <vector>

#include "args.h"
#include "bind/decode_args.h"
#include "bind/registry.h"
#include "kernels/attention/attention.h"
#include "kernels/decode/block.h"
#include "kernels/ternary/ternary.h"

namespace flashlm {

namespace {

constexpr const char* kNames[7] = {"q", "k", "v", "o", "gate", "up", "down"};

}  // namespace

void check_block_dims(Napi::Env env, const char* fn, DecodeBlockArgs& a, double norm_eps, double act_eps, double scale) {
  if (a.dim < 1) throw_range_error(env, std::string(fn) + ": attnNorm must hold dim >= 1 weights, got 0");
  if (a.dim % a.heads != 0 || (a.dim / a.heads) % 2 != 0)
    throw_range_error(env, std::string(fn) + ": heads (" + std::to_string(a.heads) + ") must divide dim (" +
                               std::to_string(a.dim) + ") into an even head dim");
  if (a.hidden >= kTernaryMaxK || a.dim >= kTernaryMaxK)
    throw_range_error(env, std::string(fn) + ": dim and hidden must be below 2^22");
  if (!(norm_eps >= 0)) throw_range_error(env, std::string(fn) + ": normEps must be >= 0, got " + std::to_string(norm_eps));
  if (!(static_cast<float>(act_eps) > 0))
    throw_range_error(env, std::string(fn) + ": actEps must be > 0, got " + std::to_string(act_eps));
  a.norm_eps = static_cast<float>(norm_eps);
  a.act_eps = static_cast<float>(act_eps);
  a.scale = static_cast<float>(scale);
}

void bind_projections(Napi::Env env, const char* fn, const Napi::Value& packed_v, const Napi::Value& wscale_v,
                      uint32_t first, uint32_t total, const float* alpha, DecodeBlockArgs& a, BlockInputs& in) {
  const auto of_what = [&] { return " (" + std::to_string(total) + (total == 7 ? ": q, k, v, o, gate, up, down)" : ": q, k, v, o, gate, up, down per block)"); };
  for (const Napi::Value* v : {&packed_v, &wscale_v})
    if (!v->IsArray() || v->As<Napi::Array>().Length() != total)
      throw_type_error(env, std::string(fn) + ": " + (v == &packed_v ? "packed" : "wScale") + " must be an array of " +
                                std::to_string(total) + of_what() + ", got " + describe_value(*v));
  Napi::Array packed = packed_v.As<Napi::Array>(), wscale = wscale_v.As<Napi::Array>();
  DecodeProjection* proj[7] = {&a.q, &a.k, &a.v, &a.o, &a.gate, &a.up, &a.down};
  for (uint32_t i = 0; i < 7; ++i) {
    const uint32_t at = first + i;
    const auto label = [&](const char* what) {
      return std::string(fn) + ": " + what + "[" + std::to_string(at) + "] (" + kNames[i] + ")";
    };
    const int64_t n = i >= 4 && i < 6 ? a.hidden : a.dim, k = i == 6 ? a.hidden : a.dim;
    auto p = typed_array_value_lazy<uint8_t>(env, packed.Get(at), [&] { return label("packed"); });
    auto s = typed_array_value_lazy<float>(env, wscale.Get(at), [&] { return label("wScale"); });
    if (p.length != ternary_packed_bytes(n, k))
      throw_range_error(env, label("packed") + " must hold ternaryPackedBytes(" + std::to_string(n) + ", " +
                                 std::to_string(k) + ") = " + std::to_string(ternary_packed_bytes(n, k)) +
                                 " bytes, got " + std::to_string(p.length));
    if (s.length != 1 && s.length != n)
      throw_range_error(env, label("wScale") + " must have 1 or " + std::to_string(n) + " elements, got " +
                                 std::to_string(s.length));
    for (int64_t j = 0; j < s.length; ++j)
      if (!std::isfinite(s.data[j])) throw_range_error(env, label("wScale") + "[" + std::to_string(j) + "] is not finite");
    if (!std::isfinite(alpha[at]))
      throw_range_error(env, std::string(fn) + ": alpha[" + std::to_string(at) + "] (" + kNames[i] + ") is not finite");
    *proj[i] = DecodeProjection{p.data, s.data, s.length != 1, alpha[at], n, k};
    in.packed.push_back(p);
    in.scales.push_back(s);
  }
}

void require_block_disjoint(Napi::Env env, const char* fn, const ArrayArg<float>& x, const ArrayArg<float>& kc,
                            const ArrayArg<float>& vc, const BlockInputs& in,
                            std::initializer_list<const ArrayArg<float>*> reads) {
  for (const auto& p : in.packed) {
    require_disjoint(env, fn, "x", x, "packed", p);
    require_disjoint(env, fn, "kCache", kc, "packed", p);
    require_disjoint(env, fn, "vCache", vc, "packed", p);
  }
  for (const auto& s : in.scales) {
    require_disjoint(env, fn, "x", x, "wScale", s);
    require_disjoint(env, fn, "kCache", kc, "wScale", s);
    require_disjoint(env, fn, "vCache", vc, "wScale", s);
  }
  for (const auto* r : reads) {
    require_disjoint(env, fn, "x", x, "a weight or table argument", *r);
    require_disjoint(env, fn, "kCache", kc, "a weight or table argument", *r);
    require_disjoint(env, fn, "vCache", vc, "a weight or table argument", *r);
  }
  require_disjoint(env, fn, "x", x, "kCache", kc);
  require_disjoint(env, fn, "x", x, "vCache", vc);
  require_disjoint(env, fn, "kCache", kc, "vCache", vc);
}

namespace {

Napi::Value decode_block_fn(const Napi::CallbackInfo& info) {
  const char* fn = "decodeBlock";
  Napi::Env env = info.Env();
  if (info.Length() != 19)
    throw_type_error(env, std::string(fn) + ": expected 19 arguments (x, attnNorm, mlpNorm, packed, wScale, alpha, "
                                            "kCache, vCache, cos, sin, B, t, heads, hidden, start, capacity, normEps, "
                                            "actEps, scale), got " + std::to_string(info.Length()));
  auto x = array_arg<float>(info, 0, fn, "x");
  auto an = array_arg<float>(info, 1, fn, "attnNorm");
  auto mn = array_arg<float>(info, 2, fn, "mlpNorm");
  auto alpha = array_arg<float>(info, 5, fn, "alpha");
  auto kc = array_arg<float>(info, 6, fn, "kCache");
  auto vc = array_arg<float>(info, 7, fn, "vCache");
  auto cs = array_arg<float>(info, 8, fn, "cos");
  auto sn = array_arg<float>(info, 9, fn, "sin");
  DecodeBlockArgs a{};
  a.B = int_arg(info, 10, fn, "B", 1, INT32_MAX);
  a.t = int_arg(info, 11, fn, "t", 1, INT32_MAX);
  a.heads = int_arg(info, 12, fn, "heads", 1, INT32_MAX);
  a.hidden = int_arg(info, 13, fn, "hidden", 1, INT32_MAX);
  a.start = int_arg(info, 14, fn, "start", 0, INT32_MAX);
  a.capacity = int_arg(info, 15, fn, "capacity", 1, INT32_MAX);
  const double norm_eps = number_arg(info, 16, fn, "normEps"), act_eps = number_arg(info, 17, fn, "actEps");
  const double scale = number_arg(info, 18, fn, "scale");
  a.dim = an.length;
  if (mn.length != a.dim)
    throw_range_error(env, std::string(fn) + ": mlpNorm must hold dim = attnNorm.length = " + std::to_string(a.dim) +
                               " weights, got " + std::to_string(mn.length));
  check_block_dims(env, fn, a, norm_eps, act_eps, scale);
  if (a.start + a.t > a.capacity)
    throw_range_error(env, std::string(fn) + ": start + t (" + std::to_string(a.start + a.t) + ") exceeds capacity (" +
                               std::to_string(a.capacity) + ")");
  const int64_t M = checked_mul(env, fn, {a.B, a.t});
  if (x.length < checked_mul(env, fn, {M, a.dim})) require_length(env, fn, "x", x.length, M * a.dim, "B·t·dim");
  // The attentionDecode layouts (kernels/attention/attention.h): keys in whole tiles of 16 positions.
  const int64_t cache_n = checked_mul(env, fn, {a.B, a.capacity, a.dim});
  if (kc.length < decode_k_cache_floats(a.B, a.capacity, a.dim))
    require_length(env, fn, "kCache", kc.length, decode_k_cache_floats(a.B, a.capacity, a.dim), "B·⌈capacity/16⌉·16·dim");
  if (vc.length < cache_n) require_length(env, fn, "vCache", vc.length, cache_n, "B·capacity·dim");
  const int64_t table_n = checked_mul(env, fn, {a.start + a.t, a.dim / a.heads / 2});
  if (cs.length < table_n || sn.length < table_n)
    throw_range_error(env, std::string(fn) + ": cos and sin must cover positions 0 .. start + t − 1 (" +
                               std::to_string(table_n) + " values each), got " + std::to_string(cs.length) + " and " +
                               std::to_string(sn.length));
  if (alpha.length < 7) require_length(env, fn, "alpha", alpha.length, 7, "one per projection (q, k, v, o, gate, up, down)");
  BlockInputs in;
  bind_projections(env, fn, info[3], info[4], 0, 7, alpha.data, a, in);
  require_block_disjoint(env, fn, x, kc, vc, in, {&an, &mn, &alpha, &cs, &sn});
  a.attn_norm = an.data;
  a.mlp_norm = mn.data;
  a.cos_t = cs.data;
  a.sin_t = sn.data;
  a.k_cache = kc.data;
  a.v_cache = vc.data;

  run_decode(env, fn, [&] { return decode_block(x.data, a); });
  return env.Undefined();
}

}  // namespace

void register_decode(Napi::Env env, Napi::Object exports) {
  exports.Set("decodeBlock", Napi::Function::New(env, decode_block_fn, "decodeBlock"));
}

}  // namespace flashlm
