// Attention for incremental decoding over a KV cache: the t new positions' keys and values are
// appended to the cache, then each new query attends over every cached position up to its own.
// One portable implementation (the compiler vectorises the D-long loops, the dot products through
// explicit partial sums): at decode time the work is t·P·D per head, small next to the projections.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/attention/attention.h"
#include "threads.h"

namespace flashlm {

namespace {

// q·k over one head. Eight independent partial sums (lane l takes d ≡ l mod 8), added pairwise at the
// end: the compiler turns the lanes into vector registers, where one running sum would be a chain of
// D dependent adds (the score loop is most of a decode step's attention time).
inline float dot(const float* __restrict a, const float* __restrict b, int64_t D) {
  float s[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  int64_t d = 0;
  for (; d + 8 <= D; d += 8)
    for (int l = 0; l < 8; ++l) s[l] += a[d + l] * b[d + l];
  for (int l = 0; d < D; ++d, ++l) s[l] += a[d] * b[d];
  return ((s[0] + s[4]) + (s[1] + s[5])) + ((s[2] + s[6]) + (s[3] + s[7]));
}

// Scores and the output accumulator per thread, kept between calls.
thread_local std::vector<float> t_scores, t_acc;

float* grow(std::vector<float>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
  return v.data();
}

}  // namespace

void attention_decode(const float* q, const float* k_new, const float* v_new, float* k_cache, float* v_cache,
                      float* o, int64_t B, int64_t t, int64_t H, int64_t D, int64_t start, int64_t capacity,
                      float scale) {
  const int64_t C = H * D;
  // Append the new keys and values: cache rows start .. start+t−1 of each sequence.
  for (int64_t b = 0; b < B; ++b) {
    std::memcpy(k_cache + (b * capacity + start) * C, k_new + b * t * C, sizeof(float) * t * C);
    std::memcpy(v_cache + (b * capacity + start) * C, v_new + b * t * C, sizeof(float) * t * C);
  }
  const int64_t keys_max = start + t;
  // Work units: one (sequence, head) pair each; the sums run in a fixed order, so the result does not
  // depend on the thread count. A second thread only pays for itself past ~32K multiply-adds a share.
  const int64_t min_units = std::max<int64_t>(1, (INT64_C(1) << 15) / std::max<int64_t>(1, keys_max * D * t));
  parallel_for(B * H, min_units, [&](int64_t begin, int64_t end) {
    // This share is heads [h0, h1) of sequences begin/H .. (end−1)/H. Keys are walked in the outer
    // loop, all of the share's heads at once, so each cached row is read front to back (one stream,
    // which the prefetchers follow) instead of one D-long piece per head at a C-float stride.
    for (int64_t b = begin / H; b * H < end; ++b) {
      const int64_t h0 = std::max<int64_t>(begin - b * H, 0), h1 = std::min<int64_t>(end - b * H, H), nh = h1 - h0;
      float* scores = grow(t_scores, nh * keys_max);
      float* acc = grow(t_acc, nh * D);
      const float* kc = k_cache + b * capacity * C + h0 * D;
      const float* vc = v_cache + b * capacity * C + h0 * D;
      for (int64_t i = 0; i < t; ++i) {
        const float* qi = q + (b * t + i) * C + h0 * D;
        const int64_t keys = start + i + 1;
        for (int64_t j = 0; j < keys; ++j) {
          const float* kj = kc + j * C;
          for (int64_t h = 0; h < nh; ++h) scores[h * keys + j] = dot(qi + h * D, kj + h * D, D) * scale;
        }
        float* oi = o + (b * t + i) * C + h0 * D;
        for (int64_t h = 0; h < nh; ++h) {
          float* sh = scores + h * keys;
          float mx = -INFINITY;
          for (int64_t j = 0; j < keys; ++j) mx = std::max(mx, sh[j]);
          float denom = 0.f;
          for (int64_t j = 0; j < keys; ++j) {
            sh[j] = std::exp(sh[j] - mx);
            denom += sh[j];
          }
          oi[h * D] = 1.f / denom;  // parked here until the sums below are done
        }
        // o = Σ_j p_j·v_j per head, keys in order for every element.
        std::fill(acc, acc + nh * D, 0.f);
        for (int64_t j = 0; j < keys; ++j) {
          const float* vj = vc + j * C;
          for (int64_t h = 0; h < nh; ++h) {
            const float p = scores[h * keys + j];
            float* ah = acc + h * D;
            const float* vh = vj + h * D;
            for (int64_t d = 0; d < D; ++d) ah[d] += p * vh[d];
          }
        }
        for (int64_t h = 0; h < nh; ++h) {
          const float inv = oi[h * D];
          for (int64_t d = 0; d < D; ++d) oi[h * D + d] = acc[h * D + d] * inv;
        }
      }
    }
  });
}

}  // namespace flashlm
