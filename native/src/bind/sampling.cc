// Bindings for the sampler's logit scans (kernels/sampling/scan.h), declared in lib/native/sampling.ts:
//   logitsScan(logits, k, out)       out = [first NaN/+inf index or -1, finite count, argmax, k-th largest]
//   logitsAtLeast(logits, low, idx)  -> how many indices (ascending, into idx) hold a finite logit >= low
#include <string>

#include "args.h"
#include "bind/registry.h"
#include "kernels/sampling/scan.h"

namespace flashlm {

namespace {

Napi::Value logits_scan_fn(const Napi::CallbackInfo& info) {
  const char* fn = "logitsScan";
  Napi::Env env = info.Env();
  if (info.Length() != 3)
    throw_type_error(env, std::string(fn) + ": expected 3 arguments (logits, k, out), got " + std::to_string(info.Length()));
  auto x = array_arg<float>(info, 0, fn, "logits");
  const int64_t k = int_arg(info, 1, fn, "k", 0, INT32_MAX);
  auto out = array_arg<double>(info, 2, fn, "out");
  require_length(env, fn, "out", out.length, 4, "bad, finite, argmax, kth");
  require_disjoint(env, fn, "out", out, "logits", x);
  const LogitScan r = scan_logits(x.data, x.length, k);
  out.data[0] = static_cast<double>(r.bad);
  out.data[1] = static_cast<double>(r.finite);
  out.data[2] = static_cast<double>(r.argmax);
  out.data[3] = static_cast<double>(r.kth);
  return env.Undefined();
}

Napi::Value logits_at_least_fn(const Napi::CallbackInfo& info) {
  const char* fn = "logitsAtLeast";
  Napi::Env env = info.Env();
  if (info.Length() != 3)
    throw_type_error(env, std::string(fn) + ": expected 3 arguments (logits, low, idx), got " + std::to_string(info.Length()));
  auto x = array_arg<float>(info, 0, fn, "logits");
  const double low = number_arg(info, 1, fn, "low");
  auto idx = array_arg<int32_t>(info, 2, fn, "idx");
  if (x.length > INT32_MAX) throw_range_error(env, std::string(fn) + ": logits must hold at most 2^31 − 1 values");
  require_length(env, fn, "idx", idx.length, x.length, "one per logit");
  require_disjoint(env, fn, "idx", idx, "logits", x);
  return Napi::Number::New(env, static_cast<double>(logits_at_least(x.data, x.length, low, idx.data)));
}

}  // namespace

void register_sampling(Napi::Env env, Napi::Object exports) {
  exports.Set("logitsScan", Napi::Function::New(env, logits_scan_fn, "logitsScan"));
  exports.Set("logitsAtLeast", Napi::Function::New(env, logits_at_least_fn, "logitsAtLeast"));
}

}  // namespace flashlm
