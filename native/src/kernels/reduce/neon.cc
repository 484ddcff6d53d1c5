// Reduce kernels for NEON (armv8-a): the shared templates (reduce/kernels.inl) over 4-lane vectors.
#include <arm_neon.h>

#include "kernels/reduce/reduce.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#include "kernels/elementwise/simd_neon.h"
#include "kernels/reduce/kernels.inl"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
