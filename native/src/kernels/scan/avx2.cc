// Scan kernels, avx2 build: the shared SIMD bodies (scan_simd.inc) over the avx2 Vec (vec.inc).
#include <immintrin.h>

#include <algorithm>
#include <cstdint>

#include "interrupt.h"
#include "kernels/scan/scan.h"
#include "threads.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {
#define FLASHLM_VEC_AVX2
#include "kernels/scan/vec.inc"
#include "kernels/scan/scan_simd.inc"
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
