// Elementwise kernels for NEON (armv8-a): the shared templates (kernels.inl, vec_math.inl) over 4-lane vectors.
#include <arm_neon.h>

#include "kernels/elementwise/elementwise.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#include "kernels/elementwise/simd_neon.h"
#include "kernels/elementwise/vec_math.inl"
#include "kernels/elementwise/kernels.inl"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
