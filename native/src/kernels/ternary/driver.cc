// Threading, scratch and ISA dispatch for the ternary family (ternary.h). The micro-kernels only
// compute (row range × panel range) blocks; this file computes the activation row sums, cuts the
// output into per-thread parts, polls the interrupt flag between row blocks, and runs the f32 paths
// (dequantize into a per-thread buffer + the gemm family's sgemm). Baseline x86-64 / armv8-a code.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cstdint>
#include <new>

#include "cpu_features.h"
#include "dispatch.h"
#include "interrupt.h"
#include "kernels/gemm/gemm.h"
#include "kernels/ternary/ternary.h"
#include "threads.h"

namespace flashlm {

namespace {

// Grown on demand and kept, so steady-state calls never allocate. 64-byte aligned.
template <typename T>
struct Scratch {
  T* data = nullptr;
  size_t capacity = 0;
  ~Scratch() { std::free(data); }
  T* get(size_t n) {
    if (n > capacity) {
      std::free(data);
      data = static_cast<T*>(std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64));
      if (data == nullptr) throw std::bad_alloc();
      capacity = n;
    }
    return data;
  }
};
thread_local Scratch<int32_t> t_rowsum;
thread_local Scratch<float> t_weights, t_grad;

const TernaryKernels* kernels_for(Isa isa) {
#if defined(FLASHLM_HAVE_X86)
  // The avx512 table needs VNNI (vpdpbusd); AVX-512 without it (Skylake-X) uses the AVX2 kernel.
  if (isa == Isa::avx512 && cpu_features().avx512_vnni) return &avx512::ternary_kernels();
  if (isa == Isa::avx512 || isa == Isa::avx2) return &avx2::ternary_kernels();
#endif
#if defined(FLASHLM_HAVE_NEON)
  if (isa == Isa::neon) return &neon::ternary_kernels();
#endif
  return nullptr;  // scalar: the reference
}

// Below this many multiply-adds per thread a second thread costs more than it saves (waking the
// pool is ~5-10 us). The int8 kernel does ~250 GMAC/s even at M = 1, so it needs more work per
// thread than the f32 kernels: at M = 1, K = 768, N = 2048 (1.5M MACs) 1 and 2 threads measured the
// same (285 GOP/s), so that shape stays on one thread.
constexpr double kMinMacsPerThread = 1 << 20;
constexpr double kMinI8MacsPerThread = 1 << 21;
// A decode step (M = 1) streams every weight from L3 once: there a second core adds bandwidth, so
// the split starts lower (v7's 768 × 768 projections take 2 threads, bitnet-bench's 256-wide ones 1).
constexpr double kMinI8MacsPerThreadRow = 1 << 18;
// Rows per interrupt poll (and per cache block of activations).
constexpr int64_t kRowBlock = 64;

int threads_for(double work, double min_per_thread) {
  return static_cast<int>(std::min<double>(thread_count(), std::max(1.0, work / min_per_thread)));
}

// Runs block(m0, m1, u0, u1) over rows [0, m) × column units [0, units) (32-column panels of N, or
// 32-wide chunks of K). Work items come from a shared counter, so a thread the OS descheduled (the
// machine is shared with JavaScript and other processes) does not leave the others waiting on its
// fixed share; every output tile is computed by exactly one item with the same arithmetic, so
// results do not depend on the thread count or the schedule. With enough rows, items are row
// blocks over all units (the weights stay in cache); with few rows (decode), items are unit ranges
// over all rows, so the weights are read once in total. Returns false if interrupted.
template <typename Block>
bool run_items(int64_t m, int64_t units, double macs, double min_macs_per_thread, int64_t mr, Block block) {
  const int t = threads_for(macs, min_macs_per_thread);
  const bool split_rows = t == 1 || m >= 4 * mr * t;
  const int64_t rb = t == 1 ? kRowBlock : std::max<int64_t>(mr, std::min<int64_t>(kRowBlock, ((m + 4 * t - 1) / (4 * t) + mr - 1) / mr * mr));
  const int64_t uc = split_rows ? units : std::max<int64_t>(1, (units + 4 * t - 1) / (4 * t));
  const int64_t items = split_rows ? (m + rb - 1) / rb : (units + uc - 1) / uc;
  std::atomic<int64_t> next{0};
  std::atomic<bool> stopped{false};
  parallel_run(t, [&](int, int) {
    for (int64_t it; (it = next.fetch_add(1, std::memory_order_relaxed)) < items;) {
      if (split_rows) {
        if (interrupt_requested()) return stopped.store(true, std::memory_order_relaxed);
        block(it * rb, std::min(m, (it + 1) * rb), 0, units);
      } else {
        for (int64_t i = 0; i < m; i += kRowBlock) {
          if (interrupt_requested()) return stopped.store(true, std::memory_order_relaxed);
          block(i, std::min(m, i + kRowBlock), it * uc, std::min(units, (it + 1) * uc));
        }
      }
    }
  });
  return !stopped.load() && !interrupt_requested();
}

}  // namespace

bool quantize_activations_i8(const float* x, int64_t m, int64_t k, float eps, int8_t* q, float* scale) {
  const TernaryKernels* kr = kernels_for(active_isa());
  auto rows = kr != nullptr ? kr->quantize_rows : &quantize_activations_i8_rows;
  const int t = threads_for(static_cast<double>(m) * k, 1 << 16);
  std::atomic<bool> stopped{false};
  parallel_run(t, [&](int tid, int nt) {
    const int64_t r0 = m * tid / nt, r1 = m * (tid + 1) / nt;
    for (int64_t i = r0; i < r1; i += kRowBlock) {
      if (interrupt_requested()) {
        stopped.store(true, std::memory_order_relaxed);
        return;
      }
      rows(x, i, std::min(r1, i + kRowBlock), k, eps, q, scale);
    }
  });
  return !stopped.load() && !interrupt_requested();
}

bool i8_ternary_gemm(const I8TernaryArgs& args) { return i8_ternary_gemm_group(&args, 1); }

bool i8_ternary_gemm_group(const I8TernaryArgs* args, int count) {
  constexpr int kMaxGroup = 8;
  if (count > kMaxGroup) {
    for (int g = 0; g < count; ++g)
      if (!i8_ternary_gemm_group(args + g, 1)) return false;
    return true;
  }
  const int64_t m = args[0].m, k = args[0].k;
  if (m == 0) return true;
  // Σ_k x_ik removes the +1 code offset (ternary.h); the rows are the same for every product.
  int32_t* rowsum = t_rowsum.get(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i) {
    const int8_t* row = args[0].x + i * k;
    int32_t s = 0;
    for (int64_t c = 0; c < k; ++c) s += row[c];
    rowsum[i] = s;
  }
  I8TernaryArgs local[kMaxGroup];
  int64_t first[kMaxGroup + 1] = {0};  // the products' first panels in the shared unit range
  double macs = 0;
  for (int g = 0; g < count; ++g) {
    local[g] = args[g];
    local[g].rowsum = rowsum;
    first[g + 1] = first[g] + ternary_panels(args[g].n);
    macs += static_cast<double>(m) * args[g].n * k;
  }
  if (first[count] == 0) return true;
  const TernaryKernels* kr = kernels_for(active_isa());
  auto block = kr != nullptr ? kr->i8_block : &i8_ternary_block_ref;
  const int64_t mr = kr != nullptr ? kr->mr : 1;
  return run_items(m, first[count], macs, m == 1 ? kMinI8MacsPerThreadRow : kMinI8MacsPerThread, mr,
                   [&](int64_t m0, int64_t m1, int64_t u0, int64_t u1) {
                     // A unit range may span several products: cut it at their first panels.
                     for (int g = 0; g < count && u0 < u1; ++g) {
                       const int64_t lo = std::max(u0, first[g]), hi = std::min(u1, first[g + 1]);
                       if (lo < hi) block(local[g], m0, m1, lo - first[g], hi - first[g]);
                     }
                   });
}

namespace {

// Rows [r0, r1) of W̃·s·mul, decoded 16 codes (one 32-bit word: byte t, bits 2s → k = 4s + t) at a time.
void dequantize_rows(const uint8_t* packed, int64_t k, const float* wscale, bool per_row, float mul, int64_t r0,
                     int64_t r1, float* out) {
  const int64_t kb = ternary_kblocks(k);
  for (int64_t r = r0; r < r1; ++r) {
    const float s = wscale[per_row ? r : 0] * mul;
    const float lut[4] = {-s, 0.0f * s, s, 0.0f};
    const uint8_t* base = packed + (r / 32) * kb * kTernaryBlockBytes + ((r % 32) / 16) * 64 + (r % 16) * 4;
    float* o = out + r * k;
    for (int64_t b = 0; b < kb; ++b) {
      uint32_t word;
      std::memcpy(&word, base + b * kTernaryBlockBytes, 4);
      float v[16];
      for (int kk = 0; kk < 16; ++kk) v[kk] = lut[(word >> (8 * (kk % 4) + 2 * (kk / 4))) & 3];
      const int64_t c0 = b * 16, cnt = std::min<int64_t>(16, k - c0);
      std::memcpy(o + c0, v, static_cast<size_t>(cnt) * sizeof(float));
    }
  }
}

}  // namespace

bool ternary_dequantize(const uint8_t* packed, int64_t n, int64_t k, const float* wscale, bool scale_per_row,
                        float mul, float* out) {
  if (active_isa() == Isa::scalar) {
    ternary_dequantize_ref(packed, n, k, wscale, scale_per_row, mul, out);
    return true;
  }
  const int t = threads_for(static_cast<double>(n) * k, 1 << 18);
  std::atomic<bool> stopped{false};
  parallel_run(t, [&](int tid, int nt) {
    const int64_t r0 = n * tid / nt, r1 = n * (tid + 1) / nt;
    for (int64_t r = r0; r < r1; r += kRowBlock) {
      if (interrupt_requested()) {
        stopped.store(true, std::memory_order_relaxed);
        return;
      }
      dequantize_rows(packed, k, wscale, scale_per_row, mul, r, std::min(r1, r + kRowBlock), out);
    }
  });
  return !stopped.load() && !interrupt_requested();
}

namespace {

// Which f32 path runs. kF32Auto picks per shape from measurements on Zen 5 (bench/ternary.ts and
// single-thread runs, as 2-thread timings on the shared machine were too noisy to decide by): with
// AVX-512 the ternary-aware kernels matched or beat dequantize + f32 GEMM at every M measured,
// forward and backward (~250 vs 175-200 GFLOP/s at M = 256, ~20× at M = 1, a tie at M = 4096),
// so both limits are open; they are here to be lowered if another CPU says otherwise.
constexpr int64_t kAwareMaxRowsFwd = INT64_MAX;
constexpr int64_t kAwareMaxRowsBwd = INT64_MAX;

bool use_aware(const TernaryKernels* kr, int method, bool backward, int64_t m) {
  if (kr == nullptr || kr->f32_fwd_block == nullptr) return false;
  if (method == kF32Aware) return true;
  if (method == kF32Gemm) return false;
  return m <= (backward ? kAwareMaxRowsBwd : kAwareMaxRowsFwd);
}

}  // namespace

namespace {

// Panels [p0, p1) of the packed buffer: each 32-bit word gets the 16 codes of one row's k block
// (k = 4s + t at bit 8t + 2s), padding stays code 1.
void pack_panels(const int8_t* codes, int64_t n, int64_t k, int64_t p0, int64_t p1, uint8_t* out) {
  const int64_t kb = ternary_kblocks(k);
  std::memset(out + p0 * kb * kTernaryBlockBytes, 0x55, static_cast<size_t>((p1 - p0) * kb * kTernaryBlockBytes));
  for (int64_t r = p0 * 32; r < std::min(n, p1 * 32); ++r) {
    uint8_t* base = out + (r / 32) * kb * kTernaryBlockBytes + ((r % 32) / 16) * 64 + (r % 16) * 4;
    const int8_t* row = codes + r * k;
    const int64_t kfull = k / 16;
    for (int64_t b = 0; b < kfull; ++b) {
      // SWAR over 4 codes a word: bytes 0xFF/0x00/0x01 → 0/1/2 without carries between bytes, then
      // byte t of the packed word = code[t] | code[4+t] << 2 | code[8+t] << 4 | code[12+t] << 6.
      uint32_t q[4];
      std::memcpy(q, row + b * 16, 16);
      uint32_t word = 0;
      for (int s = 0; s < 4; ++s) word |= (((q[s] & 0x7f7f7f7fu) + 0x01010101u) ^ (q[s] & 0x80808080u)) << (2 * s);
      std::memcpy(base + b * kTernaryBlockBytes, &word, 4);
    }
    for (int64_t b = kfull; b < kb; ++b) {
      uint32_t word = 0;
      const int64_t c0 = b * 16;
      for (int kk = 0; kk < 16; ++kk) {
        const uint32_t code = c0 + kk < k ? static_cast<uint32_t>(row[c0 + kk] + 1) : 1u;
        word |= code << (8 * (kk % 4) + 2 * (kk / 4));
      }
      std::memcpy(base + b * kTernaryBlockBytes, &word, 4);
    }
  }
}

void unpack_rows(const uint8_t* packed, int64_t k, int64_t r0, int64_t r1, int8_t* out) {
  const int64_t kb = ternary_kblocks(k);
  for (int64_t r = r0; r < r1; ++r) {
    const uint8_t* base = packed + (r / 32) * kb * kTernaryBlockBytes + ((r % 32) / 16) * 64 + (r % 16) * 4;
    for (int64_t b = 0; b < kb; ++b) {
      uint32_t word;
      std::memcpy(&word, base + b * kTernaryBlockBytes, 4);
      int8_t v[16];
      for (int kk = 0; kk < 16; ++kk) v[kk] = static_cast<int8_t>(((word >> (8 * (kk % 4) + 2 * (kk / 4))) & 3) - 1);
      std::memcpy(out + r * k + b * 16, v, static_cast<size_t>(std::min<int64_t>(16, k - b * 16)));
    }
  }
}

}  // namespace

void ternary_pack(const int8_t* codes, int64_t n, int64_t k, uint8_t* out) {
  if (active_isa() == Isa::scalar) {
    ternary_pack_ref(codes, n, k, out);
    return;
  }
  const int64_t panels = ternary_panels(n);
  const int t = threads_for(static_cast<double>(n) * k, 1 << 18);
  parallel_run(t, [&](int tid, int nt) {
    const int64_t p0 = panels * tid / nt, p1 = panels * (tid + 1) / nt;
    if (p0 < p1) pack_panels(codes, n, k, p0, p1, out);
  });
}

void ternary_unpack(const uint8_t* packed, int64_t n, int64_t k, int8_t* out) {
  if (active_isa() == Isa::scalar) {
    ternary_unpack_ref(packed, n, k, out);
    return;
  }
  const int t = threads_for(static_cast<double>(n) * k, 1 << 18);
  parallel_run(t, [&](int tid, int nt) {
    const int64_t r0 = n * tid / nt, r1 = n * (tid + 1) / nt;
    if (r0 < r1) unpack_rows(packed, k, r0, r1, out);
  });
}

bool f32_ternary_linear(const float* x, int64_t m, const uint8_t* packed, int64_t n, int64_t k, const float* wscale,
                        bool scale_per_row, float* out, int method) {
  if (m == 0 || n == 0) return true;
  const TernaryKernels* kr = kernels_for(active_isa());
  if (use_aware(kr, method, false, m)) {
    const F32TernaryArgs a{x, m, k, packed, n, wscale, scale_per_row, 1.0f, out};
    return run_items(m, ternary_panels(n), static_cast<double>(m) * n * k, kMinMacsPerThread, kr->mr,
                     [&](int64_t i0, int64_t i1, int64_t u0, int64_t u1) { kr->f32_fwd_block(a, i0, i1, u0, u1); });
  }
  float* w = t_weights.get(static_cast<size_t>(n * k));
  if (!ternary_dequantize(packed, n, k, wscale, scale_per_row, 1.0f, w)) return false;
  SgemmArgs g{false, true, 1, m, n, k, x, 0, k, w, 0, k, out, 0, n, 0.0f};
  sgemm(g);
  return !interrupt_requested();
}

bool ternary_linear_backward_input(const float* grad, int64_t m, const uint8_t* packed, int64_t n, int64_t k,
                                   const float* wscale, bool scale_per_row, float alpha, float* out, int method) {
  if (m == 0 || k == 0) return true;
  const TernaryKernels* kr = kernels_for(active_isa());
  if (use_aware(kr, method, true, m)) {
    F32TernaryArgs a{grad, m, k, packed, n, wscale, scale_per_row, alpha, out};
    if (scale_per_row) {
      // A per-row scale varies along the reduction (j), so fold it into the gradient once
      // (g_ij·(s_j·α), M·N multiplies) and let the kernel decode plain ±1: rebuilding the decode
      // table for every j measured ~40% slower.
      float* gs = t_grad.get(static_cast<size_t>(m * n));
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) gs[i * n + j] = grad[i * n + j] * (wscale[j] * alpha);
      static const float one = 1.0f;
      a = F32TernaryArgs{gs, m, k, packed, n, &one, false, 1.0f, out};
    }
    return run_items(m, (k + 31) / 32, static_cast<double>(m) * n * k, kMinMacsPerThread, kr->mr,
                     [&](int64_t i0, int64_t i1, int64_t u0, int64_t u1) { kr->f32_bwd_block(a, i0, i1, u0, u1); });
  }
  float* w = t_weights.get(static_cast<size_t>(n * k));
  if (!ternary_dequantize(packed, n, k, wscale, scale_per_row, alpha, w)) return false;
  // out (M×K) = grad (M×N) · W (N×K).
  SgemmArgs g{false, false, 1, m, k, n, grad, 0, n, w, 0, k, out, 0, k, 0.0f};
  sgemm(g);
  return !interrupt_requested();
}

}  // namespace flashlm
