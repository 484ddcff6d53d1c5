// Runs the attention/RoPE kernels of the active ISA on the thread pool: the scalar reference for
// Isa::scalar, the tiled simd.h tasks otherwise (avx2, avx512, neon). Compiled
// with baseline flags; per-thread scratch lives here so the ISA files stay free of std containers.
#include <atomic>
#include <cstdlib>
#include <new>

#include "interrupt.h"
#include "kernels/attention/attention.h"
#include "threads.h"

namespace flashlm {

namespace {

struct IsaKernels {
  int64_t (*fwd_block_rows)();
  size_t (*fwd_scratch_floats)(int64_t);
  void (*fwd_task)(const float*, const float*, const float*, float*, float*, int64_t, int64_t, int64_t, float,
                   int64_t, int64_t, int64_t, float*);
  size_t (*bwd_scratch_floats)(int64_t, int64_t);
  void (*bwd_head)(const float*, const float*, const float*, const float*, const float*, const float*, float*,
                   float*, float*, int64_t, int64_t, int64_t, float, int64_t, int64_t, float*);
  void (*rope_rows)(const float*, float*, const float*, const float*, int64_t, int64_t, int64_t, int64_t, int64_t,
                    int64_t, bool);
};

const IsaKernels* kernels_for(Isa isa) {
#if defined(FLASHLM_HAVE_X86)
  static const IsaKernels k_avx2{avx2::attn_fwd_block_rows, avx2::attn_fwd_scratch_floats, avx2::attn_fwd_task,
                                 avx2::attn_bwd_scratch_floats, avx2::attn_bwd_head, avx2::rope_rows};
  static const IsaKernels k_avx512{avx512::attn_fwd_block_rows, avx512::attn_fwd_scratch_floats,
                                   avx512::attn_fwd_task, avx512::attn_bwd_scratch_floats, avx512::attn_bwd_head,
                                   avx512::rope_rows};
  if (isa == Isa::avx2) return &k_avx2;
  if (isa == Isa::avx512) return &k_avx512;
#endif
#if defined(FLASHLM_HAVE_NEON)
  static const IsaKernels k_neon{neon::attn_fwd_block_rows, neon::attn_fwd_scratch_floats, neon::attn_fwd_task,
                                 neon::attn_bwd_scratch_floats, neon::attn_bwd_head, neon::rope_rows};
  if (isa == Isa::neon) return &k_neon;
#endif
  return nullptr;
}

// 64-byte aligned, grown on demand, one per thread (pool workers and each JS thread that calls in).
class Scratch {
 public:
  ~Scratch() { std::free(p_); }
  float* get(size_t floats) {
    if (floats > n_) {
      std::free(p_);
      const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
      p_ = static_cast<float*>(std::aligned_alloc(64, bytes));
      n_ = p_ ? floats : 0;
      if (!p_) throw std::bad_alloc();
    }
    return p_;
  }

 private:
  float* p_ = nullptr;
  size_t n_ = 0;
};
thread_local Scratch t_scratch;

// Work items below ~64k multiply-adds are not worth waking a pool thread for.
int64_t min_chunk_for(double work_per_item) {
  const double target = 65536.0;
  return work_per_item >= target ? 1 : static_cast<int64_t>(target / (work_per_item > 1 ? work_per_item : 1)) + 1;
}

// Runs fn(item, scratch) for items 0 .. n-1, handing them out one at a time from a shared counter:
// on a busy machine a descheduled thread then delays one item, not a static share of them. Each item
// writes its own outputs only, so which thread runs it does not change any result.
template <typename Fn>
void for_each_item(int64_t n, int64_t min_chunk, size_t scratch_floats, const Fn& fn) {
  const int64_t by_size = n / (min_chunk > 0 ? min_chunk : 1);
  const int nthreads = static_cast<int>(by_size < thread_count() ? by_size : thread_count());
  std::atomic<int64_t> next{0};
  auto worker = [&](int, int) {
    float* scratch = t_scratch.get(scratch_floats);
    for (int64_t item; (item = next.fetch_add(1, std::memory_order_relaxed)) < n;) {
      if (interrupt_requested()) return;
      fn(item, scratch);
    }
  };
  if (nthreads <= 1) return worker(0, 1);
  parallel_run(nthreads, worker);
}

}  // namespace

// Query blocks qb and nq-1-qb form one work unit: the causal triangle gives block qb work ∝ qb + 1,
// so every unit costs about the same and handing units out one by one keeps the threads evenly busy.
void attention_forward(Isa isa, const float* q, const float* k, const float* v, float* o, float* lse, int64_t B,
                       int64_t T, int64_t H, int64_t D, float scale) {
  const IsaKernels* K = kernels_for(isa);
  if (!K) return attention_forward_ref(q, k, v, o, lse, B, T, H, D, scale);
  const int64_t Br = K->fwd_block_rows(), nq = (T + Br - 1) / Br, npairs = (nq + 1) / 2;
  const size_t scratch_floats = K->fwd_scratch_floats(D);
  const double unit_work = static_cast<double>(Br) * static_cast<double>(T + Br) * static_cast<double>(D) * 2.0;
  for_each_item(B * H * npairs, min_chunk_for(unit_work), scratch_floats, [&](int64_t u, float* scratch) {
    const int64_t bh = u / npairs, pr = u % npairs, b = bh / H, h = bh % H;
    K->fwd_task(q, k, v, o, lse, T, H, D, scale, b, h, pr, scratch);
    if (nq - 1 - pr != pr) K->fwd_task(q, k, v, o, lse, T, H, D, scale, b, h, nq - 1 - pr, scratch);
  });
}

// One task per (b, h) head: race-free and thread-count independent, but uses at most B·H threads.
void attention_backward(Isa isa, const float* q, const float* k, const float* v, const float* o,
                        const float* lse, const float* dout, float* dq, float* dk, float* dv, int64_t B, int64_t T,
                        int64_t H, int64_t D, float scale) {
  const IsaKernels* K = kernels_for(isa);
  if (!K) return attention_backward_ref(q, k, v, o, lse, dout, dq, dk, dv, B, T, H, D, scale);
  const size_t scratch_floats = K->bwd_scratch_floats(T, D);
  const double head_work = static_cast<double>(T) * static_cast<double>(T) * static_cast<double>(D) * 2.5;
  for_each_item(B * H, min_chunk_for(head_work), scratch_floats, [&](int64_t bh, float* scratch) {
    K->bwd_head(q, k, v, o, lse, dout, dq, dk, dv, T, H, D, scale, bh / H, bh % H, scratch);
  });
}

void rope(Isa isa, const float* x, float* y, const float* cos_t, const float* sin_t, int64_t B, int64_t T,
          int64_t H, int64_t D, int64_t pos0, bool inverse) {
  const IsaKernels* K = kernels_for(isa);
  if (!K) return rope_ref(x, y, cos_t, sin_t, B, T, H, D, pos0, inverse);
  // Memory-bound and ~50 us for a whole v7 activation: split only above ~256k elements per thread.
  const int64_t row = H * D > 0 ? H * D : 1;
  parallel_for(B * T, (INT64_C(1) << 18) / row + 1, [&](int64_t begin, int64_t end) {
    K->rope_rows(x, y, cos_t, sin_t, begin, end, T, H, D, pos0, inverse);
  });
}

}  // namespace flashlm
