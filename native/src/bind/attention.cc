// N-API wrappers for causal attention and RoPE (kernels/attention/): check dtypes, shapes, lengths and
// aliasing before any memory is touched, then dispatch on the active ISA. Shapes: q, k, v, o and their
// gradients (B, T, H, D); lse (B, H, T); RoPE tables (P, D/2); attention probabilities (B, H, T, T).
#include <new>
#include <string>

#include "args.h"
#include "bind/registry.h"
#include "dispatch.h"
#include "kernels/attention/attention.h"

namespace flashlm {

namespace {

struct Dims {
  int64_t B, T, H, D;
  int64_t n;    // B·T·H·D
  int64_t bht;  // B·H·T
};

// Reads B, T, H, D from arguments first .. first+3.
Dims dims_arg(const Napi::CallbackInfo& info, size_t first, const char* fn) {
  Dims d{};
  d.B = int_arg(info, first, fn, "B", 0);
  d.T = int_arg(info, first + 1, fn, "T", 0);
  d.H = int_arg(info, first + 2, fn, "H", 1);
  d.D = int_arg(info, first + 3, fn, "D", 1);
  d.n = checked_mul(info.Env(), fn, {d.B, d.T, d.H, d.D});
  d.bht = checked_mul(info.Env(), fn, {d.B, d.H, d.T});
  return d;
}

std::string bthd(const Dims& d) {
  return "B×T×H×D = " + std::to_string(d.B) + "×" + std::to_string(d.T) + "×" + std::to_string(d.H) + "×" +
         std::to_string(d.D);
}
std::string bht(const Dims& d) {
  return "B×H×T = " + std::to_string(d.B) + "×" + std::to_string(d.H) + "×" + std::to_string(d.T);
}

struct Named {
  const char* name;
  ArrayArg<float> a;
};

// The tiled kernels take per-thread scratch (about 4·T·D floats for the backward); running out of
// memory there must become a JS error, not std::terminate.
template <typename Fn>
void run_kernel(Napi::Env env, const char* fn, const Fn& kernel) {
  try {
    kernel();
  } catch (const std::bad_alloc&) {
    throw_range_error(env, std::string(fn) + ": out of memory for the kernel's scratch buffers");
  }
  throw_if_interrupted(env, fn);
}

// Every output must be disjoint from every input and from the other outputs.
void require_outputs_disjoint(Napi::Env env, const char* fn, std::initializer_list<Named> outs,
                              std::initializer_list<Named> ins) {
  for (auto o = outs.begin(); o != outs.end(); ++o) {
    for (const Named& i : ins) require_disjoint(env, fn, o->name, o->a, i.name, i.a);
    for (auto o2 = o + 1; o2 != outs.end(); ++o2) require_disjoint(env, fn, o->name, o->a, o2->name, o2->a);
  }
}

// attentionForward(q, k, v, o, lse, B, T, H, D, scale)
Napi::Value AttentionForward(const Napi::CallbackInfo& info) {
  const char* fn = "attentionForward";
  Napi::Env env = info.Env();
  auto q = array_arg<float>(info, 0, fn, "q"), k = array_arg<float>(info, 1, fn, "k"),
       v = array_arg<float>(info, 2, fn, "v"), o = array_arg<float>(info, 3, fn, "o"),
       lse = array_arg<float>(info, 4, fn, "lse");
  const Dims d = dims_arg(info, 5, fn);
  const double scale = number_arg(info, 9, fn, "scale");
  require_length(env, fn, "q", q.length, d.n, bthd(d));
  require_length(env, fn, "k", k.length, d.n, bthd(d));
  require_length(env, fn, "v", v.length, d.n, bthd(d));
  require_length(env, fn, "o", o.length, d.n, bthd(d));
  require_length(env, fn, "lse", lse.length, d.bht, bht(d));
  require_outputs_disjoint(env, fn, {{"o", o}, {"lse", lse}}, {{"q", q}, {"k", k}, {"v", v}});
  run_kernel(env, fn, [&] {
    attention_forward(active_isa(), q.data, k.data, v.data, o.data, lse.data, d.B, d.T, d.H, d.D,
                      static_cast<float>(scale));
  });
  return env.Undefined();
}

// attentionBackward(q, k, v, o, lse, dout, dq, dk, dv, B, T, H, D, scale)
Napi::Value AttentionBackward(const Napi::CallbackInfo& info) {
  const char* fn = "attentionBackward";
  Napi::Env env = info.Env();
  auto q = array_arg<float>(info, 0, fn, "q"), k = array_arg<float>(info, 1, fn, "k"),
       v = array_arg<float>(info, 2, fn, "v"), o = array_arg<float>(info, 3, fn, "o"),
       lse = array_arg<float>(info, 4, fn, "lse"), dout = array_arg<float>(info, 5, fn, "dout"),
       dq = array_arg<float>(info, 6, fn, "dq"), dk = array_arg<float>(info, 7, fn, "dk"),
       dv = array_arg<float>(info, 8, fn, "dv");
  const Dims d = dims_arg(info, 9, fn);
  const double scale = number_arg(info, 13, fn, "scale");
  for (const Named& a : {Named{"q", q}, Named{"k", k}, Named{"v", v}, Named{"o", o}, Named{"dout", dout},
                         Named{"dq", dq}, Named{"dk", dk}, Named{"dv", dv}})
    require_length(env, fn, a.name, a.a.length, d.n, bthd(d));
  require_length(env, fn, "lse", lse.length, d.bht, bht(d));
  require_outputs_disjoint(env, fn, {{"dq", dq}, {"dk", dk}, {"dv", dv}},
                           {{"q", q}, {"k", k}, {"v", v}, {"o", o}, {"lse", lse}, {"dout", dout}});
  run_kernel(env, fn, [&] {
    attention_backward(active_isa(), q.data, k.data, v.data, o.data, lse.data, dout.data, dq.data, dk.data,
                       dv.data, d.B, d.T, d.H, d.D, static_cast<float>(scale));
  });
  return env.Undefined();
}

// attentionProbs(q, k, p, B, T, H, D, scale): the scalar reference at every ISA (maps are small).
Napi::Value AttentionProbs(const Napi::CallbackInfo& info) {
  const char* fn = "attentionProbs";
  Napi::Env env = info.Env();
  auto q = array_arg<float>(info, 0, fn, "q"), k = array_arg<float>(info, 1, fn, "k"),
       p = array_arg<float>(info, 2, fn, "p");
  const Dims d = dims_arg(info, 3, fn);
  const double scale = number_arg(info, 7, fn, "scale");
  require_length(env, fn, "q", q.length, d.n, bthd(d));
  require_length(env, fn, "k", k.length, d.n, bthd(d));
  require_length(env, fn, "p", p.length, checked_mul(env, fn, {d.bht, d.T}), bht(d) + "×T");
  require_outputs_disjoint(env, fn, {{"p", p}}, {{"q", q}, {"k", k}});
  run_kernel(env, fn, [&] { attention_probs_ref(q.data, k.data, p.data, d.B, d.T, d.H, d.D, static_cast<float>(scale)); });
  return env.Undefined();
}

// attentionDecode(q, kNew, vNew, kCache, vCache, o, B, t, H, D, start, capacity, scale): appends the
// t new keys/values at positions start .. start+t−1 of each sequence's cache, then attends.
Napi::Value AttentionDecode(const Napi::CallbackInfo& info) {
  const char* fn = "attentionDecode";
  Napi::Env env = info.Env();
  auto q = array_arg<float>(info, 0, fn, "q"), kn = array_arg<float>(info, 1, fn, "kNew"),
       vn = array_arg<float>(info, 2, fn, "vNew"), kc = array_arg<float>(info, 3, fn, "kCache"),
       vc = array_arg<float>(info, 4, fn, "vCache"), o = array_arg<float>(info, 5, fn, "o");
  const Dims d = dims_arg(info, 6, fn);
  const int64_t start = int_arg(info, 10, fn, "start", 0);
  const int64_t capacity = int_arg(info, 11, fn, "capacity", 1);
  const double scale = number_arg(info, 12, fn, "scale");
  if (start + d.T > capacity)
    throw_range_error(env, std::string(fn) + ": start + t (" + std::to_string(start + d.T) + ") exceeds capacity (" +
                               std::to_string(capacity) + ")");
  for (const Named& x : {Named{"q", q}, Named{"kNew", kn}, Named{"vNew", vn}, Named{"o", o}})
    require_length(env, fn, x.name, x.a.length, d.n, bthd(d));
  const int64_t cache_n = checked_mul(env, fn, {d.B, capacity, d.H, d.D});
  // Keys in tiles of kDecodeKeyTile positions (attention.h): capacity rounds up to a whole tile.
  const int64_t k_cache_n = decode_k_cache_floats(d.B, capacity, d.H * d.D);
  require_length(env, fn, "kCache", kc.length, k_cache_n,
                 "B×H×⌈capacity/16⌉×D×16 = " + std::to_string(k_cache_n));
  require_length(env, fn, "vCache", vc.length, cache_n, "B×H×capacity×D = " + std::to_string(cache_n));
  require_outputs_disjoint(env, fn, {{"kCache", kc}, {"vCache", vc}, {"o", o}}, {{"q", q}, {"kNew", kn}, {"vNew", vn}});
  run_kernel(env, fn, [&] {
    attention_decode(q.data, kn.data, vn.data, kc.data, vc.data, o.data, d.B, d.T, d.H, d.D, start, capacity,
                     static_cast<float>(scale));
  });
  return env.Undefined();
}

int64_t even_head_dim(Napi::Env env, const char* fn, int64_t D) {
  if (D % 2 != 0)
    throw_range_error(env, std::string(fn) + ": D must be even (rotate-half pairs element i with i + D/2), got " +
                               std::to_string(D));
  return D;
}

// ropeTable(cos, sin, P, D, base): cos/sin (P, D/2) for positions 0 .. P-1.
Napi::Value RopeTable(const Napi::CallbackInfo& info) {
  const char* fn = "ropeTable";
  Napi::Env env = info.Env();
  auto c = array_arg<float>(info, 0, fn, "cos"), s = array_arg<float>(info, 1, fn, "sin");
  const int64_t P = int_arg(info, 2, fn, "P", 0);
  const int64_t D = even_head_dim(env, fn, int_arg(info, 3, fn, "D", 2));
  const double base = number_arg(info, 4, fn, "base");
  if (!(base > 0.0)) throw_range_error(env, std::string(fn) + ": base must be > 0, got " + std::to_string(base));
  const int64_t need = checked_mul(env, fn, {P, D / 2});
  const std::string note = "P×D/2 = " + std::to_string(P) + "×" + std::to_string(D / 2);
  require_length(env, fn, "cos", c.length, need, note);
  require_length(env, fn, "sin", s.length, need, note);
  require_disjoint(env, fn, "cos", c, "sin", s);
  rope_table_ref(c.data, s.data, P, D, base);
  return env.Undefined();
}

// ropeForward(x, y, cos, sin, B, T, H, D, pos0) / ropeBackward(dy, dx, cos, sin, B, T, H, D, pos0).
// The output may be the input itself (in place) but must not partly overlap it.
Napi::Value Rope(const Napi::CallbackInfo& info, bool inverse) {
  const char* fn = inverse ? "ropeBackward" : "ropeForward";
  const char* xn = inverse ? "dy" : "x";
  const char* yn = inverse ? "dx" : "y";
  Napi::Env env = info.Env();
  auto x = array_arg<float>(info, 0, fn, xn), y = array_arg<float>(info, 1, fn, yn);
  auto c = array_arg<float>(info, 2, fn, "cos"), s = array_arg<float>(info, 3, fn, "sin");
  const Dims d = dims_arg(info, 4, fn);
  even_head_dim(env, fn, d.D);
  const int64_t pos0 = int_arg(info, 8, fn, "pos0", 0);
  require_length(env, fn, xn, x.length, d.n, bthd(d));
  require_length(env, fn, yn, y.length, d.n, bthd(d));
  const int64_t need = checked_mul(env, fn, {pos0 + d.T, d.D / 2});
  const std::string note = "(pos0 + T)×D/2 = " + std::to_string(pos0 + d.T) + "×" + std::to_string(d.D / 2);
  require_length(env, fn, "cos", c.length, need, note);
  require_length(env, fn, "sin", s.length, need, note);
  if (x.data != y.data) require_disjoint(env, fn, xn, x, yn, y);
  require_disjoint(env, fn, yn, y, "cos", c);
  require_disjoint(env, fn, yn, y, "sin", s);
  rope(active_isa(), x.data, y.data, c.data, s.data, d.B, d.T, d.H, d.D, pos0, inverse);
  return env.Undefined();
}

}  // namespace

void register_attention(Napi::Env env, Napi::Object exports) {
  exports.Set("attentionForward", Napi::Function::New(env, AttentionForward, "attentionForward"));
  exports.Set("attentionBackward", Napi::Function::New(env, AttentionBackward, "attentionBackward"));
  exports.Set("attentionDecode", Napi::Function::New(env, AttentionDecode, "attentionDecode"));
  exports.Set("attentionProbs", Napi::Function::New(env, AttentionProbs, "attentionProbs"));
  exports.Set("ropeTable", Napi::Function::New(env, RopeTable, "ropeTable"));
  exports.Set("ropeForward",
              Napi::Function::New(env, [](const Napi::CallbackInfo& info) { return Rope(info, false); }, "ropeForward"));
  exports.Set("ropeBackward",
              Napi::Function::New(env, [](const Napi::CallbackInfo& info) { return Rope(info, true); }, "ropeBackward"));
}

}  // namespace flashlm
