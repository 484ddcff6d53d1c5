// Norm-family kernels for NEON (armv8-a): the shared bodies in simd_rows.h over the VecF of softmax/simd.h.
#include <arm_neon.h>

#include <cstdint>

#include "kernels/norm/norm.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#include "kernels/softmax/simd.h"
#include "kernels/norm/simd_rows.h"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
