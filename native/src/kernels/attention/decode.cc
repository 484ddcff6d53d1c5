// Attention for incremental decoding over a KV cache: the t new positions' keys and values are
// appended to the cache, then each new query attends over every cached position up to its own.
// One unit of work is one (sequence, head) pair; per query the ISA kernel attn_decode_head (simd.h)
// does the arithmetic, or head_ref below where no vector ISA is active. The caches are per head, keys
// in transposed tiles (attention.h), so a query reads its head's keys and values as two streams.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "dispatch.h"
#include "kernels/attention/attention.h"
#include "threads.h"

namespace flashlm {

namespace {

using DecodeHead = void (*)(const float*, const float*, const float*, float*, int64_t, int64_t, float, float*);

// The portable version of attn_decode_head (same contract): the scalar ISA's kernel and the
// fallback where a vector one is not compiled. scratch: keys floats.
void head_ref(const float* q, const float* kt, const float* v, float* o, int64_t keys, int64_t D, float scale,
              float* scratch) {
  constexpr int64_t KT = kDecodeKeyTile;
  float* s = scratch;
  std::fill(s, s + keys, 0.f);
  for (int64_t d = 0; d < D; ++d) {
    const float qd = q[d];
    for (int64_t j = 0; j < keys; ++j) s[j] += qd * kt[(j / KT) * D * KT + d * KT + j % KT];
  }
  float mx = -INFINITY;
  for (int64_t j = 0; j < keys; ++j) mx = std::max(mx, s[j] *= scale);
  float denom = 0.f;
  for (int64_t j = 0; j < keys; ++j) denom += (s[j] = std::exp(s[j] - mx));
  std::fill(o, o + D, 0.f);
  for (int64_t j = 0; j < keys; ++j) {
    const float p = s[j];
    const float* vj = v + j * D;
    for (int64_t d = 0; d < D; ++d) o[d] += p * vj[d];
  }
  const float inv = 1.f / denom;
  for (int64_t d = 0; d < D; ++d) o[d] *= inv;
}

size_t head_ref_scratch(int64_t keys, int64_t) { return static_cast<size_t>(keys); }

struct DecodeKernel {
  DecodeHead head;
  size_t (*scratch)(int64_t keys, int64_t D);
};

DecodeKernel decode_kernel() {
#if defined(FLASHLM_HAVE_X86)
  if (active_isa() == Isa::avx512) return {avx512::attn_decode_head, avx512::attn_decode_scratch_floats};
  if (active_isa() == Isa::avx2) return {avx2::attn_decode_head, avx2::attn_decode_scratch_floats};
#endif
#if defined(FLASHLM_HAVE_NEON)
  if (active_isa() == Isa::neon) return {neon::attn_decode_head, neon::attn_decode_scratch_floats};
#endif
  return {head_ref, head_ref_scratch};
}

// Scratch per thread, kept between calls.
thread_local std::vector<float> t_scratch;

// Work units [u0, u1) (unit u = sequence u / H, head u % H) on the calling thread: each appends its
// head's new keys and values, then attends.
void attention_decode_units(const float* q, const float* k_new, const float* v_new, float* k_cache, float* v_cache,
                            float* o, int64_t B, int64_t t, int64_t H, int64_t D, int64_t start, int64_t capacity,
                            float scale, int64_t u0, int64_t u1) {
  const int64_t C = H * D, KT = kDecodeKeyTile;
  const int64_t k_head = decode_k_cache_floats(1, capacity, D), v_head = capacity * D;  // floats per head
  const DecodeKernel kernel = decode_kernel();
  const size_t need = kernel.scratch(start + t, D);
  if (t_scratch.size() < need) t_scratch.resize(need);
  for (int64_t u = u0; u < u1; ++u) {
    const int64_t b = u / H, h = u % H;
    for (int64_t i = 0; i < t; ++i) {
      const int64_t p = start + i;
      const float* kn = k_new + (b * t + i) * C + h * D;
      float* kc = k_cache + u * k_head + (p / KT) * D * KT + p % KT;
      for (int64_t d = 0; d < D; ++d) kc[d * KT] = kn[d];
      std::memcpy(v_cache + u * v_head + p * D, v_new + (b * t + i) * C + h * D, sizeof(float) * D);
    }
    for (int64_t i = 0; i < t; ++i) {
      const int64_t row = (b * t + i) * C + h * D;
      kernel.head(q + row, k_cache + u * k_head, v_cache + u * v_head, o + row, start + i + 1, D, scale,
                  t_scratch.data());
    }
  }
}

}  // namespace

void attention_decode(const float* q, const float* k_new, const float* v_new, float* k_cache, float* v_cache,
                      float* o, int64_t B, int64_t t, int64_t H, int64_t D, int64_t start, int64_t capacity,
                      float scale) {
  const int64_t keys_max = start + t;
  // Work units: one (sequence, head) pair each, so the result does not depend on the thread count. A
  // second thread pays for itself from ~4K multiply-adds a share: the pool hands a share over in
  // ~0.5 us, and a second core also brings its own L2 bandwidth to the cache reads (bitnet-bench's
  // decode step, 8 heads × 100 keys × 32: 2 threads took 16 us off 220).
  const int64_t min_units = std::max<int64_t>(1, (INT64_C(1) << 12) / std::max<int64_t>(1, keys_max * D * t));
  parallel_for(B * H, min_units, [&](int64_t begin, int64_t end) {
    attention_decode_units(q, k_new, v_new, k_cache, v_cache, o, B, t, H, D, start, capacity, scale, begin, end);
  });
}

}  // namespace flashlm
