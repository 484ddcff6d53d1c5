// Scalar reference for the softmax family (the oracle the SIMD kernels are tested against): plain
// loops, float64 accumulation and libm exp/log. Contracts in softmax.h.
#include <cmath>
#include <limits>

#include "kernels/softmax/softmax.h"

namespace flashlm {

namespace {
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

float row_max(const float* x, int64_t C) {
  float m = kNegInf;
  for (int64_t j = 0; j < C; j++) m = x[j] > m ? x[j] : m;
  return m;
}

// log(sum(exp(x - m))) + m in double; -inf for an all -inf row.
double row_logsumexp(const float* x, int64_t C) {
  float m = row_max(x, C);
  if (m == kNegInf) return -std::numeric_limits<double>::infinity();
  double s = 0;
  for (int64_t j = 0; j < C; j++) s += std::exp(static_cast<double>(x[j]) - m);
  return m + std::log(s);
}
}  // namespace

void softmax_forward_ref(const float* x, float* y, int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; r++) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    double lse = row_logsumexp(xr, C);
    for (int64_t j = 0; j < C; j++)
      yr[j] = std::isinf(lse) && lse < 0 ? 0.0f : static_cast<float>(std::exp(xr[j] - lse));
  }
}

void log_softmax_forward_ref(const float* x, float* y, int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; r++) {
    const float* xr = x + r * C;
    float* yr = y + r * C;
    double lse = row_logsumexp(xr, C);
    for (int64_t j = 0; j < C; j++) yr[j] = std::isinf(lse) && lse < 0 ? kNegInf : static_cast<float>(xr[j] - lse);
  }
}

void softmax_backward_ref(const float* y, const float* dy, float* dx, int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; r++) {
    const float *yr = y + r * C, *dyr = dy + r * C;
    double dot = 0;
    for (int64_t j = 0; j < C; j++) dot += static_cast<double>(dyr[j]) * yr[j];
    for (int64_t j = 0; j < C; j++) dx[r * C + j] = static_cast<float>(yr[j] * (dyr[j] - dot));
  }
}

void log_softmax_backward_ref(const float* y, const float* dy, float* dx, int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; r++) {
    const float *yr = y + r * C, *dyr = dy + r * C;
    double s = 0;
    for (int64_t j = 0; j < C; j++) s += dyr[j];
    for (int64_t j = 0; j < C; j++) dx[r * C + j] = static_cast<float>(dyr[j] - std::exp(static_cast<double>(yr[j])) * s);
  }
}

void xent_forward_ref(const float* logits, const int32_t* targets, int64_t R, int64_t V, int32_t ignore,
                      float* lse, float* losses) {
  for (int64_t r = 0; r < R; r++) {
    if (targets[r] == ignore) {
      lse[r] = 0;
      losses[r] = 0;
      continue;
    }
    const float* xr = logits + r * V;
    double l = row_logsumexp(xr, V);
    lse[r] = static_cast<float>(l);
    losses[r] = static_cast<float>(l - xr[targets[r]]);
  }
}

void xent_backward_ref(const float* logits, const int32_t* targets, const float* lse, int64_t R, int64_t V,
                       int32_t ignore, float scale, float* dlogits) {
  for (int64_t r = 0; r < R; r++) {
    const float* xr = logits + r * V;
    float* dr = dlogits + r * V;
    int32_t t = targets[r];
    if (t == ignore) {
      for (int64_t j = 0; j < V; j++) dr[j] = 0;
      continue;
    }
    for (int64_t j = 0; j < V; j++)
      dr[j] = static_cast<float>((std::exp(static_cast<double>(xr[j]) - lse[r]) - (j == t ? 1.0 : 0.0)) * scale);
  }
}

}  // namespace flashlm
