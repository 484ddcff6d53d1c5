// Scalar reference for the norm family (the oracle the SIMD kernels are tested against): plain loops
// with float64 row statistics. Contracts in norm.h.
#include <cmath>

#include "kernels/norm/norm.h"

namespace flashlm {

void rmsnorm_forward_ref(const float* x, const float* g, float* y, float* rstd, int64_t R, int64_t C, float eps) {
  for (int64_t r = 0; r < R; r++) {
    const float* xr = x + r * C;
    double ss = 0;
    for (int64_t j = 0; j < C; j++) ss += static_cast<double>(xr[j]) * xr[j];
    const double rs = 1.0 / std::sqrt(ss / static_cast<double>(C) + eps);
    rstd[r] = static_cast<float>(rs);
    for (int64_t j = 0; j < C; j++) y[r * C + j] = static_cast<float>(xr[j] * rs * g[j]);
  }
}

void rmsnorm_backward_ref(const float* x, const float* g, const float* rstd, const float* dy, float* dx,
                          float* dg_acc, int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; r++) {
    const float *xr = x + r * C, *dyr = dy + r * C;
    const double rs = rstd[r];
    double dot = 0;
    for (int64_t j = 0; j < C; j++) dot += static_cast<double>(g[j]) * dyr[j] * xr[j];
    const double k = rs * rs * rs * dot / static_cast<double>(C);
    for (int64_t j = 0; j < C; j++) dx[r * C + j] = static_cast<float>(rs * g[j] * dyr[j] - k * xr[j]);
    if (dg_acc)
      for (int64_t j = 0; j < C; j++) dg_acc[j] += static_cast<float>(static_cast<double>(dyr[j]) * xr[j] * rs);
  }
}

void layernorm_forward_ref(const float* x, const float* w, const float* b, float* y, float* mean, float* rstd,
                           int64_t R, int64_t C, float eps) {
  for (int64_t r = 0; r < R; r++) {
    const float* xr = x + r * C;
    double s = 0;
    for (int64_t j = 0; j < C; j++) s += xr[j];
    const double mu = s / static_cast<double>(C);
    double v = 0;
    for (int64_t j = 0; j < C; j++) v += (xr[j] - mu) * (xr[j] - mu);
    const double rs = 1.0 / std::sqrt(v / static_cast<double>(C) + eps);
    mean[r] = static_cast<float>(mu);
    rstd[r] = static_cast<float>(rs);
    for (int64_t j = 0; j < C; j++)
      y[r * C + j] = static_cast<float>((xr[j] - mu) * rs * (w ? w[j] : 1.0f) + (b ? b[j] : 0.0f));
  }
}

void layernorm_backward_ref(const float* x, const float* w, const float* mean, const float* rstd, const float* dy,
                            float* dx, float* dw_acc, float* db_acc, int64_t R, int64_t C) {
  for (int64_t r = 0; r < R; r++) {
    const float *xr = x + r * C, *dyr = dy + r * C;
    const double mu = mean[r], rs = rstd[r];
    double sg = 0, sgx = 0;
    for (int64_t j = 0; j < C; j++) {
      const double xhat = (xr[j] - mu) * rs, gj = static_cast<double>(dyr[j]) * (w ? w[j] : 1.0f);
      sg += gj;
      sgx += gj * xhat;
    }
    sg /= static_cast<double>(C);
    sgx /= static_cast<double>(C);
    for (int64_t j = 0; j < C; j++) {
      const double xhat = (xr[j] - mu) * rs, gj = static_cast<double>(dyr[j]) * (w ? w[j] : 1.0f);
      dx[r * C + j] = static_cast<float>(rs * (gj - sg - xhat * sgx));
      if (dw_acc) dw_acc[j] += static_cast<float>(dyr[j] * xhat);
      if (db_acc) db_acc[j] += dyr[j];
    }
  }
}

}  // namespace flashlm
