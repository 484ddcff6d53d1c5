// Binding for the fused decode block (kernels/decode/block.h), declared in lib/native/decode.ts:
//   decodeBlock(x, attnNorm, mlpNorm, packed[7], wScale[7], alpha[7], kCache, vCache, cos, sin,
//               B, t, heads, hidden, start, capacity, normEps, actEps, scale)
// with the projections in the order q, k, v, o, gate, up, down. Everything is checked before any
// memory is touched, as every other binding does.
#include <cmath>
#include <string>
#include <vector>

#include "args.h"
#include "bind/registry.h"
#include "kernels/attention/attention.h"
#include "kernels/decode/block.h"
#include "kernels/ternary/ternary.h"

namespace flashlm {

namespace {

constexpr const char* kNames[7] = {"q", "k", "v", "o", "gate", "up", "down"};

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
  if (a.dim < 1) throw_range_error(env, std::string(fn) + ": attnNorm must hold dim >= 1 weights, got 0");
  if (mn.length != a.dim)
    throw_range_error(env, std::string(fn) + ": mlpNorm must hold dim = attnNorm.length = " + std::to_string(a.dim) +
                               " weights, got " + std::to_string(mn.length));
  if (a.dim % a.heads != 0 || (a.dim / a.heads) % 2 != 0)
    throw_range_error(env, std::string(fn) + ": heads (" + std::to_string(a.heads) + ") must divide dim (" +
                               std::to_string(a.dim) + ") into an even head dim");
  if (a.hidden >= kTernaryMaxK || a.dim >= kTernaryMaxK)
    throw_range_error(env, std::string(fn) + ": dim and hidden must be below 2^22");
  if (!(norm_eps >= 0)) throw_range_error(env, std::string(fn) + ": normEps must be >= 0, got " + std::to_string(norm_eps));
  if (!(static_cast<float>(act_eps) > 0))
    throw_range_error(env, std::string(fn) + ": actEps must be > 0, got " + std::to_string(act_eps));
  if (a.start + a.t > a.capacity)
    throw_range_error(env, std::string(fn) + ": start + t (" + std::to_string(a.start + a.t) + ") exceeds capacity (" +
                               std::to_string(a.capacity) + ")");
  a.norm_eps = static_cast<float>(norm_eps);
  a.act_eps = static_cast<float>(act_eps);
  a.scale = static_cast<float>(scale);
  const int64_t M = checked_mul(env, fn, {a.B, a.t});
  require_length(env, fn, "x", x.length, checked_mul(env, fn, {M, a.dim}), "B·t·dim");
  // The attentionDecode layouts (kernels/attention/attention.h): keys in whole tiles of 16 positions.
  const int64_t cache_n = checked_mul(env, fn, {a.B, a.capacity, a.dim});
  require_length(env, fn, "kCache", kc.length, decode_k_cache_floats(a.B, a.capacity, a.dim), "B·⌈capacity/16⌉·16·dim");
  require_length(env, fn, "vCache", vc.length, cache_n, "B·capacity·dim");
  const int64_t table_n = checked_mul(env, fn, {a.start + a.t, a.dim / a.heads / 2});
  if (cs.length < table_n || sn.length < table_n)
    throw_range_error(env, std::string(fn) + ": cos and sin must cover positions 0 .. start + t − 1 (" +
                               std::to_string(table_n) + " values each), got " + std::to_string(cs.length) + " and " +
                               std::to_string(sn.length));
  require_length(env, fn, "alpha", alpha.length, 7, "one per projection (q, k, v, o, gate, up, down)");

  // The projections, from two arrays of 7.
  for (size_t i : {3u, 4u})
    if (!info[i].IsArray() || info[i].As<Napi::Array>().Length() != 7)
      throw_type_error(env, std::string(fn) + ": " + (i == 3 ? "packed" : "wScale") +
                                " must be an array of 7 (q, k, v, o, gate, up, down), got " + describe_value(info[i]));
  Napi::Array packed = info[3].As<Napi::Array>(), wscale = info[4].As<Napi::Array>();
  DecodeProjection* proj[7] = {&a.q, &a.k, &a.v, &a.o, &a.gate, &a.up, &a.down};
  std::vector<ArrayArg<uint8_t>> packs;
  std::vector<ArrayArg<float>> scales;
  for (int i = 0; i < 7; ++i) {
    const int64_t n = i >= 4 && i < 6 ? a.hidden : a.dim, k = i == 6 ? a.hidden : a.dim;
    const std::string pname = std::string(fn) + ": packed[" + std::to_string(i) + "] (" + kNames[i] + ")";
    const std::string sname = std::string(fn) + ": wScale[" + std::to_string(i) + "] (" + kNames[i] + ")";
    auto p = typed_array_value<uint8_t>(env, packed.Get(i), pname);
    auto s = typed_array_value<float>(env, wscale.Get(i), sname);
    if (p.length != ternary_packed_bytes(n, k))
      throw_range_error(env, pname + " must hold ternaryPackedBytes(" + std::to_string(n) + ", " + std::to_string(k) +
                                 ") = " + std::to_string(ternary_packed_bytes(n, k)) + " bytes, got " +
                                 std::to_string(p.length));
    if (s.length != 1 && s.length != n)
      throw_range_error(env, sname + " must have 1 or " + std::to_string(n) + " elements, got " + std::to_string(s.length));
    for (int64_t j = 0; j < s.length; ++j)
      if (!std::isfinite(s.data[j])) throw_range_error(env, sname + "[" + std::to_string(j) + "] is not finite");
    if (!std::isfinite(alpha.data[i]))
      throw_range_error(env, std::string(fn) + ": alpha[" + std::to_string(i) + "] (" + kNames[i] + ") is not finite");
    *proj[i] = DecodeProjection{p.data, s.data, s.length != 1, alpha.data[i], n, k};
    packs.push_back(p);
    scales.push_back(s);
  }
  // x and the caches are written; nothing written may share memory with anything else.
  for (const auto& p : packs) {
    require_disjoint(env, fn, "x", x, "packed", p);
    require_disjoint(env, fn, "kCache", kc, "packed", p);
    require_disjoint(env, fn, "vCache", vc, "packed", p);
  }
  for (const auto& s : scales) {
    require_disjoint(env, fn, "x", x, "wScale", s);
    require_disjoint(env, fn, "kCache", kc, "wScale", s);
    require_disjoint(env, fn, "vCache", vc, "wScale", s);
  }
  for (const auto* in : {&an, &mn, &alpha, &cs, &sn}) {
    require_disjoint(env, fn, "x", x, "a weight or table argument", *in);
    require_disjoint(env, fn, "kCache", kc, "a weight or table argument", *in);
    require_disjoint(env, fn, "vCache", vc, "a weight or table argument", *in);
  }
  require_disjoint(env, fn, "x", x, "kCache", kc);
  require_disjoint(env, fn, "x", x, "vCache", vc);
  require_disjoint(env, fn, "kCache", kc, "vCache", vc);
  a.attn_norm = an.data;
  a.mlp_norm = mn.data;
  a.cos_t = cs.data;
  a.sin_t = sn.data;
  a.k_cache = kc.data;
  a.v_cache = vc.data;

  DecodeStatus status;
  try {
    status = decode_block(x.data, a);
  } catch (const std::bad_alloc&) {
    throw_range_error(env, std::string(fn) + ": out of memory for the block's scratch buffers");
  }
  if (status == DecodeStatus::non_finite)
    throw_range_error(env, std::string(fn) + ": an activation to be quantized is not finite (NaN or ±inf in x or the "
                                             "weights)");
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

}  // namespace

void register_decode(Napi::Env env, Napi::Object exports) {
  exports.Set("decodeBlock", Napi::Function::New(env, decode_block_fn, "decodeBlock"));
}

}  // namespace flashlm
