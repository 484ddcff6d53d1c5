// Bindings for the whole-model decode step (kernels/decode/model.h), declared in lib/native/decode.ts:
//   decodePlan(embed, head16 | null, headFormat, finalNorm, finalEps, attnNorms[L], mlpNorms[L], packed[7L],
//              wScale[7L], alpha (7L), kCaches[L], vCaches[L], cos, sin, batch, heads, hidden, capacity,
//              normEps, actEps, scale) -> an opaque plan
//   decodeStep(plan, tokens, t, start, logits)
// The plan checks every array once and holds a reference to each, so they outlive it whatever JS does
// with its own handles; a step then only checks its tokens, positions and output.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "bind/decode_args.h"
#include "bind/half_format_arg.h"
#include "bind/registry.h"
#include "kernels/attention/attention.h"
#include "kernels/decode/model.h"

namespace flashlm {

namespace {

constexpr napi_type_tag kPlanTag = {0x6a1f0c5e2b7d4e91ULL, 0x93c1d27a5f08b6e4ULL};

struct Plan {
  DecodeModel model;
  int64_t capacity = 0;
  std::vector<Napi::ObjectReference> keep;  // every array the pointers below point into
  struct Range {
    uintptr_t lo, hi;
    bool written;  // a cache
  };
  std::vector<Range> ranges;
};

template <typename T>
void remember(Plan& p, const Napi::Value& v, const ArrayArg<T>& a, bool written) {
  p.keep.push_back(Napi::Persistent(v.As<Napi::Object>()));
  const auto lo = reinterpret_cast<uintptr_t>(a.data);
  p.ranges.push_back({lo, lo + static_cast<uintptr_t>(a.length) * sizeof(T), written});
}

Napi::Array array_of(Napi::Env env, const char* fn, const Napi::Value& v, const char* name, uint32_t n) {
  if (!v.IsArray() || v.As<Napi::Array>().Length() != n)
    throw_type_error(env, std::string(fn) + ": " + name + " must be an array of " + std::to_string(n) + " (one per block), got " +
                              describe_value(v));
  return v.As<Napi::Array>();
}

Napi::Value decode_plan_fn(const Napi::CallbackInfo& info) {
  const char* fn = "decodePlan";
  Napi::Env env = info.Env();
  if (info.Length() != 21)
    throw_type_error(env, std::string(fn) + ": expected 21 arguments (embed, head16, headFormat, finalNorm, finalEps, attnNorms, "
                                            "mlpNorms, packed, wScale, alpha, kCaches, vCaches, cos, sin, batch, heads, "
                                            "hidden, capacity, normEps, actEps, scale), got " + std::to_string(info.Length()));
  auto plan = std::make_unique<Plan>();
  DecodeModel& m = plan->model;
  auto embed = array_arg<float>(info, 0, fn, "embed");
  auto fnorm = array_arg<float>(info, 3, fn, "finalNorm");
  const double final_eps = number_arg(info, 4, fn, "finalEps");
  auto alpha = array_arg<float>(info, 9, fn, "alpha");
  auto cs = array_arg<float>(info, 12, fn, "cos");
  auto sn = array_arg<float>(info, 13, fn, "sin");
  m.batch = int_arg(info, 14, fn, "batch", 1, INT32_MAX);
  DecodeBlockArgs proto{};
  proto.B = m.batch;
  proto.heads = int_arg(info, 15, fn, "heads", 1, INT32_MAX);
  proto.hidden = int_arg(info, 16, fn, "hidden", 1, INT32_MAX);
  proto.capacity = plan->capacity = int_arg(info, 17, fn, "capacity", 1, INT32_MAX);
  proto.dim = m.dim = fnorm.length;
  check_block_dims(env, fn, proto, number_arg(info, 18, fn, "normEps"), number_arg(info, 19, fn, "actEps"),
                   number_arg(info, 20, fn, "scale"));
  if (!(final_eps >= 0)) throw_range_error(env, std::string(fn) + ": finalEps must be >= 0, got " + std::to_string(final_eps));
  m.final_eps = static_cast<float>(final_eps);
  if (embed.length == 0 || embed.length % m.dim != 0)
    throw_range_error(env, std::string(fn) + ": embed must hold vocab × dim (dim = finalNorm.length = " +
                               std::to_string(m.dim) + ") floats, got " + std::to_string(embed.length));
  m.vocab = embed.length / m.dim;
  m.embed = embed.data;
  m.final_norm = fnorm.data;
  m.head16 = nullptr;
  m.head_format = half_format_arg(info, 2, fn, "headFormat");
  remember(*plan, info[0], embed, false);
  remember(*plan, info[3], fnorm, false);
  if (!info[1].IsNull() && !info[1].IsUndefined()) {
    auto head = array_arg<uint16_t>(info, 1, fn, "head16");
    require_length(env, fn, "head16", head.length, embed.length, "vocab × dim, like embed");
    m.head16 = head.data;
    remember(*plan, info[1], head, false);
  }
  const int64_t table_n = checked_mul(env, fn, {proto.capacity, proto.dim / proto.heads / 2});
  if (cs.length < table_n || sn.length < table_n)
    throw_range_error(env, std::string(fn) + ": cos and sin must cover positions 0 .. capacity − 1 (" +
                               std::to_string(table_n) + " values each), got " + std::to_string(cs.length) + " and " +
                               std::to_string(sn.length));
  remember(*plan, info[12], cs, false);
  remember(*plan, info[13], sn, false);
  proto.cos_t = cs.data;
  proto.sin_t = sn.data;

  if (!info[5].IsArray()) throw_type_error(env, std::string(fn) + ": attnNorms must be an array (one per block), got " + describe_value(info[5]));
  const uint32_t L = info[5].As<Napi::Array>().Length();
  if (L < 1) throw_range_error(env, std::string(fn) + ": a model needs at least one block, attnNorms is empty");
  Napi::Array an = array_of(env, fn, info[5], "attnNorms", L), mn = array_of(env, fn, info[6], "mlpNorms", L);
  Napi::Array kcs = array_of(env, fn, info[10], "kCaches", L), vcs = array_of(env, fn, info[11], "vCaches", L);
  require_length(env, fn, "alpha", alpha.length, 7 * static_cast<int64_t>(L), "7 per block");
  remember(*plan, info[9], alpha, false);
  const int64_t k_need = decode_k_cache_floats(m.batch, proto.capacity, proto.dim);
  const int64_t v_need = checked_mul(env, fn, {m.batch, proto.capacity, proto.dim});
  BlockInputs in;
  for (uint32_t l = 0; l < L; ++l) {
    const std::string at = "[" + std::to_string(l) + "]";
    DecodeBlockArgs a = proto;
    auto g1 = typed_array_value<float>(env, an.Get(l), std::string(fn) + ": attnNorms" + at);
    auto g2 = typed_array_value<float>(env, mn.Get(l), std::string(fn) + ": mlpNorms" + at);
    auto kc = typed_array_value<float>(env, kcs.Get(l), std::string(fn) + ": kCaches" + at);
    auto vc = typed_array_value<float>(env, vcs.Get(l), std::string(fn) + ": vCaches" + at);
    if (g1.length != m.dim || g2.length != m.dim)
      throw_range_error(env, std::string(fn) + ": attnNorms" + at + " and mlpNorms" + at + " must hold dim = " +
                                 std::to_string(m.dim) + " weights, got " + std::to_string(g1.length) + " and " +
                                 std::to_string(g2.length));
    require_length(env, fn, ("kCaches" + at).c_str(), kc.length, k_need, "batch·⌈capacity/16⌉·16·dim");
    require_length(env, fn, ("vCaches" + at).c_str(), vc.length, v_need, "batch·capacity·dim");
    bind_projections(env, fn, info[7], info[8], 7 * l, 7 * L, alpha.data, a, in);
    remember(*plan, an.Get(l), g1, false);
    remember(*plan, mn.Get(l), g2, false);
    remember(*plan, kcs.Get(l), kc, true);
    remember(*plan, vcs.Get(l), vc, true);
    a.attn_norm = g1.data;
    a.mlp_norm = g2.data;
    a.k_cache = kc.data;
    a.v_cache = vc.data;
    m.blocks.push_back(a);
  }
  Napi::Array packed = info[7].As<Napi::Array>(), wscale = info[8].As<Napi::Array>();
  for (uint32_t i = 0; i < 7 * L; ++i) {
    remember(*plan, packed.Get(i), in.packed[i], false);
    remember(*plan, wscale.Get(i), in.scales[i], false);
  }
  // A cache is written: it may share memory with nothing else the plan holds.
  const auto& r = plan->ranges;
  for (size_t i = 0; i < r.size(); ++i)
    for (size_t j = 0; j < r.size(); ++j)
      if (i != j && r[i].written && r[i].lo < r[j].hi && r[j].lo < r[i].hi && r[i].hi > r[i].lo && r[j].hi > r[j].lo)
        throw_range_error(env, std::string(fn) + ": a KV cache shares memory with another cache or a weight");

  Plan* raw = plan.release();
  auto handle = Napi::External<Plan>::New(env, raw, [](Napi::Env, Plan* p) { delete p; });
  handle.TypeTag(&kPlanTag);
  return handle;
}

Napi::Value decode_step_fn(const Napi::CallbackInfo& info) {
  const char* fn = "decodeStep";
  Napi::Env env = info.Env();
  if (info.Length() != 5)
    throw_type_error(env, std::string(fn) + ": expected 5 arguments (plan, tokens, t, start, logits), got " +
                              std::to_string(info.Length()));
  if (!info[0].IsExternal() || !info[0].As<Napi::External<Plan>>().CheckTypeTag(&kPlanTag))
    throw_type_error(env, std::string(fn) + ": plan must come from decodePlan, got " + describe_value(info[0]));
  Plan& plan = *info[0].As<Napi::External<Plan>>().Data();
  DecodeModel& m = plan.model;
  auto tokens = array_arg<int32_t>(info, 1, fn, "tokens");
  const int64_t t = int_arg(info, 2, fn, "t", 1, INT32_MAX);
  const int64_t start = int_arg(info, 3, fn, "start", 0, INT32_MAX);
  auto logits = array_arg<float>(info, 4, fn, "logits");
  if (start + t > plan.capacity)
    throw_range_error(env, std::string(fn) + ": start + t (" + std::to_string(start + t) + ") exceeds capacity (" +
                               std::to_string(plan.capacity) + ")");
  const int64_t M = m.batch * t;
  if (tokens.length != M)
    throw_range_error(env, std::string(fn) + ": tokens must hold batch·t = " + std::to_string(M) + " ids, got " +
                               std::to_string(tokens.length));
  for (int64_t i = 0; i < M; ++i)
    if (tokens.data[i] < 0 || tokens.data[i] >= m.vocab)
      throw_range_error(env, std::string(fn) + ": tokens[" + std::to_string(i) + "] = " + std::to_string(tokens.data[i]) +
                                 " is not in [0, " + std::to_string(m.vocab) + ")");
  if (logits.length < M * m.vocab) require_length(env, fn, "logits", logits.length, M * m.vocab, "batch·t·vocab");
  const auto lo = reinterpret_cast<uintptr_t>(logits.data), hi = lo + logits.length * sizeof(float);
  const auto tlo = reinterpret_cast<uintptr_t>(tokens.data), thi = tlo + tokens.length * sizeof(int32_t);
  for (const Plan::Range& r : plan.ranges) {
    if (lo < r.hi && r.lo < hi) throw_range_error(env, std::string(fn) + ": logits must not share memory with the plan's arrays");
    if (r.written && tlo < r.hi && r.lo < thi) throw_range_error(env, std::string(fn) + ": tokens must not share memory with a KV cache");
  }
  if (lo < thi && tlo < hi) throw_range_error(env, std::string(fn) + ": tokens and logits must not share memory");
  run_decode(env, fn, [&] { return decode_model_step(m, tokens.data, t, start, logits.data); });
  return env.Undefined();
}

}  // namespace

void register_decode_model(Napi::Env env, Napi::Object exports) {
  exports.Set("decodePlan", Napi::Function::New(env, decode_plan_fn, "decodePlan"));
  exports.Set("decodeStep", Napi::Function::New(env, decode_step_fn, "decodeStep"));
}

}  // namespace flashlm
