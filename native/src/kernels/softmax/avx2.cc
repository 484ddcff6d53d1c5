// Softmax-family kernels for AVX2: the shared bodies in simd_rows.h over the VecF of simd.h.
#include <immintrin.h>

#include <cstdint>

#include "kernels/softmax/softmax.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#include "kernels/softmax/simd.h"
#include "kernels/softmax/simd_rows.h"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
