// Norm-family kernels for AVX512: the shared bodies in simd_rows.h over the VecF of softmax/simd.h.
// GCC 12 warns falsely about _mm512_undefined_ps inside its own reduce intrinsics.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstdint>

#include "kernels/norm/norm.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#include "kernels/softmax/simd.h"
#include "kernels/norm/simd_rows.h"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
