// Scalar reference for the optim family: AdamW and SGD-momentum in PyTorch's float32 operation order
// (the oracle for the SIMD versions), the float64 sum of squares, and the clip scale. Also the shared
// scalar set-up and the deterministic multi-array norm driver.
//
// PyTorch order (torch/optim/adamw.py, _single_tensor_adamw, CPU float32):
//   param.mul_(1 - lr*wd); exp_avg.lerp_(grad, 1-beta1); exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
//   denom = exp_avg_sq.sqrt() / sqrt(1-beta2^t) + eps; param.addcdiv_(exp_avg, denom, value=-lr/(1-beta1^t))
// with lerp(a, b, w) = a + w*(b-a) for w < 0.5, else b - (b-a)*(1-w); addcmul = a + (value*t1)*t2;
// addcdiv = a + (value*t1)/t2. The bias corrections are Python floats (float64). PyTorch's vectorised
// lerp fuses a + w*(b-a) with an FMA; we do not, so results can differ from it by an ulp per step.
#include "kernels/optim/optim.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "threads.h"

// Keep every multiply and add separately rounded, as PyTorch's float32 op sequence is: a fused
// multiply-add here would change the last bit of the update (and differ between ISAs).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace flashlm {

AdamWScalars adamw_scalars(double lr, double beta1, double beta2, double eps, double weight_decay, int64_t step,
                           double grad_scale) {
  AdamWScalars s;
  const double t = static_cast<double>(step);
  s.grad_scale = static_cast<float>(grad_scale);
  s.decay = static_cast<float>(1.0 - lr * weight_decay);
  s.w1 = static_cast<float>(1.0 - beta1);
  s.beta2 = static_cast<float>(beta2);
  s.c2 = static_cast<float>(1.0 - beta2);
  s.bc2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(beta2, t)));
  s.eps = static_cast<float>(eps);
  s.neg_step = static_cast<float>(-(lr / (1.0 - std::pow(beta1, t))));
  return s;
}

namespace {
// Element-wise kernels: 64K elements per chunk keeps tiny tensors on the calling thread. The updates
// do not poll the interrupt flag: a half-applied step would leave the optimizer state inconsistent.
constexpr int64_t kMinChunk = 65536;
}  // namespace

namespace ref {

void adamw_step(float* p, const float* g, float* m, float* v, int64_t n, const AdamWScalars& s) {
  const bool small_w = s.w1 < 0.5f;
  const float one_minus_w1 = 1.0f - s.w1;
  parallel_for(n, kMinChunk, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const float gi = s.grad_scale == 1.0f ? g[i] : g[i] * s.grad_scale;
      const float pi = p[i] * s.decay;
      const float d = gi - m[i];
      const float mi = small_w ? m[i] + s.w1 * d : gi - d * one_minus_w1;
      const float vi = v[i] * s.beta2 + (s.c2 * gi) * gi;
      const float denom = std::sqrt(vi) / s.bc2_sqrt + s.eps;
      m[i] = mi;
      v[i] = vi;
      p[i] = pi + (s.neg_step * mi) / denom;
    }
  });
}

// torch.optim.SGD (_single_tensor_sgd): g = g + wd*p; buf = g (first) or buf*mu + (1-damp)*g;
// g = nesterov ? g + mu*buf : buf; p = p + (-lr)*g.
void sgd_step(float* p, const float* g, float* buf, int64_t n, const SgdScalars& s) {
  parallel_for(n, kMinChunk, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      float gi = s.grad_scale == 1.0f ? g[i] : g[i] * s.grad_scale;
      if (s.weight_decay != 0.0f) gi = gi + s.weight_decay * p[i];
      if (s.momentum != 0.0f) {
        const float b = s.first ? gi : buf[i] * s.momentum + s.one_minus_dampening * gi;
        buf[i] = b;
        gi = s.nesterov ? gi + s.momentum * b : b;
      }
      p[i] = p[i] + s.neg_lr * gi;
    }
  });
}

double grad_sumsq_block(const float* x, int64_t n) {
  double acc = 0.0;
  for (int64_t i = 0; i < n; ++i) acc += static_cast<double>(x[i]) * x[i];
  return acc;
}

void grad_scale_inplace(float* x, int64_t n, float s) {
  parallel_for(n, kMinChunk, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) x[i] *= s;
  });
}

}  // namespace ref

void grad_sumsq(const float* const* arrays, const int64_t* lengths, int64_t count, double* per_array,
                double (*block)(const float*, int64_t)) {
  // first_block[a]: index of array a's first block in the flat list of blocks.
  std::vector<int64_t> first_block(count + 1, 0);
  for (int64_t a = 0; a < count; ++a)
    first_block[a + 1] = first_block[a] + (lengths[a] + kSumsqBlock - 1) / kSumsqBlock;
  const int64_t nblocks = first_block[count];
  std::vector<double> partial(nblocks, 0.0);
  parallel_for(nblocks, 4, [&](int64_t k0, int64_t k1) {
    // Find the array holding block k0, then walk forward.
    int64_t a = std::upper_bound(first_block.begin(), first_block.end(), k0) - first_block.begin() - 1;
    for (int64_t k = k0; k < k1; ++k) {
      while (k >= first_block[a + 1]) ++a;
      const int64_t start = (k - first_block[a]) * kSumsqBlock;
      partial[k] = block(arrays[a] + start, std::min(kSumsqBlock, lengths[a] - start));
    }
  });
  for (int64_t a = 0; a < count; ++a) {
    double s = 0.0;
    for (int64_t k = first_block[a]; k < first_block[a + 1]; ++k) s += partial[k];
    per_array[a] = s;
  }
}

}  // namespace flashlm
