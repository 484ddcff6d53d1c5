// Softmax family: softmax and log-softmax over the last axis, and fused softmax cross-entropy.
// Inputs are viewed as (R, C) rows (V for the vocabulary in cross-entropy). Every kernel here is
// serial over the rows it is given; bind/softmax.cc splits rows across threads and polls interrupts.
// Declared once per ISA: *_ref (scalar oracle, ref.cc), avx2::*, avx512::*, neon::* (simd_rows.h).
#pragma once
#include <cstdint>

// x, y, dy, dx: (R, C). y may alias x exactly (forward), dx may alias dy exactly (backward).
// A row whose max is -inf (all -inf) gives softmax 0 everywhere and log-softmax -inf everywhere.
// softmax_backward:     dx = y * (dy - sum(dy * y))           (y = softmax output)
// log_softmax_backward: dx = dy - exp(y) * sum(dy)             (y = log-softmax output)
// xent_forward: logits (R, V), targets (R) already validated (in [0, V) or == ignore). Writes
//   lse (R) = logsumexp of the row and losses (R) = lse - logits[t]; both 0 for ignored rows.
// xent_backward: dlogits (R, V) = (exp(logits - lse) - onehot(t)) * scale, zero rows where ignored.
//   dlogits may alias logits exactly.
#define FLASHLM_SOFTMAX_KERNELS(SUFFIX)                                                                    \
  void softmax_forward##SUFFIX(const float* x, float* y, int64_t R, int64_t C);                           \
  void log_softmax_forward##SUFFIX(const float* x, float* y, int64_t R, int64_t C);                       \
  void softmax_backward##SUFFIX(const float* y, const float* dy, float* dx, int64_t R, int64_t C);        \
  void log_softmax_backward##SUFFIX(const float* y, const float* dy, float* dx, int64_t R, int64_t C);    \
  void xent_forward##SUFFIX(const float* logits, const int32_t* targets, int64_t R, int64_t V,            \
                            int32_t ignore, float* lse, float* losses);                                   \
  void xent_backward##SUFFIX(const float* logits, const int32_t* targets, const float* lse, int64_t R,    \
                             int64_t V, int32_t ignore, float scale, float* dlogits);

namespace flashlm {
FLASHLM_SOFTMAX_KERNELS(_ref)
namespace avx2 { FLASHLM_SOFTMAX_KERNELS() }
namespace avx512 { FLASHLM_SOFTMAX_KERNELS() }
namespace neon { FLASHLM_SOFTMAX_KERNELS() }
}  // namespace flashlm
