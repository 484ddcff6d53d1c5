// Scalar reference for the scan family (the oracle for the SIMD versions): causal depthwise conv and
// cumulative sum/mean along time. Plain loops over (B, T, C); float64 accumulation throughout.
#include <algorithm>

#include "interrupt.h"
#include "kernels/scan/scan.h"
#include "threads.h"

namespace flashlm {

namespace {
// Channels per cumsum work item: the running sums live in a stack array of this many doubles.
constexpr int64_t kCumChunk = 256;
}  // namespace

void causal_conv1d_forward_ref(const float* x, const float* w, float* y, int64_t B, int64_t T, int64_t C,
                               int64_t K) {
  const int64_t min_rows = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, C * K));
  parallel_for(B * T, min_rows, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      if (interrupt_requested()) return;
      const int64_t t = r % T;
      const float* xrow = x + r * C;  // row (b, t); row (b, t - d) is xrow - d*C
      for (int64_t c = 0; c < C; ++c) {
        double acc = 0.0;
        for (int64_t j = std::max<int64_t>(0, K - 1 - t); j < K; ++j)
          acc += static_cast<double>(w[c * K + j]) * xrow[(j - (K - 1)) * C + c];
        y[r * C + c] = static_cast<float>(acc);
      }
    }
  });
}

// One channel per work item, so dw[c, :] is summed over (b, t) in the same order for any thread count.
void causal_conv1d_backward_ref(const float* x, const float* w, const float* dy, float* dx, float* dw, int64_t B,
                                int64_t T, int64_t C, int64_t K) {
  const int64_t min_ch = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, B * T * K));
  parallel_for(C, min_ch, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      if (interrupt_requested()) return;
      const float* wc = w + c * K;
      for (int64_t j = 0; dw != nullptr && j < K; ++j) {
        double acc = 0.0;
        for (int64_t b = 0; b < B; ++b)
          for (int64_t t = K - 1 - j; t < T; ++t)  // x index t-K+1+j >= 0
            acc += static_cast<double>(dy[(b * T + t) * C + c]) * x[(b * T + t - K + 1 + j) * C + c];
        dw[c * K + j] = static_cast<float>(acc);
      }
      if (dx == nullptr) continue;
      // y[t] uses x[t-K+1+j] with weight w[j], so dx[s] = sum_j w[j] * dy[s+K-1-j] for s+K-1-j < T.
      for (int64_t b = 0; b < B; ++b)
        for (int64_t s = 0; s < T; ++s) {
          double acc = 0.0;
          for (int64_t j = 0; j < K; ++j) {
            const int64_t t = s + K - 1 - j;
            if (t < T) acc += static_cast<double>(wc[j]) * dy[(b * T + t) * C + c];
          }
          dx[(b * T + s) * C + c] = static_cast<float>(acc);
        }
    }
  });
}

void cumsum_forward_ref(const float* x, float* y, int64_t B, int64_t T, int64_t C, bool mean) {
  const int64_t chunks = (C + kCumChunk - 1) / kCumChunk;
  parallel_for(B * chunks, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, T * std::min(C, kCumChunk))),
               [&](int64_t i0, int64_t i1) {
                 for (int64_t i = i0; i < i1; ++i) {
                   if (interrupt_requested()) return;
                   const int64_t b = i / chunks, c0 = (i % chunks) * kCumChunk, n = std::min(kCumChunk, C - c0);
                   double acc[kCumChunk] = {};
                   for (int64_t t = 0; t < T; ++t) {
                     const int64_t base = (b * T + t) * C + c0;
                     const double inv = 1.0 / static_cast<double>(t + 1);
                     for (int64_t c = 0; c < n; ++c) {
                       acc[c] += x[base + c];  // read before the write below: y may alias x
                       y[base + c] = static_cast<float>(mean ? acc[c] * inv : acc[c]);
                     }
                   }
                 }
               });
}

void cumsum_backward_ref(const float* dy, float* dx, int64_t B, int64_t T, int64_t C, bool mean) {
  const int64_t chunks = (C + kCumChunk - 1) / kCumChunk;
  parallel_for(B * chunks, std::max<int64_t>(1, 65536 / std::max<int64_t>(1, T * std::min(C, kCumChunk))),
               [&](int64_t i0, int64_t i1) {
                 for (int64_t i = i0; i < i1; ++i) {
                   if (interrupt_requested()) return;
                   const int64_t b = i / chunks, c0 = (i % chunks) * kCumChunk, n = std::min(kCumChunk, C - c0);
                   double acc[kCumChunk] = {};
                   for (int64_t t = T - 1; t >= 0; --t) {
                     const int64_t base = (b * T + t) * C + c0;
                     const double inv = 1.0 / static_cast<double>(t + 1);
                     for (int64_t c = 0; c < n; ++c) {
                       acc[c] += mean ? dy[base + c] * inv : static_cast<double>(dy[base + c]);
                       dx[base + c] = static_cast<float>(acc[c]);
                     }
                   }
                 }
               });
}

}  // namespace flashlm
