// See threads.h. A generation counter publishes each job; workers wake on a condition variable
// after a short spin. The pool is created on first use and deliberately never destroyed: its
// threads are detached and the addon is linked -z nodelete, so a Worker that loaded it may exit.
#include "threads.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define FLASHLM_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define FLASHLM_PAUSE() __asm__ __volatile__("yield")
#else
#define FLASHLM_PAUSE() ((void)0)
#endif

namespace flashlm {

namespace {

constexpr int kMaxThreads = 256;
// ~20-50 us of polling before sleeping: back-to-back kernels skip the wake-up latency, and an idle
// pool costs no CPU.
constexpr int kSpinIterations = 20000;

int default_thread_count() {
  if (const char* env = std::getenv("FLASHLM_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1 && n <= kMaxThreads) return n;
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc == 0 ? 1 : static_cast<int>(std::min<unsigned>(hc, kMaxThreads));
}

std::atomic<int> g_thread_count{0};
thread_local bool t_inside_pool = false;

class Pool {
 public:
  void run(int nthreads, const std::function<void(int, int)>& fn) {
    ensure_workers(nthreads - 1);
    std::vector<std::exception_ptr> errors(nthreads);
    uint64_t gen;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &fn;
      job_threads_ = nthreads;
      job_errors_ = &errors;
      remaining_.store(nthreads - 1, std::memory_order_relaxed);
      gen = generation_.fetch_add(1, std::memory_order_release) + 1;
      job_generation_ = gen;
    }
    wake_.notify_all();
    t_inside_pool = true;
    try {
      fn(0, nthreads);
    } catch (...) {
      errors[0] = std::current_exception();
    }
    // A worker that has not picked its share up yet (asleep, or descheduled on a busy machine) would
    // keep us waiting for the OS to run it; run that share here instead. Kernels take their work from
    // shared counters or split it by (tid, nthreads) alone, so either thread may run any share.
    for (int tid = 1; tid < nthreads; ++tid) {
      if (!claim(tid, gen)) continue;
      try {
        fn(tid, nthreads);
      } catch (...) {
        errors[tid] = std::current_exception();
      }
      remaining_.fetch_sub(1, std::memory_order_acq_rel);
    }
    t_inside_pool = false;
    for (int spin = 0; remaining_.load(std::memory_order_acquire) != 0; ++spin) {
      if (spin < kSpinIterations) {
        FLASHLM_PAUSE();
      } else {
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [&] { return remaining_.load(std::memory_order_acquire) == 0; });
      }
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = nullptr;
    }
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
  }

 private:
  void ensure_workers(int n) {
    while (static_cast<int>(workers_started_) < n) {
      int index = static_cast<int>(workers_started_) + 1;  // worker ids start at 1
      // The worker must start from the generation *before* the job being published, or a worker
      // that first runs after the publish would take that job as already seen and never run it.
      std::thread(&Pool::worker_loop, this, index, generation_.load(std::memory_order_acquire)).detach();
      ++workers_started_;
    }
  }

  void worker_loop(int tid, uint64_t seen) {
    t_inside_pool = true;
    for (;;) {
      uint64_t gen;
      int spin = 0;
      while ((gen = generation_.load(std::memory_order_acquire)) == seen) {
        if (++spin < kSpinIterations) {
          FLASHLM_PAUSE();
          continue;
        }
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
      }
      seen = gen;
      const std::function<void(int, int)>* job;
      int nthreads;
      std::vector<std::exception_ptr>* errors;
      uint64_t job_gen;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        job = job_;
        nthreads = job_threads_;
        errors = job_errors_;
        job_gen = job_generation_;
      }
      // The caller may have run this share already (see run()); then `job` may be gone.
      if (job == nullptr || tid >= nthreads || !claim(tid, job_gen)) continue;
      try {
        (*job)(tid, nthreads);
      } catch (...) {
        (*errors)[tid] = std::current_exception();
      }
      if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_all();
      }
    }
  }

  // Share `tid` of job `gen` goes to whoever claims it first: its worker or the caller. claimed_[tid]
  // holds the newest generation claimed, so a worker holding a stale job pointer can never claim.
  bool claim(int tid, uint64_t gen) {
    uint64_t seen = claimed_[tid].load(std::memory_order_acquire);
    while (seen < gen)
      if (claimed_[tid].compare_exchange_weak(seen, gen, std::memory_order_acq_rel)) return true;
    return false;
  }

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::atomic<uint64_t> claimed_[kMaxThreads] = {};
  uint64_t job_generation_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> remaining_{0};
  const std::function<void(int, int)>* job_ = nullptr;
  int job_threads_ = 0;
  std::vector<std::exception_ptr>* job_errors_ = nullptr;
  unsigned workers_started_ = 0;
};

// Guards the pool against two JS threads (e.g. two Workers) using it at once.
std::mutex g_owner;

Pool& pool() {
  static Pool* p = new Pool();  // never destroyed, see the file comment
  return *p;
}

}  // namespace

int thread_count() {
  int n = g_thread_count.load(std::memory_order_relaxed);
  if (n == 0) {
    int expected = 0;
    g_thread_count.compare_exchange_strong(expected, default_thread_count());
    n = g_thread_count.load();
  }
  return n;
}

void set_thread_count(int n) { g_thread_count.store(std::max(1, std::min(n, kMaxThreads))); }

void parallel_run(int nthreads, const std::function<void(int, int)>& fn) {
  nthreads = std::max(1, std::min(nthreads, thread_count()));
  if (nthreads == 1 || t_inside_pool) {
    fn(0, 1);
    return;
  }
  std::unique_lock<std::mutex> owner(g_owner, std::try_to_lock);
  if (!owner.owns_lock()) {
    fn(0, 1);
    return;
  }
  pool().run(nthreads, fn);
}

void parallel_for(int64_t n, int64_t min_chunk, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  min_chunk = std::max<int64_t>(1, min_chunk);
  int64_t by_size = std::max<int64_t>(1, n / min_chunk);
  int nthreads = static_cast<int>(std::min<int64_t>(thread_count(), by_size));
  if (nthreads <= 1) {
    fn(0, n);
    return;
  }
  parallel_run(nthreads, [&](int tid, int nt) {
    // When the pool ran us serially (nt == 1), thread 0 does everything.
    int64_t begin = n * tid / nt, end = n * (tid + 1) / nt;
    if (begin < end) fn(begin, end);
  });
}

}  // namespace flashlm
