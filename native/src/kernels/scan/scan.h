// Scan kernel family: causal depthwise 1-D conv (spec S5, v4 k = 8) and cumulative sum/mean along
// time (the v6 planner's causal mean, spec §10 B3). Layout is (B, T, C), channels fastest; the SIMD
// versions vectorise over C. All outputs are overwritten (never accumulated into).
#pragma once
#include <cstdint>

namespace flashlm {

// Largest kernel width the SIMD conv keeps on its stack (the binding rejects larger k).
constexpr int64_t kScanMaxK = 256;

#define FLASHLM_SCAN_DECLS                                                                                  \
  /* y[b,t,c] = sum_{j<K} w[c,j] * x[b, t-K+1+j, c], zeros before t = 0. x, y (B,T,C); w (C,K). */         \
  void causal_conv1d_forward(const float* x, const float* w, float* y, int64_t B, int64_t T, int64_t C,      \
                             int64_t K);                                                                    \
  /* dx (B,T,C) and dw (C,K) from dy (B,T,C); either may be null (not needed). dw is reduced over B and T  \
     per channel in a fixed order (float64 across time blocks), so it does not depend on thread count. */  \
  void causal_conv1d_backward(const float* x, const float* w, const float* dy, float* dx, float* dw,        \
                              int64_t B, int64_t T, int64_t C, int64_t K);                                  \
  /* y[b,t,c] = sum_{s<=t} x[b,s,c] (mean: divided by t+1), running sum in float64. y may equal x. */      \
  void cumsum_forward(const float* x, float* y, int64_t B, int64_t T, int64_t C, bool mean);                 \
  /* dx[b,s,c] = sum_{t>=s} dy[b,t,c] (mean: dy[b,t,c]/(t+1)); reverse running sum in float64. */            \
  void cumsum_backward(const float* dy, float* dx, int64_t B, int64_t T, int64_t C, bool mean);

// The scalar reference (the oracle): same contracts, plain loops.
void causal_conv1d_forward_ref(const float* x, const float* w, float* y, int64_t B, int64_t T, int64_t C,
                               int64_t K);
void causal_conv1d_backward_ref(const float* x, const float* w, const float* dy, float* dx, float* dw, int64_t B,
                                int64_t T, int64_t C, int64_t K);
void cumsum_forward_ref(const float* x, float* y, int64_t B, int64_t T, int64_t C, bool mean);
void cumsum_backward_ref(const float* dy, float* dx, int64_t B, int64_t T, int64_t C, bool mean);

namespace avx2 { FLASHLM_SCAN_DECLS }
namespace avx512 { FLASHLM_SCAN_DECLS }
namespace neon { FLASHLM_SCAN_DECLS }

}  // namespace flashlm
