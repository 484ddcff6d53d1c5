// Softmax-family kernels for NEON (armv8-a): the shared bodies in simd_rows.h over the VecF of simd.h.
#include <arm_neon.h>

#include <cstdint>

#include "kernels/softmax/softmax.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#include "kernels/softmax/simd.h"
#include "kernels/softmax/simd_rows.h"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
