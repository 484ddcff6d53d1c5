// See interrupt.h. One process-wide flag: the kernel runs one executor at a time.
#include "interrupt.h"

namespace flashlm {

namespace {
std::atomic<const int32_t*> g_word{nullptr};
}

void set_interrupt_word(const int32_t* word) { g_word.store(word, std::memory_order_release); }

bool interrupt_requested() {
  const int32_t* w = g_word.load(std::memory_order_acquire);
  if (w == nullptr) return false;
  // The word lives in a SharedArrayBuffer written by another thread with Atomics.store.
  return __atomic_load_n(w, __ATOMIC_RELAXED) != 0;
}

}  // namespace flashlm
