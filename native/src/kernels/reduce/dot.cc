// dot_f64 (reduce.h): the vector dot products of the reduce family, chosen by the active ISA, for
// callers outside the reduce bindings (the BL-B158 α gradient, quant/ref.cc, sums a 4096 × 2048
// gradient-by-output product every backward).
#include "dispatch.h"
#include "kernels/reduce/reduce.h"

namespace flashlm {

double dot_f64(const float* a, const float* b, int64_t n) {
#if defined(FLASHLM_HAVE_X86)
  if (active_isa() == Isa::avx512) return avx512::dot_contig(a, b, n);
  if (active_isa() == Isa::avx2) return avx2::dot_contig(a, b, n);
#endif
#if defined(FLASHLM_HAVE_NEON)
  if (active_isa() == Isa::neon) return neon::dot_contig(a, b, n);
#endif
  double s0 = 0, s1 = 0;
  int64_t i = 0;
  for (; i + 2 <= n; i += 2) s0 += static_cast<double>(a[i]) * b[i], s1 += static_cast<double>(a[i + 1]) * b[i + 1];
  if (i < n) s0 += static_cast<double>(a[i]) * b[i];
  return s0 + s1;
}

}  // namespace flashlm
