// Bindings for the rng family (kernels/rng/rng.h). Every fill takes (out, seedLo, seedHi, offset):
// the seed's two 32-bit words and the stream index of out[0]; offset + out.length must stay <= 2^53.
#include <cmath>
#include <string>

#include "args.h"
#include "bind/registry.h"
#include "kernels/rng/rng.h"

namespace flashlm {

namespace {

constexpr int64_t kMaxU32 = 0xFFFFFFFFll;

RngStream stream_args(const Napi::CallbackInfo& cb, const char* fn, int64_t n) {
  RngStream s;
  s.key[0] = static_cast<uint32_t>(int_arg(cb, 1, fn, "seedLo", 0, kMaxU32));
  s.key[1] = static_cast<uint32_t>(int_arg(cb, 2, fn, "seedHi", 0, kMaxU32));
  const int64_t limit = (INT64_C(1) << 53) - n;
  s.offset = static_cast<uint64_t>(int_arg(cb, 3, fn, "offset", 0, limit));
  return s;
}

// rngRaw(out: Uint32Array, seedLo, seedHi, offset)
Napi::Value raw(const Napi::CallbackInfo& cb) {
  auto out = array_arg<uint32_t>(cb, 0, "rngRaw", "out");
  rng_raw(out.data, out.length, stream_args(cb, "rngRaw", out.length));
  return cb.Env().Undefined();
}

// rngUniform(out: Float32Array, seedLo, seedHi, offset)
Napi::Value uniform(const Napi::CallbackInfo& cb) {
  auto out = array_arg<float>(cb, 0, "rngUniform", "out");
  rng_uniform(out.data, out.length, stream_args(cb, "rngUniform", out.length));
  return cb.Env().Undefined();
}

// rngNormal(out: Float32Array, seedLo, seedHi, offset, mean = 0, std = 1)
Napi::Value normal(const Napi::CallbackInfo& cb) {
  const char* fn = "rngNormal";
  auto out = array_arg<float>(cb, 0, fn, "out");
  RngStream s = stream_args(cb, fn, out.length);
  const double mean = cb.Length() > 4 && !cb[4].IsUndefined() ? number_arg(cb, 4, fn, "mean") : 0.0;
  const double stddev = cb.Length() > 5 && !cb[5].IsUndefined() ? number_arg(cb, 5, fn, "std") : 1.0;
  if (stddev < 0.0) throw_range_error(cb.Env(), std::string(fn) + ": std must be >= 0, got " + std::to_string(stddev));
  rng_normal(out.data, out.length, s, mean, stddev);
  return cb.Env().Undefined();
}

// rngBernoulli(out: Uint8Array, seedLo, seedHi, offset, p)
Napi::Value bernoulli(const Napi::CallbackInfo& cb) {
  const char* fn = "rngBernoulli";
  auto out = array_arg<uint8_t>(cb, 0, fn, "out");
  RngStream s = stream_args(cb, fn, out.length);
  const double p = number_arg(cb, 4, fn, "p");
  if (p < 0.0 || p > 1.0) throw_range_error(cb.Env(), std::string(fn) + ": p must be in [0, 1], got " + std::to_string(p));
  rng_bernoulli(out.data, out.length, s, p);
  return cb.Env().Undefined();
}

// rngRandint(out: Int32Array, seedLo, seedHi, offset, low, high): integers in [low, high).
Napi::Value randint(const Napi::CallbackInfo& cb) {
  const char* fn = "rngRandint";
  auto out = array_arg<int32_t>(cb, 0, fn, "out");
  RngStream s = stream_args(cb, fn, out.length);
  const int64_t low = int_arg(cb, 4, fn, "low", INT32_MIN, INT32_MAX);
  const int64_t high = int_arg(cb, 5, fn, "high", INT32_MIN, INT64_C(1) + INT32_MAX);
  if (high <= low)
    throw_range_error(cb.Env(), std::string(fn) + ": high must be greater than low, got low " + std::to_string(low) +
                                    ", high " + std::to_string(high));
  rng_randint(out.data, out.length, s, low, static_cast<uint64_t>(high - low));
  return cb.Env().Undefined();
}

// philox4x32(out: Uint32Array(4), counter: Uint32Array(4), key: Uint32Array(2)): one raw block.
Napi::Value philox(const Napi::CallbackInfo& cb) {
  const char* fn = "philox4x32";
  Napi::Env env = cb.Env();
  auto out = array_arg<uint32_t>(cb, 0, fn, "out");
  auto ctr = array_arg<uint32_t>(cb, 1, fn, "counter");
  auto key = array_arg<uint32_t>(cb, 2, fn, "key");
  require_length(env, fn, "out", out.length, 4, "one block");
  require_length(env, fn, "counter", ctr.length, 4, "4 words");
  require_length(env, fn, "key", key.length, 2, "2 words");
  uint32_t c[4] = {ctr.data[0], ctr.data[1], ctr.data[2], ctr.data[3]}, k[2] = {key.data[0], key.data[1]}, o[4];
  philox4x32_10(c, k, o);
  for (int i = 0; i < 4; ++i) out.data[i] = o[i];
  return env.Undefined();
}

}  // namespace

void register_rng(Napi::Env env, Napi::Object exports) {
  exports.Set("rngRaw", Napi::Function::New(env, raw, "rngRaw"));
  exports.Set("rngUniform", Napi::Function::New(env, uniform, "rngUniform"));
  exports.Set("rngNormal", Napi::Function::New(env, normal, "rngNormal"));
  exports.Set("rngBernoulli", Napi::Function::New(env, bernoulli, "rngBernoulli"));
  exports.Set("rngRandint", Napi::Function::New(env, randint, "rngRandint"));
  exports.Set("philox4x32", Napi::Function::New(env, philox, "philox4x32"));
}

}  // namespace flashlm
