// Scalar reference for causal attention and RoPE (spec S7): plain loops over flat arrays, the oracle
// the tiled SIMD kernels (simd.h) are tested against. Rows are independent, so the results do not
// depend on the thread count. No intrinsics here.
#include <cmath>
#include <vector>

#include "interrupt.h"
#include "kernels/attention/attention.h"
#include "threads.h"

namespace flashlm {

// q, k, v, o: (B, T, H, D); lse: (B, H, T). Row i of head (b, h) sees keys 0..i.
void attention_forward_ref(const float* q, const float* k, const float* v, float* o, float* lse, int64_t B,
                           int64_t T, int64_t H, int64_t D, float scale) {
  const int64_t C = H * D;
  parallel_for(B * H * T, 64, [&](int64_t begin, int64_t end) {
    std::vector<float> s(T);
    for (int64_t r = begin; r < end; ++r) {
      if (interrupt_requested()) return;
      const int64_t b = r / (H * T), h = (r / T) % H, i = r % T;
      const float* qi = q + (b * T + i) * C + h * D;
      float m = -INFINITY;
      for (int64_t j = 0; j <= i; ++j) {
        const float* kj = k + (b * T + j) * C + h * D;
        float dot = 0.f;
        for (int64_t d = 0; d < D; ++d) dot += qi[d] * kj[d];
        s[j] = dot * scale;
        m = std::fmax(m, s[j]);
      }
      float sum = 0.f;
      for (int64_t j = 0; j <= i; ++j) {
        s[j] = std::exp(s[j] - m);
        sum += s[j];
      }
      float* oi = o + (b * T + i) * C + h * D;
      for (int64_t d = 0; d < D; ++d) oi[d] = 0.f;
      for (int64_t j = 0; j <= i; ++j) {
        const float* vj = v + (b * T + j) * C + h * D;
        const float p = s[j] / sum;
        for (int64_t d = 0; d < D; ++d) oi[d] += p * vj[d];
      }
      lse[(b * H + h) * T + i] = m + std::log(sum);
    }
  });
}

// With P_ij = exp(s_ij − L_i) and Δ_i = dO_i·O_i (= Σ_j P_ij dP_ij):
//   dV_j = Σ_i P_ij dO_i,  dP_ij = dO_i·V_j,  dS_ij = P_ij (dP_ij − Δ_i),
//   dQ_i = scale Σ_j dS_ij K_j,  dK_j = scale Σ_i dS_ij Q_i.
// One task per (b, h): dk/dv of a head are written by that task alone, so there are no races.
void attention_backward_ref(const float* q, const float* k, const float* v, const float* o, const float* lse,
                            const float* dout, float* dq, float* dk, float* dv, int64_t B, int64_t T, int64_t H,
                            int64_t D, float scale) {
  const int64_t C = H * D;
  parallel_for(B * H, 1, [&](int64_t begin, int64_t end) {
    for (int64_t bh = begin; bh < end; ++bh) {
      if (interrupt_requested()) return;
      const int64_t b = bh / H, h = bh % H;
      auto at = [&](int64_t t) { return (b * T + t) * C + h * D; };
      for (int64_t t = 0; t < T; ++t)
        for (int64_t d = 0; d < D; ++d) dq[at(t) + d] = dk[at(t) + d] = dv[at(t) + d] = 0.f;
      for (int64_t i = 0; i < T; ++i) {
        const float *qi = q + at(i), *gi = dout + at(i), *oi = o + at(i);
        float delta = 0.f;
        for (int64_t d = 0; d < D; ++d) delta += gi[d] * oi[d];
        const float L = lse[(b * H + h) * T + i];
        for (int64_t j = 0; j <= i; ++j) {
          const float *kj = k + at(j), *vj = v + at(j);
          float s = 0.f, dp = 0.f;
          for (int64_t d = 0; d < D; ++d) {
            s += qi[d] * kj[d];
            dp += gi[d] * vj[d];
          }
          const float p = std::exp(s * scale - L);
          const float ds = p * (dp - delta) * scale;
          for (int64_t d = 0; d < D; ++d) {
            dv[at(j) + d] += p * gi[d];
            dq[at(i) + d] += ds * kj[d];
            dk[at(j) + d] += ds * qi[d];
          }
        }
      }
    }
  });
}

void attention_probs_ref(const float* q, const float* k, float* p, int64_t B, int64_t T, int64_t H, int64_t D,
                         float scale) {
  const int64_t C = H * D;
  parallel_for(B * H * T, 64, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t b = r / (H * T), h = (r / T) % H, i = r % T;
      const float* qi = q + (b * T + i) * C + h * D;
      float* pi = p + r * T;  // r = (b·H + h)·T + i
      float m = -INFINITY;
      for (int64_t j = 0; j <= i; ++j) {
        const float* kj = k + (b * T + j) * C + h * D;
        float dot = 0.f;
        for (int64_t d = 0; d < D; ++d) dot += qi[d] * kj[d];
        pi[j] = dot * scale;
        m = std::fmax(m, pi[j]);
      }
      float sum = 0.f;
      for (int64_t j = 0; j <= i; ++j) sum += (pi[j] = std::exp(pi[j] - m));
      for (int64_t j = 0; j <= i; ++j) pi[j] /= sum;
      for (int64_t j = i + 1; j < T; ++j) pi[j] = 0.f;
    }
  });
}

void rope_table_ref(float* cos_t, float* sin_t, int64_t P, int64_t D, double base) {
  const int64_t half = D / 2;
  for (int64_t i = 0; i < half; ++i) {
    const double inv_freq = std::pow(base, -2.0 * static_cast<double>(i) / static_cast<double>(D));
    for (int64_t p = 0; p < P; ++p) {
      const double angle = static_cast<double>(p) * inv_freq;
      cos_t[p * half + i] = static_cast<float>(std::cos(angle));
      sin_t[p * half + i] = static_cast<float>(std::sin(angle));
    }
  }
}

// Rotate-half pairing: element i pairs with i + D/2. The inverse rotation negates the angle.
void rope_ref(const float* x, float* y, const float* cos_t, const float* sin_t, int64_t B, int64_t T, int64_t H,
              int64_t D, int64_t pos0, bool inverse) {
  const int64_t half = D / 2;
  const float sign = inverse ? -1.f : 1.f;
  parallel_for(B * T, 16, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t t = r % T;
      const float *c = cos_t + (pos0 + t) * half, *s = sin_t + (pos0 + t) * half;
      for (int64_t h = 0; h < H; ++h) {
        const float* xr = x + (r * H + h) * D;
        float* yr = y + (r * H + h) * D;
        for (int64_t i = 0; i < half; ++i) {
          const float x1 = xr[i], x2 = xr[i + half], sn = sign * s[i];
          yr[i] = x1 * c[i] - x2 * sn;
          yr[i + half] = x2 * c[i] + x1 * sn;
        }
      }
    }
  });
}

}  // namespace flashlm
