// Row-parallel drivers shared by the softmax and norm bindings (baseline code, not per ISA): split R
// independent rows across the pool, poll the interrupt flag between row blocks, and reduce per-column
// partials over FIXED row blocks so dweight/dbias do not depend on the thread count.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "interrupt.h"
#include "threads.h"

namespace flashlm {
namespace rows {

// Below ~32K elements a call stays on one thread: waking the pool costs more than the work.
constexpr int64_t kMinParallelElems = 1 << 15;
// Rows between interrupt polls: ~64K elements (a few tens of microseconds).
constexpr int64_t kPollElems = 1 << 16;

// Runs fn(r0, r1) on disjoint row ranges covering [0, R) (stops early when interrupted).
template <typename Fn>
void for_rows(int64_t R, int64_t C, const Fn& fn) {
  const int64_t c = std::max<int64_t>(C, 1);
  const int64_t poll = std::max<int64_t>(1, kPollElems / c);
  parallel_for(R, std::max<int64_t>(1, kMinParallelElems / c), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r += poll) {
      if (interrupt_requested()) return;
      fn(r, std::min(r + poll, end));
    }
  });
}

// Column reductions over rows (dweight, dbias). The rows are cut into blocks whose size depends only
// on R (at most ~64 blocks of >= 16 rows); fn(r0, r1, partials...) accumulates block b into its own
// zeroed slice partial[k][b*C ...], then the blocks are summed in order, in double, into out[k].
// So the result is bitwise the same for any thread count. `nout` <= 2 outputs; null outputs skipped.
template <typename Fn>
void for_row_blocks_reduce(int64_t R, int64_t C, float* out0, float* out1, const Fn& fn) {
  const int64_t block = std::max<int64_t>(16, (R + 63) / 64);
  const int64_t nb = std::max<int64_t>(1, (R + block - 1) / block);
  // Grown lazily, reused across calls on this (the JS) thread; never allocated in the row loops.
  thread_local std::vector<float> scratch;
  const int64_t per = nb * C;
  scratch.assign(static_cast<size_t>(2 * per), 0.0f);
  float* p0 = out0 ? scratch.data() : nullptr;
  float* p1 = out1 ? scratch.data() + per : nullptr;
  const int64_t c = std::max<int64_t>(C, 1);
  parallel_for(nb, std::max<int64_t>(1, kMinParallelElems / (block * c)), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; b++) {
      if (interrupt_requested()) return;
      fn(b * block, std::min(R, (b + 1) * block), p0 ? p0 + b * C : nullptr, p1 ? p1 + b * C : nullptr);
    }
  });
  float* outs[2] = {out0, out1};
  float* parts[2] = {p0, p1};
  for (int k = 0; k < 2; k++) {
    if (!outs[k]) continue;
    for (int64_t j = 0; j < C; j++) {
      double s = 0;
      for (int64_t b = 0; b < nb; b++) s += parts[k][b * C + j];
      outs[k][j] = static_cast<float>(s);
    }
  }
}

}  // namespace rows
}  // namespace flashlm
