// See dispatch.h.
#include "dispatch.h"

#include <atomic>

#include "cpu_features.h"

namespace flashlm {

namespace {
std::atomic<int> g_active{-1};
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
    case Isa::neon: return "neon";
  }
  return "unknown";
}

bool parse_isa(const std::string& name, Isa* out) {
  for (Isa isa : {Isa::scalar, Isa::avx2, Isa::avx512, Isa::neon}) {
    if (name == isa_name(isa)) {
      *out = isa;
      return true;
    }
  }
  return false;
}

bool isa_available(Isa isa) {
  const CpuFeatures& f = cpu_features();
  switch (isa) {
    case Isa::scalar: return true;
#if defined(FLASHLM_HAVE_X86)
    case Isa::avx2: return f.avx2_fma;
    case Isa::avx512: return f.avx512;
#endif
#if defined(FLASHLM_HAVE_NEON)
    case Isa::neon: return f.neon;
#endif
    default: return false;
  }
}

Isa best_isa() {
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::neon}) {
    if (isa_available(isa)) return isa;
  }
  return Isa::scalar;
}

Isa active_isa() {
  int v = g_active.load(std::memory_order_relaxed);
  if (v < 0) {
    Isa best = best_isa();
    int expected = -1;
    g_active.compare_exchange_strong(expected, static_cast<int>(best));
    return static_cast<Isa>(g_active.load());
  }
  return static_cast<Isa>(v);
}

void set_active_isa(Isa isa) { g_active.store(static_cast<int>(isa)); }

}  // namespace flashlm
