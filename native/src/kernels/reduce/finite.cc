// first_non_finite (reduce.h): argument checks of large activations (quantizeActivationsI8 checks
// every one of m·k inputs) were a serial scalar loop on the binding's thread, ~1 ns an element: 8 ms
// of a 4096 × 2048 BitLinear backward. Here blocks are tested with a branch-free exponent-bits test
// the compiler vectorises, in parallel, and only a block that fails is scanned for its first index.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>

#include "kernels/reduce/reduce.h"
#include "threads.h"

namespace flashlm {

namespace {

constexpr int64_t kFiniteBlock = 1 << 14;

// NaN or ±inf: all exponent bits set.
inline uint32_t non_finite(const float* p) {
  uint32_t bits;
  std::memcpy(&bits, p, 4);
  return static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
}

bool block_has_non_finite(const float* x, int64_t n) {
  uint32_t any = 0;
  for (int64_t i = 0; i < n; ++i) any |= non_finite(x + i);
  return any != 0;
}

}  // namespace

int64_t first_non_finite(const float* x, int64_t n) {
  const int64_t blocks = (n + kFiniteBlock - 1) / kFiniteBlock;
  std::atomic<int64_t> first{n};
  // Small inputs stay on the calling thread (the pool hand-over alone is ~1 us).
  parallel_for(blocks, std::max<int64_t>(1, (INT64_C(1) << 18) / kFiniteBlock), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t i0 = b * kFiniteBlock, i1 = std::min(n, i0 + kFiniteBlock);
      if (i0 >= first.load(std::memory_order_relaxed)) return;  // an earlier block already failed
      if (!block_has_non_finite(x + i0, i1 - i0)) continue;
      int64_t i = i0;
      while (!non_finite(x + i)) ++i;
      int64_t seen = first.load(std::memory_order_relaxed);
      while (i < seen && !first.compare_exchange_weak(seen, i, std::memory_order_relaxed)) {
      }
      return;
    }
  });
  const int64_t f = first.load();
  return f == n ? -1 : f;
}

}  // namespace flashlm
