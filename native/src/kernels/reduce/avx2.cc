// Reduce kernels for AVX2 + FMA: the shared templates (reduce/kernels.inl) over 8-lane vectors.
#include <immintrin.h>

#include "kernels/reduce/reduce.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#include "kernels/elementwise/simd_avx2.h"
#include "kernels/reduce/kernels.inl"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
