// Attention for incremental decoding over a KV cache: the t new positions' keys and values are
// appended to the cache, then each new query attends over every cached position up to its own.
// One portable implementation (the compiler vectorises the D-long loops): at decode time the work is
// t·P·D per head, small next to the projections, so per-ISA versions would not pay for themselves.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/attention/attention.h"
#include "threads.h"

namespace flashlm {

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
  // depend on the thread count.
  parallel_for(B * H, 1, [&](int64_t begin, int64_t end) {
    std::vector<float> scores(static_cast<size_t>(keys_max));
    std::vector<float> acc(static_cast<size_t>(D));
    for (int64_t unit = begin; unit < end; ++unit) {
      const int64_t b = unit / H, h = unit % H;
      const float* kc = k_cache + b * capacity * C + h * D;
      const float* vc = v_cache + b * capacity * C + h * D;
      for (int64_t i = 0; i < t; ++i) {
        const float* qi = q + (b * t + i) * C + h * D;
        const int64_t keys = start + i + 1;
        float mx = -INFINITY;
        for (int64_t j = 0; j < keys; ++j) {
          const float* kj = kc + j * C;
          float s = 0.f;
          for (int64_t d = 0; d < D; ++d) s += qi[d] * kj[d];
          s *= scale;
          scores[j] = s;
          mx = std::max(mx, s);
        }
        float denom = 0.f;
        for (int64_t j = 0; j < keys; ++j) {
          scores[j] = std::exp(scores[j] - mx);
          denom += scores[j];
        }
        std::fill(acc.begin(), acc.end(), 0.f);
        for (int64_t j = 0; j < keys; ++j) {
          const float* vj = vc + j * C;
          const float p = scores[j];
          for (int64_t d = 0; d < D; ++d) acc[d] += p * vj[d];
        }
        float* oi = o + (b * t + i) * C + h * D;
        const float inv = 1.f / denom;
        for (int64_t d = 0; d < D; ++d) oi[d] = acc[d] * inv;
      }
    }
  });
}

}  // namespace flashlm
