// Elementwise kernels for AVX2 + FMA: the shared templates (kernels.inl, vec_math.inl) over 8-lane vectors.
#include <immintrin.h>

#include "kernels/elementwise/elementwise.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#include "kernels/elementwise/simd_avx2.h"
#include "kernels/elementwise/vec_math.inl"
#include "kernels/elementwise/kernels.inl"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
