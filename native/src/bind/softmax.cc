// Bindings for the softmax family (kernels/softmax): softmax / log-softmax forward and backward over
// the last axis, and fused softmax cross-entropy with an ignore index. Validate everything (dtypes,
// lengths, target range) first, then dispatch on active_isa() and split rows across threads.
#include <cmath>
#include <string>

#include "args.h"
#include "bind/registry.h"
#include "dispatch.h"
#include "kernels/softmax/bind_util.h"
#include "kernels/softmax/row_driver.h"
#include "kernels/softmax/softmax.h"

namespace flashlm {

namespace {

struct SoftmaxKernels {
  decltype(&softmax_forward_ref) softmax_forward, log_softmax_forward;
  decltype(&softmax_backward_ref) softmax_backward, log_softmax_backward;
  decltype(&xent_forward_ref) xent_forward;
  decltype(&xent_backward_ref) xent_backward;
};
#define FLASHLM_SOFTMAX_TABLE(P) \
  {P softmax_forward, P log_softmax_forward, P softmax_backward, P log_softmax_backward, P xent_forward, P xent_backward}

const SoftmaxKernels& kernels() {
  static const SoftmaxKernels ref = {softmax_forward_ref, log_softmax_forward_ref, softmax_backward_ref,
                                     log_softmax_backward_ref, xent_forward_ref, xent_backward_ref};
#if defined(FLASHLM_HAVE_X86)
  static const SoftmaxKernels k_avx2 = FLASHLM_SOFTMAX_TABLE(avx2::);
  static const SoftmaxKernels k_avx512 = FLASHLM_SOFTMAX_TABLE(avx512::);
  if (active_isa() == Isa::avx512) return k_avx512;
  if (active_isa() == Isa::avx2) return k_avx2;
#endif
#if defined(FLASHLM_HAVE_NEON)
  static const SoftmaxKernels k_neon = FLASHLM_SOFTMAX_TABLE(neon::);
  if (active_isa() == Isa::neon) return k_neon;
#endif
  return ref;
}

using famargs::rc_note;
using famargs::require_same_or_disjoint;

// (x, y, R, C): y = softmax(x) or log_softmax(x) row-wise.
template <bool kLog>
Napi::Value forward(const Napi::CallbackInfo& info) {
  const char* fn = kLog ? "logSoftmaxForward" : "softmaxForward";
  Napi::Env env = info.Env();
  auto x = array_arg<float>(info, 0, fn, "x");
  auto y = array_arg<float>(info, 1, fn, "y");
  int64_t R = int_arg(info, 2, fn, "R"), C = int_arg(info, 3, fn, "C");
  int64_t n = checked_mul(env, fn, {R, C});
  require_length(env, fn, "x", x.length, n, rc_note("R", R, "C", C));
  require_length(env, fn, "y", y.length, n, rc_note("R", R, "C", C));
  require_same_or_disjoint(env, fn, "x", x, "y", y, n);
  auto k = kLog ? kernels().log_softmax_forward : kernels().softmax_forward;
  rows::for_rows(R, C, [&](int64_t r0, int64_t r1) { k(x.data + r0 * C, y.data + r0 * C, r1 - r0, C); });
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

// (y, dy, dx, R, C): dx from the forward OUTPUT y (probabilities, or log-probabilities when kLog).
template <bool kLog>
Napi::Value backward(const Napi::CallbackInfo& info) {
  const char* fn = kLog ? "logSoftmaxBackward" : "softmaxBackward";
  Napi::Env env = info.Env();
  auto y = array_arg<float>(info, 0, fn, "y");
  auto dy = array_arg<float>(info, 1, fn, "dy");
  auto dx = array_arg<float>(info, 2, fn, "dx");
  int64_t R = int_arg(info, 3, fn, "R"), C = int_arg(info, 4, fn, "C");
  int64_t n = checked_mul(env, fn, {R, C});
  const std::string note = rc_note("R", R, "C", C);
  require_length(env, fn, "y", y.length, n, note);
  require_length(env, fn, "dy", dy.length, n, note);
  require_length(env, fn, "dx", dx.length, n, note);
  require_disjoint(env, fn, "y", y, "dx", dx);
  require_same_or_disjoint(env, fn, "dy", dy, "dx", dx, n);
  auto k = kLog ? kernels().log_softmax_backward : kernels().softmax_backward;
  rows::for_rows(R, C, [&](int64_t r0, int64_t r1) { k(y.data + r0 * C, dy.data + r0 * C, dx.data + r0 * C, r1 - r0, C); });
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

bool parse_reduction(const Napi::CallbackInfo& info, size_t index, const char* fn) {
  std::string red = string_arg(info, index, fn, "reduction");
  if (red != "mean" && red != "sum")
    throw_type_error(info.Env(), std::string(fn) + ": reduction must be 'mean' or 'sum', got '" + red + "'");
  return red == "mean";
}

// Every target must be in [0, V) or equal ignoreIndex; returns how many are not ignored.
int64_t check_targets(Napi::Env env, const char* fn, const int32_t* t, int64_t R, int64_t V, int32_t ignore) {
  int64_t count = 0;
  for (int64_t r = 0; r < R; r++) {
    if (t[r] == ignore) continue;
    if (t[r] < 0 || t[r] >= V)
      throw_range_error(env, std::string(fn) + ": targets[" + std::to_string(r) + "] = " + std::to_string(t[r]) +
                                 " is out of range [0, " + std::to_string(V) + ") and is not ignoreIndex (" +
                                 std::to_string(ignore) + ")");
    count++;
  }
  return count;
}

struct XentArgs {
  ArrayArg<float> logits;
  ArrayArg<int32_t> targets;
  ArrayArg<float> lse;
  ArrayArg<float> out;  // losses (forward, may be absent) or dlogits (backward)
  int64_t R, V;
  int32_t ignore;
  bool mean;
  int64_t count;
};

// (logits, targets, lse, out, R, V, ignoreIndex, reduction): shared argument checks.
XentArgs xent_args(const Napi::CallbackInfo& info, const char* fn, bool backward) {
  Napi::Env env = info.Env();
  XentArgs a;
  a.logits = array_arg<float>(info, 0, fn, "logits");
  a.targets = array_arg<int32_t>(info, 1, fn, "targets");
  a.lse = array_arg<float>(info, 2, fn, "lse");
  a.out = backward ? array_arg<float>(info, 3, fn, "dlogits") : famargs::optional_f32(info, 3, fn, "losses");
  a.R = int_arg(info, 4, fn, "R");
  a.V = int_arg(info, 5, fn, "V", 1, INT32_MAX);
  a.ignore = static_cast<int32_t>(int_arg(info, 6, fn, "ignoreIndex", INT32_MIN, INT32_MAX));
  a.mean = parse_reduction(info, 7, fn);
  int64_t n = checked_mul(env, fn, {a.R, a.V});
  require_length(env, fn, "logits", a.logits.length, n, rc_note("R", a.R, "V", a.V));
  require_length(env, fn, "targets", a.targets.length, a.R, "R");
  require_length(env, fn, "lse", a.lse.length, a.R, "R");
  if (backward) {
    require_length(env, fn, "dlogits", a.out.length, n, rc_note("R", a.R, "V", a.V));
    require_same_or_disjoint(env, fn, "logits", a.logits, "dlogits", a.out, n);
    require_disjoint(env, fn, "lse", a.lse, "dlogits", a.out);
    require_disjoint(env, fn, "targets", a.targets, "dlogits", a.out);
  } else {
    require_disjoint(env, fn, "logits", a.logits, "lse", a.lse);
    if (a.out.data) {
      require_length(env, fn, "losses", a.out.length, a.R, "R");
      require_disjoint(env, fn, "logits", a.logits, "losses", a.out);
      require_disjoint(env, fn, "lse", a.lse, "losses", a.out);
    }
  }
  a.count = check_targets(env, fn, a.targets.data, a.R, a.V, a.ignore);
  return a;
}

// -> {loss, count}. loss is the mean (or sum) of the per-row losses over non-ignored rows, summed in
// float64 in row order. With every row ignored: loss 0 and count 0 (PyTorch's mean gives NaN; a
// fully padded batch should not poison training), and the backward gives zero gradients.
Napi::Value xent_forward(const Napi::CallbackInfo& info) {
  const char* fn = "crossEntropyForward";
  Napi::Env env = info.Env();
  XentArgs a = xent_args(info, fn, false);
  thread_local std::vector<float> scratch;  // per-row losses when the caller does not want them
  float* losses = a.out.data;
  if (!losses) {
    scratch.resize(static_cast<size_t>(a.R));
    losses = scratch.data();
  }
  auto k = kernels().xent_forward;
  rows::for_rows(a.R, a.V, [&](int64_t r0, int64_t r1) {
    k(a.logits.data + r0 * a.V, a.targets.data + r0, r1 - r0, a.V, a.ignore, a.lse.data + r0, losses + r0);
  });
  throw_if_interrupted(env, fn);
  double total = 0;
  for (int64_t r = 0; r < a.R; r++) total += losses[r];
  if (a.mean) total = a.count > 0 ? total / static_cast<double>(a.count) : 0.0;
  Napi::Object o = Napi::Object::New(env);
  o.Set("loss", total);
  o.Set("count", static_cast<double>(a.count));
  return o;
}

// (logits, targets, lse, dlogits, R, V, ignoreIndex, reduction, gradScale): dlogits = (softmax -
// onehot) * gradScale / count ('mean') or * gradScale ('sum'), using lse saved by the forward.
Napi::Value xent_backward(const Napi::CallbackInfo& info) {
  const char* fn = "crossEntropyBackward";
  Napi::Env env = info.Env();
  XentArgs a = xent_args(info, fn, true);
  double g = number_arg(info, 8, fn, "gradScale");
  float scale = static_cast<float>(a.mean ? (a.count > 0 ? g / static_cast<double>(a.count) : 0.0) : g);
  auto k = kernels().xent_backward;
  rows::for_rows(a.R, a.V, [&](int64_t r0, int64_t r1) {
    k(a.logits.data + r0 * a.V, a.targets.data + r0, a.lse.data + r0, r1 - r0, a.V, a.ignore, scale,
      a.out.data + r0 * a.V);
  });
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

}  // namespace

void register_softmax(Napi::Env env, Napi::Object exports) {
  exports.Set("softmaxForward", Napi::Function::New(env, forward<false>, "softmaxForward"));
  exports.Set("logSoftmaxForward", Napi::Function::New(env, forward<true>, "logSoftmaxForward"));
  exports.Set("softmaxBackward", Napi::Function::New(env, backward<false>, "softmaxBackward"));
  exports.Set("logSoftmaxBackward", Napi::Function::New(env, backward<true>, "logSoftmaxBackward"));
  exports.Set("crossEntropyForward", Napi::Function::New(env, xent_forward, "crossEntropyForward"));
  exports.Set("crossEntropyBackward", Napi::Function::New(env, xent_backward, "crossEntropyBackward"));
}

}  // namespace flashlm
