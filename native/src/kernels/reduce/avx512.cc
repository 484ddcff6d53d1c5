// Reduce kernels for AVX-512: the shared templates (reduce/kernels.inl) over 16-lane vectors.
// GCC 12 warns about the _mm512_undefined_* placeholders inside its own intrinsic headers.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "kernels/reduce/reduce.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#include "kernels/elementwise/simd_avx512.h"
#include "kernels/reduce/kernels.inl"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
