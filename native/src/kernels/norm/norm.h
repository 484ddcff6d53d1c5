// Norm family: RMSNorm (spec S2) and LayerNorm (PyTorch semantics: biased variance, optional affine
// weight and bias) over the last axis, forward and backward. x, y, dy, dx are (R, C); weight/bias (C);
// the saved statistics mean/rstd are (R). Kernels are serial over the rows given; bind/norm.cc splits
// rows across threads and reduces dweight/dbias over fixed row blocks.
// Declared once per ISA: *_ref (scalar oracle, ref.cc), avx2::*, avx512::*, neon::* (simd_rows.h).
#pragma once
#include <cstdint>

// rmsnorm_forward:   rstd = 1/sqrt(mean(x^2) + eps); y = x * rstd * g.           y may alias x exactly.
// rmsnorm_backward:  dx = rstd*g*dy - x * rstd^3 * sum(g*dy*x)/C; dg_acc += dy*x*rstd (if non-null).
// layernorm_forward: mean, rstd = 1/sqrt(var + eps) (var biased); y = (x-mean)*rstd*w + b, where a
//                    null w means 1 and a null b means 0.                         y may alias x exactly.
// layernorm_backward: xhat = (x-mean)*rstd, g = dy*w; dx = rstd*(g - mean(g) - xhat*mean(g*xhat));
//                    dw_acc += dy*xhat, db_acc += dy (each if non-null).
// The *_acc outputs ACCUMULATE (the binding hands each row block its own zeroed slice).
#define FLASHLM_NORM_KERNELS(SUFFIX)                                                                           \
  void rmsnorm_forward##SUFFIX(const float* x, const float* g, float* y, float* rstd, int64_t R, int64_t C,     \
                               float eps);                                                                     \
  void rmsnorm_backward##SUFFIX(const float* x, const float* g, const float* rstd, const float* dy, float* dx, \
                                float* dg_acc, int64_t R, int64_t C);                                          \
  void layernorm_forward##SUFFIX(const float* x, const float* w, const float* b, float* y, float* mean,       \
                                 float* rstd, int64_t R, int64_t C, float eps);                                \
  void layernorm_backward##SUFFIX(const float* x, const float* w, const float* mean, const float* rstd,       \
                                  const float* dy, float* dx, float* dw_acc, float* db_acc, int64_t R,         \
                                  int64_t C);

namespace flashlm {
FLASHLM_NORM_KERNELS(_ref)
namespace avx2 { FLASHLM_NORM_KERNELS() }
namespace avx512 { FLASHLM_NORM_KERNELS() }
namespace neon { FLASHLM_NORM_KERNELS() }
}  // namespace flashlm
