// The thread pool every multi-threaded kernel uses. The calling thread always takes part (it is
// thread 0), so a 2-core machine runs 1 pool worker + the caller. Workers spin only briefly after a
// job and then sleep: JavaScript on the calling thread needs its core back between calls (design §2).
#pragma once
#include <cstdint>
#include <functional>

namespace flashlm {

// Configured number of threads (FLASHLM_THREADS, default: the number of online cores).
int thread_count();
// 1 <= n <= 256.
void set_thread_count(int n);

// Runs fn(tid, nthreads) once on each of `nthreads` threads (clamped to thread_count()) and returns
// when all are done. Nested calls, and calls while another JS thread owns the pool, run serially
// (nthreads = 1), so every kernel must be correct for any nthreads. An exception thrown by any thread
// is rethrown here after all threads finished.
void parallel_run(int nthreads, const std::function<void(int tid, int nthreads)>& fn);

// Splits [0, n) into at most thread_count() contiguous chunks of at least `min_chunk` items and runs
// fn(begin, end) on each. Chunk boundaries depend only on n, min_chunk and the thread count.
void parallel_for(int64_t n, int64_t min_chunk, const std::function<void(int64_t begin, int64_t end)>& fn);

}  // namespace flashlm
