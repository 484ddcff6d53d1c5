// Optim kernels, avx2 build: the shared SIMD bodies (optim_simd.inc) over the avx2 Vec
// (kernels/scan/vec.inc).
#include <immintrin.h>

#include <cstdint>

#include "kernels/optim/optim.h"
#include "threads.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#define FLASHLM_VEC_AVX2
#include "kernels/scan/vec.inc"
#include "kernels/optim/optim_simd.inc"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
