// Optim kernel family: fused AdamW and SGD-momentum updates with PyTorch semantics, the float64
// global gradient norm (with a non-finite guard) and an in-place scale for clipping. Element-wise and
// parallel over fixed chunks, so every result is independent of the thread count.
#pragma once
#include <cstdint>

namespace flashlm {

// AdamW scalars, computed once per call in float64 exactly as torch.optim.AdamW does in Python
// (_single_tensor_adamw) and then rounded to float as PyTorch does when a Python number meets a
// float32 tensor. See adamw_scalars() in kernels/optim/ref.cc.
struct AdamWScalars {
  float grad_scale;  // g = grad * grad_scale (1: untouched)
  float decay;       // 1 - lr*weight_decay   (param.mul_)
  float w1;          // 1 - beta1             (exp_avg.lerp_(grad, w1))
  float beta2;       //                       (exp_avg_sq.mul_(beta2)
  float c2;          // 1 - beta2             (         .addcmul_(grad, grad, value=c2))
  float bc2_sqrt;    // sqrt(1 - beta2^t)
  float eps;
  float neg_step;    // -lr / (1 - beta1^t)   (param.addcdiv_(exp_avg, denom, value=neg_step))
};
AdamWScalars adamw_scalars(double lr, double beta1, double beta2, double eps, double weight_decay, int64_t step,
                           double grad_scale);

// torch.optim.SGD scalars (PyTorch semantics: coupled weight decay, buf = grad on the first step).
struct SgdScalars {
  float grad_scale, weight_decay, momentum, one_minus_dampening, neg_lr;
  bool nesterov, first;  // first: the momentum buffer does not exist yet (buf = g)
};

#define FLASHLM_OPTIM_DECLS                                                                        \
  /* In place on p, m, v (n elements each); g is read only. */                                    \
  void adamw_step(float* p, const float* g, float* m, float* v, int64_t n, const AdamWScalars& s); \
  /* In place on p and buf (buf unused when momentum == 0). */                                    \
  void sgd_step(float* p, const float* g, float* buf, int64_t n, const SgdScalars& s);            \
  /* sum of x[i]^2 in float64 over one block (the caller fixes the blocks). */                    \
  double grad_sumsq_block(const float* x, int64_t n);                                                 \
  void grad_scale_inplace(float* x, int64_t n, float s);

namespace ref { FLASHLM_OPTIM_DECLS }
namespace avx2 { FLASHLM_OPTIM_DECLS }
namespace avx512 { FLASHLM_OPTIM_DECLS }
namespace neon { FLASHLM_OPTIM_DECLS }

// Elements per sum-of-squares block: partials are per (array, block) and summed in index order, so
// the norm is bit-identical for any thread count (it may differ between ISAs in the last bits).
constexpr int64_t kSumsqBlock = 16384;

// per_array[a] = sum of squares of arrays[a] in float64 (Inf/NaN when the array holds one), using
// `block` for each kSumsqBlock-element block.
void grad_sumsq(const float* const* arrays, const int64_t* lengths, int64_t count, double* per_array,
                double (*block)(const float*, int64_t));

}  // namespace flashlm
