// Norm-family kernels for AVX2: the shared bodies in simd_rows.h over the VecF of softmax/simd.h.
#include <immintrin.h>

#include <cstdint>

#include "kernels/norm/norm.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#include "kernels/softmax/simd.h"
#include "kernels/norm/simd_rows.h"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
