// Optim kernels, neon build: the shared SIMD bodies (optim_simd.inc) over the NEON Vec
// (kernels/scan/vec_neon.inc).
#include <arm_neon.h>

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
#include "kernels/scan/vec_neon.inc"
#include "kernels/optim/optim_simd.inc"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
