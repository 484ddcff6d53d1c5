// Scan kernels, neon build: the shared SIMD bodies (scan_simd.inc) over the NEON Vec (vec_neon.inc).
#include <arm_neon.h>

#include <algorithm>
#include <cstdint>

#include "interrupt.h"
#include "kernels/scan/scan.h"
#include "threads.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#include "kernels/scan/vec_neon.inc"
#include "kernels/scan/scan_simd.inc"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
