// See threads.h. A sequence number publishes each job (a seqlock around its description); workers
// spin on it briefly, then sleep on a condition variable. The pool is created on first use and deliberately never destroyed: its
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
    // Errors of up to kInlineErrors threads live on this frame: a pool job allocates nothing.
    std::exception_ptr inline_errors[kInlineErrors];
    std::vector<std::exception_ptr> heap_errors(nthreads > kInlineErrors ? nthreads : 0);
    std::exception_ptr* errors = nthreads > kInlineErrors ? heap_errors.data() : inline_errors;
    remaining_.store(nthreads - 1, std::memory_order_relaxed);
    const uint64_t gen = publish(&fn, nthreads, errors);
    // Sleeping workers need the condition variable; spinning ones (the usual case between kernels)
    // see the new sequence number on their own, so no lock or system call is needed for them.
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      { std::lock_guard<std::mutex> lock(mutex_); }
      wake_.notify_all();
    }
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
        caller_sleeping_.store(true, std::memory_order_seq_cst);
        done_.wait(lock, [&] { return remaining_.load(std::memory_order_seq_cst) == 0; });
        caller_sleeping_.store(false, std::memory_order_relaxed);
      }
    }
    for (int i = 0; i < nthreads; ++i)
      if (errors[i]) std::rethrow_exception(errors[i]);
  }

 private:
  static constexpr int kInlineErrors = 8;

  // A seqlock around the job description: workers read it without a lock (one cache line to fetch,
  // where a mutex cost several cross-core transfers per job), and retry if a newer job is being written.
  uint64_t publish(const std::function<void(int, int)>* fn, int nthreads, std::exception_ptr* errors) {
    const uint64_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);  // odd: being written
    std::atomic_thread_fence(std::memory_order_release);
    job_.store(fn, std::memory_order_relaxed);
    job_threads_.store(nthreads, std::memory_order_relaxed);
    job_errors_.store(errors, std::memory_order_relaxed);
    seq_.store(s + 2, std::memory_order_seq_cst);
    return (s + 2) / 2;  // the job's generation
  }

  struct JobView {
    const std::function<void(int, int)>* fn;
    int nthreads;
    std::exception_ptr* errors;
    uint64_t gen;
  };

  // The newest published job (its sequence number even), read consistently.
  JobView read_job(uint64_t s) {
    for (;;) {
      JobView v{job_.load(std::memory_order_relaxed), job_threads_.load(std::memory_order_relaxed),
                job_errors_.load(std::memory_order_relaxed), s / 2};
      std::atomic_thread_fence(std::memory_order_acquire);
      const uint64_t again = seq_.load(std::memory_order_relaxed);
      if (again == s) return v;
      // A newer job is being published: read that one instead.
      while ((s = seq_.load(std::memory_order_acquire)) & 1) FLASHLM_PAUSE();
    }
  }

  void ensure_workers(int n) {
    while (static_cast<int>(workers_started_) < n) {
      int index = static_cast<int>(workers_started_) + 1;  // worker ids start at 1
      // The worker must start from the sequence number *before* the job being published, or a worker
      // that first runs after the publish would take that job as already seen and never run it.
      std::thread(&Pool::worker_loop, this, index, seq_.load(std::memory_order_acquire)).detach();
      ++workers_started_;
    }
  }

  void worker_loop(int tid, uint64_t seen) {
    t_inside_pool = true;
    for (;;) {
      uint64_t s;
      int spin = 0;
      while ((s = seq_.load(std::memory_order_acquire)) == seen || (s & 1)) {
        if (++spin < kSpinIterations) {
          FLASHLM_PAUSE();
          continue;
        }
        std::unique_lock<std::mutex> lock(mutex_);
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        wake_.wait(lock, [&] {
          const uint64_t now = seq_.load(std::memory_order_seq_cst);
          return now != seen && !(now & 1);
        });
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
        spin = 0;
      }
      const JobView job = read_job(s);
      seen = job.gen * 2;
      // The caller may have run this share already (see run()); then `job.fn` may be gone.
      if (job.fn == nullptr || tid >= job.nthreads || !claim(tid, job.gen)) continue;
      try {
        (*job.fn)(tid, job.nthreads);
      } catch (...) {
        job.errors[tid] = std::current_exception();
      }
      if (remaining_.fetch_sub(1, std::memory_order_seq_cst) == 1 && caller_sleeping_.load(std::memory_order_seq_cst)) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_.notify_all();
      }
    }
  }

  // Share `tid` of job `gen` goes to whoever claims it first: its worker or the caller. claimed_[tid]
  // holds the newest generation claimed, so a worker holding a stale job can never claim.
  bool claim(int tid, uint64_t gen) {
    uint64_t seen = claimed_[tid].load(std::memory_order_acquire);
    while (seen < gen)
      if (claimed_[tid].compare_exchange_weak(seen, gen, std::memory_order_acq_rel)) return true;
    return false;
  }

  std::mutex mutex_;  // only for sleeping and waking
  std::condition_variable wake_, done_;
  std::atomic<uint64_t> claimed_[kMaxThreads] = {};
  alignas(64) std::atomic<uint64_t> seq_{0};
  std::atomic<const std::function<void(int, int)>*> job_{nullptr};
  std::atomic<int> job_threads_{0};
  std::atomic<std::exception_ptr*> job_errors_{nullptr};
  alignas(64) std::atomic<int> remaining_{0};
  alignas(64) std::atomic<int> sleepers_{0};
  std::atomic<bool> caller_sleeping_{false};
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
