// Threading, scratch and ISA dispatch for the ternary family (ternary.h). The micro-kernels only
// compute (row range × panel range) blocks; this file computes the activation row sums, cuts the
// output into per-thread parts, polls the interrupt flag between row blocks, and runs the f32 paths
// (dequantize into a per-thread buffer + the gemm family's sgemm). Baseline x86-64 code.
#include <algorithm>
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
thread_local Scratch<float> t_weights;

const TernaryKernels* kernels_for(Isa isa) {
#if defined(FLASHLM_HAVE_X86)
  // The avx512 table needs VNNI (vpdpbusd); AVX-512 without it (Skylake-X) uses the AVX2 kernel.
  if (isa == Isa::avx512 && cpu_features().avx512_vnni) return &avx512::ternary_kernels();
  if (isa == Isa::avx512 || isa == Isa::avx2) return &avx2::ternary_kernels();
#endif
  return nullptr;  // scalar, neon: the reference
}

// Below this many multiply-adds per thread a second thread costs more than it saves (waking the
// pool is ~5-10 us). The int8 kernel does ~250 GMAC/s even at M = 1, so it needs more work per
// thread than the f32 kernels: at M = 1, K = 768, N = 2048 (1.5M MACs) 1 and 2 threads measured the
// same (285 GOP/s), so that shape stays on one thread.
constexpr double kMinMacsPerThread = 1 << 20;
constexpr double kMinI8MacsPerThread = 1 << 21;
// Rows per interrupt poll (and per cache block of activations).
constexpr int64_t kRowBlock = 64;

int threads_for(double work, double min_per_thread) {
  return static_cast<int>(std::min<double>(thread_count(), std::max(1.0, work / min_per_thread)));
}

}  // namespace

bool quantize_activations_i8(const float* x, int64_t m, int64_t k, float eps, int8_t* q, float* scale) {
  const TernaryKernels* kr = kernels_for(active_isa());
  auto rows = kr != nullptr ? kr->quantize_rows : &quantize_activations_i8_rows;
  const int t = threads_for(static_cast<double>(m) * k, 1 << 16);
  bool stopped = false;
  parallel_run(t, [&](int tid, int nt) {
    const int64_t r0 = m * tid / nt, r1 = m * (tid + 1) / nt;
    for (int64_t i = r0; i < r1; i += kRowBlock) {
      if (interrupt_requested()) {
        stopped = true;
        return;
      }
      rows(x, i, std::min(r1, i + kRowBlock), k, eps, q, scale);
    }
  });
  return !stopped && !interrupt_requested();
}

bool i8_ternary_gemm(const I8TernaryArgs& args) {
  if (args.m == 0 || args.n == 0) return true;
  const TernaryKernels* kr = kernels_for(active_isa());
  I8TernaryArgs a = args;
  int32_t* rowsum = t_rowsum.get(static_cast<size_t>(a.m));
  for (int64_t i = 0; i < a.m; ++i) {
    const int8_t* row = a.x + i * a.k;
    int32_t s = 0;
    for (int64_t c = 0; c < a.k; ++c) s += row[c];
    rowsum[i] = s;
  }
  a.rowsum = rowsum;
  auto block = kr != nullptr ? kr->i8_block : &i8_ternary_block_ref;
  const int64_t mr = kr != nullptr ? kr->mr : 1;
  const int64_t panels = ternary_panels(a.n);
  const int t = threads_for(static_cast<double>(a.m) * a.n * a.k, kMinI8MacsPerThread);
  // Enough rows: each thread takes a contiguous run of rows (all panels, which stay in cache);
  // few rows (decode): each thread takes a run of panels, so the weights are read once in total.
  const bool split_rows = a.m >= 4 * mr * t;
  bool stopped = false;
  parallel_run(t, [&](int tid, int nt) {
    int64_t m0 = 0, m1 = a.m, p0 = 0, p1 = panels;
    if (split_rows) {
      const int64_t tiles = (a.m + mr - 1) / mr;
      m0 = std::min(a.m, tiles * tid / nt * mr), m1 = std::min(a.m, tiles * (tid + 1) / nt * mr);
    } else {
      p0 = panels * tid / nt, p1 = panels * (tid + 1) / nt;
    }
    for (int64_t i = m0; i < m1; i += kRowBlock) {
      if (interrupt_requested()) {
        stopped = true;
        return;
      }
      if (p0 < p1) block(a, i, std::min(m1, i + kRowBlock), p0, p1);
    }
  });
  return !stopped && !interrupt_requested();
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
  bool stopped = false;
  parallel_run(t, [&](int tid, int nt) {
    const int64_t r0 = n * tid / nt, r1 = n * (tid + 1) / nt;
    for (int64_t r = r0; r < r1; r += kRowBlock) {
      if (interrupt_requested()) {
        stopped = true;
        return;
      }
      dequantize_rows(packed, k, wscale, scale_per_row, mul, r, std::min(r1, r + kRowBlock), out);
    }
  });
  return !stopped && !interrupt_requested();
}

namespace {

// Rows × column-units work split for the ternary-aware f32 kernels (units: 32-column panels of N
// for the forward, 32-wide chunks of K for the backward). Same rule as the int8 GEMM.
template <typename Block>
bool run_split(int64_t m, int64_t units, double macs, int64_t mr, Block block) {
  const int t = threads_for(macs, kMinMacsPerThread);
  const bool split_rows = m >= 4 * mr * t;
  bool stopped = false;
  parallel_run(t, [&](int tid, int nt) {
    int64_t m0 = 0, m1 = m, u0 = 0, u1 = units;
    if (split_rows) {
      const int64_t tiles = (m + mr - 1) / mr;
      m0 = std::min(m, tiles * tid / nt * mr), m1 = std::min(m, tiles * (tid + 1) / nt * mr);
    } else {
      u0 = units * tid / nt, u1 = units * (tid + 1) / nt;
    }
    for (int64_t i = m0; i < m1; i += kRowBlock) {
      if (interrupt_requested()) {
        stopped = true;
        return;
      }
      if (u0 < u1) block(i, std::min(m1, i + kRowBlock), u0, u1);
    }
  });
  return !stopped && !interrupt_requested();
}

// Which f32 path runs. kF32Auto picks per shape from single-thread measurements on Zen 5
// (bench/ternary.ts; 2-thread timings on the shared machine were too noisy to decide by):
// forward, the ternary-aware kernel matched or beat dequantize + f32 GEMM at every M (260 vs
// 200-230 GFLOP/s from M = 256 on, 20× at M = 1); backward, it wins while the weights dominate the
// traffic (M ≤ 64: 150 vs 25-125) and loses from M ≈ 128 (150 vs 165-210).
constexpr int64_t kAwareMaxRowsFwd = INT64_MAX;
constexpr int64_t kAwareMaxRowsBwd = 96;

bool use_aware(const TernaryKernels* kr, int method, bool backward, int64_t m) {
  if (kr == nullptr || kr->f32_fwd_block == nullptr) return false;
  if (method == kF32Aware) return true;
  if (method == kF32Gemm) return false;
  return m <= (backward ? kAwareMaxRowsBwd : kAwareMaxRowsFwd);
}

}  // namespace

bool f32_ternary_linear(const float* x, int64_t m, const uint8_t* packed, int64_t n, int64_t k, const float* wscale,
                        bool scale_per_row, float* out, int method) {
  if (m == 0 || n == 0) return true;
  const TernaryKernels* kr = kernels_for(active_isa());
  if (use_aware(kr, method, false, m)) {
    const F32TernaryArgs a{x, m, k, packed, n, wscale, scale_per_row, 1.0f, out};
    return run_split(m, ternary_panels(n), static_cast<double>(m) * n * k, kr->mr,
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
    const F32TernaryArgs a{grad, m, k, packed, n, wscale, scale_per_row, alpha, out};
    return run_split(m, (k + 31) / 32, static_cast<double>(m) * n * k, kr->mr,
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
