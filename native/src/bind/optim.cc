// Bindings for the optim family (kernels/optim/optim.h): adamwStep, sgdStep, globalGradNorm,
// scaleGrads. Hyper-parameters are range-checked here so a kernel never sees a NaN learning rate.
#include <cmath>
#include <string>
#include <vector>

#include "args.h"
#include "bind/registry.h"
#include "dispatch.h"
#include "kernels/optim/optim.h"

namespace flashlm {

namespace {

// The optimizer state arrays must match param exactly: a longer m or v is a caller bug, not slack.
void require_same_length(Napi::Env env, const char* fn, const char* name, int64_t have, int64_t n) {
  if (have != n)
    throw_range_error(env, std::string(fn) + ": " + name + " must have " + std::to_string(n) +
                               " elements (param.length), got " + std::to_string(have));
}

double number_in(const Napi::CallbackInfo& cb, size_t i, const char* fn, const char* name, double lo, double hi,
                 bool hi_open) {
  const double d = number_arg(cb, i, fn, name);
  if (d < lo || d > hi || (hi_open && d == hi))
    throw_range_error(cb.Env(), std::string(fn) + ": " + name + " must be in [" + std::to_string(lo) + ", " +
                                    std::to_string(hi) + (hi_open ? ")" : "]") + ", got " + std::to_string(d));
  return d;
}

double optional_scale(const Napi::CallbackInfo& cb, size_t i, const char* fn) {
  if (i >= cb.Length() || cb[i].IsUndefined()) return 1.0;
  return number_arg(cb, i, fn, "gradScale");
}

// adamwStep(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step, gradScale = 1)
Napi::Value adamw(const Napi::CallbackInfo& cb) {
  const char* fn = "adamwStep";
  Napi::Env env = cb.Env();
  auto p = array_arg<float>(cb, 0, fn, "param");
  auto g = array_arg<float>(cb, 1, fn, "grad");
  auto m = array_arg<float>(cb, 2, fn, "m");
  auto v = array_arg<float>(cb, 3, fn, "v");
  const double lr = number_in(cb, 4, fn, "lr", 0.0, 1e30, false);
  const double beta1 = number_in(cb, 5, fn, "beta1", 0.0, 1.0, true);
  const double beta2 = number_in(cb, 6, fn, "beta2", 0.0, 1.0, true);
  const double eps = number_in(cb, 7, fn, "eps", 0.0, 1e30, false);
  const double wd = number_in(cb, 8, fn, "weightDecay", 0.0, 1e30, false);
  const int64_t step = int_arg(cb, 9, fn, "step", 1);
  const double scale = optional_scale(cb, 10, fn);
  const int64_t n = p.length;
  require_same_length(env, fn, "grad", g.length, n);
  require_same_length(env, fn, "m", m.length, n);
  require_same_length(env, fn, "v", v.length, n);
  require_disjoint(env, fn, "param", p, "grad", g);
  require_disjoint(env, fn, "param", p, "m", m);
  require_disjoint(env, fn, "param", p, "v", v);
  require_disjoint(env, fn, "grad", g, "m", m);
  require_disjoint(env, fn, "grad", g, "v", v);
  require_disjoint(env, fn, "m", m, "v", v);
  const AdamWScalars s = adamw_scalars(lr, beta1, beta2, eps, wd, step, scale);
  switch (active_isa()) {
#if defined(FLASHLM_HAVE_X86)
    case Isa::avx512: avx512::adamw_step(p.data, g.data, m.data, v.data, n, s); break;
    case Isa::avx2: avx2::adamw_step(p.data, g.data, m.data, v.data, n, s); break;
#endif
#if defined(FLASHLM_HAVE_NEON)
    case Isa::neon: neon::adamw_step(p.data, g.data, m.data, v.data, n, s); break;
#endif
    default: ref::adamw_step(p.data, g.data, m.data, v.data, n, s);
  }
  return env.Undefined();
}

// sgdStep(param, grad, buf | null, lr, momentum, dampening, weightDecay, nesterov, step, gradScale = 1)
Napi::Value sgd(const Napi::CallbackInfo& cb) {
  const char* fn = "sgdStep";
  Napi::Env env = cb.Env();
  auto p = array_arg<float>(cb, 0, fn, "param");
  auto g = array_arg<float>(cb, 1, fn, "grad");
  const bool has_buf = !(cb.Length() <= 2 || cb[2].IsNull() || cb[2].IsUndefined());
  ArrayArg<float> buf{nullptr, 0};
  if (has_buf) buf = array_arg<float>(cb, 2, fn, "buf");
  const double lr = number_in(cb, 3, fn, "lr", 0.0, 1e30, false);
  const double mu = number_in(cb, 4, fn, "momentum", 0.0, 1e30, false);
  const double damp = number_in(cb, 5, fn, "dampening", 0.0, 1.0, false);
  const double wd = number_in(cb, 6, fn, "weightDecay", 0.0, 1e30, false);
  const bool nesterov = bool_arg(cb, 7, fn, "nesterov");
  const int64_t step = int_arg(cb, 8, fn, "step", 1);
  const double scale = optional_scale(cb, 9, fn);
  const int64_t n = p.length;
  require_same_length(env, fn, "grad", g.length, n);
  require_disjoint(env, fn, "param", p, "grad", g);
  if (nesterov && (mu <= 0.0 || damp != 0.0))
    throw_range_error(env, std::string(fn) + ": nesterov needs momentum > 0 and dampening 0 (as torch.optim.SGD), got "
                                             "momentum " + std::to_string(mu) + ", dampening " + std::to_string(damp));
  if (mu != 0.0) {
    if (!has_buf) throw_type_error(env, std::string(fn) + ": buf must be a Float32Array when momentum != 0, got null");
    require_same_length(env, fn, "buf", buf.length, n);
    require_disjoint(env, fn, "buf", buf, "param", p);
    require_disjoint(env, fn, "buf", buf, "grad", g);
  }
  SgdScalars s;
  s.grad_scale = static_cast<float>(scale);
  s.weight_decay = static_cast<float>(wd);
  s.momentum = static_cast<float>(mu);
  s.one_minus_dampening = static_cast<float>(1.0 - damp);
  s.neg_lr = static_cast<float>(-lr);
  s.nesterov = nesterov;
  s.first = step == 1;
  switch (active_isa()) {
#if defined(FLASHLM_HAVE_X86)
    case Isa::avx512: avx512::sgd_step(p.data, g.data, buf.data, n, s); break;
    case Isa::avx2: avx2::sgd_step(p.data, g.data, buf.data, n, s); break;
#endif
#if defined(FLASHLM_HAVE_NEON)
    case Isa::neon: neon::sgd_step(p.data, g.data, buf.data, n, s); break;
#endif
    default: ref::sgd_step(p.data, g.data, buf.data, n, s);
  }
  return env.Undefined();
}

// Unwraps argument `index`, a JS Array of Float32Array, naming the bad element ("grads[3]").
std::vector<ArrayArg<float>> array_list(const Napi::CallbackInfo& cb, size_t index, const char* fn, const char* name) {
  Napi::Env env = cb.Env();
  if (index >= cb.Length() || !cb[index].IsArray())
    throw_type_error(env, std::string(fn) + ": " + name + " must be an Array of Float32Array, got " +
                              (index >= cb.Length() ? std::string("nothing") : describe_value(cb[index])));
  Napi::Array arr = cb[index].As<Napi::Array>();
  std::vector<ArrayArg<float>> out;
  out.reserve(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    Napi::Value e = arr.Get(i);
    const std::string ename = std::string(name) + "[" + std::to_string(i) + "]";
    if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw_type_error(env, std::string(fn) + ": " + ename + " must be a Float32Array, got " + describe_value(e));
    Napi::TypedArray ta = e.As<Napi::TypedArray>();
    uint8_t* base = static_cast<uint8_t*>(ta.ArrayBuffer().Data());
    if (base == nullptr && ta.ElementLength() > 0)
      throw_type_error(env, std::string(fn) + ": " + ename + " is backed by a detached ArrayBuffer");
    out.push_back({reinterpret_cast<float*>(base + ta.ByteOffset()), static_cast<int64_t>(ta.ElementLength())});
  }
  return out;
}

// globalGradNorm(grads) -> { norm, sumSq, nonFiniteIndex }
Napi::Value global_norm(const Napi::CallbackInfo& cb) {
  const char* fn = "globalGradNorm";
  Napi::Env env = cb.Env();
  auto list = array_list(cb, 0, fn, "grads");
  const int64_t count = static_cast<int64_t>(list.size());
  std::vector<const float*> ptrs(count);
  std::vector<int64_t> lens(count);
  for (int64_t i = 0; i < count; ++i) {
    ptrs[i] = list[i].data;
    lens[i] = list[i].length;
  }
  std::vector<double> per(count, 0.0);
  double (*block)(const float*, int64_t) = ref::grad_sumsq_block;
  switch (active_isa()) {
#if defined(FLASHLM_HAVE_X86)
    case Isa::avx512: block = avx512::grad_sumsq_block; break;
    case Isa::avx2: block = avx2::grad_sumsq_block; break;
#endif
#if defined(FLASHLM_HAVE_NEON)
    case Isa::neon: block = neon::grad_sumsq_block; break;
#endif
    default: break;
  }
  grad_sumsq(ptrs.data(), lens.data(), count, per.data(), block);
  double total = 0.0;
  int64_t bad = -1;
  for (int64_t i = 0; i < count; ++i) {
    total += per[i];
    if (bad < 0 && !std::isfinite(per[i])) bad = i;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("norm", std::sqrt(total));
  o.Set("sumSq", total);
  o.Set("nonFiniteIndex", static_cast<double>(bad));
  return o;
}

// scaleGrads(grads, scale): every array multiplied in place (the global-norm clip).
Napi::Value scale_grads(const Napi::CallbackInfo& cb) {
  const char* fn = "scaleGrads";
  Napi::Env env = cb.Env();
  auto list = array_list(cb, 0, fn, "grads");
  const float s = static_cast<float>(number_arg(cb, 1, fn, "scale"));
  for (auto& a : list) {
    switch (active_isa()) {
#if defined(FLASHLM_HAVE_X86)
      case Isa::avx512: avx512::grad_scale_inplace(a.data, a.length, s); break;
      case Isa::avx2: avx2::grad_scale_inplace(a.data, a.length, s); break;
#endif
#if defined(FLASHLM_HAVE_NEON)
      case Isa::neon: neon::grad_scale_inplace(a.data, a.length, s); break;
#endif
      default: ref::grad_scale_inplace(a.data, a.length, s);
    }
  }
  return env.Undefined();
}

}  // namespace

void register_optim(Napi::Env env, Napi::Object exports) {
  exports.Set("adamwStep", Napi::Function::New(env, adamw, "adamwStep"));
  exports.Set("sgdStep", Napi::Function::New(env, sgd, "sgdStep"));
  exports.Set("globalGradNorm", Napi::Function::New(env, global_norm, "globalGradNorm"));
  exports.Set("scaleGrads", Napi::Function::New(env, scale_grads, "scaleGrads"));
}

}  // namespace flashlm
