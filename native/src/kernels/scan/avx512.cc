// Scan kernels, avx512 build: the shared SIMD bodies (scan_simd.inc) over the avx512 Vec (vec.inc).
// GCC 12 flags _mm512_undefined_*() inside its own cvtps_pd/cvtpd_ps headers; a known false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "interrupt.h"
#include "kernels/scan/scan.h"
#include "threads.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#define FLASHLM_VEC_AVX512
#include "kernels/scan/vec.inc"
#include "kernels/scan/scan_simd.inc"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
