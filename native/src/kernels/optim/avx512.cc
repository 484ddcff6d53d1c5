// Optim kernels, avx512 build: the shared SIMD bodies (optim_simd.inc) over the avx512 Vec
// (kernels/scan/vec.inc).
// GCC 12 flags _mm512_undefined_*() inside its own cvtps_pd/cvtpd_ps headers; a known false positive.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <cstdint>

#include "kernels/optim/optim.h"
#include "threads.h"

// Keep every multiply and add separately rounded, as PyTorch's float32 op sequence is: a fused
// multiply-add here would change the last bit of the update (and differ between ISAs).
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace flashlm {
namespace FLASHLM_ISA_NS {
#define FLASHLM_VEC_AVX512
#include "kernels/scan/vec.inc"
#include "kernels/optim/optim_simd.inc"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
