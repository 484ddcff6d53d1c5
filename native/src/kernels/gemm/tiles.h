// Packing and the macro-kernel loop of the blocked f32 GEMM, as templates over the micro-tile
// (MR×NR). Included only by ISA translation units (avx2.cc, avx512.cc): everything here lives in
// namespace flashlm::FLASHLM_ISA_NS, so each ISA gets its own copy compiled with its own flags and
// no inline symbol is shared between TUs built for different ISAs (an ODR clash would let the
// linker pick AVX-512 code for a baseline caller).
#pragma once
#ifndef FLASHLM_ISA_NS
#error "kernels/gemm/tiles.h is only for ISA translation units (FLASHLM_ISA_NS undefined)"
#endif
#include <cstdint>
#include <cstring>

namespace flashlm {
namespace FLASHLM_ISA_NS {
namespace gemm_tiles {

// op(A) block mc×kc -> panels of MR rows, k-major: dst[panel*MR*kc + k*MR + r] = op(A)[panel*MR + r][k].
// With trans (A stored K×M) each k contributes MR contiguous floats; without, each row of A is read
// contiguously and scattered with stride MR (the panel, MR*kc floats, stays in L1 meanwhile).
template <int MR>
void pack_a(const float* a, int64_t lda, bool trans, int64_t mc, int64_t kc, float* dst) {
  for (int64_t i0 = 0; i0 < mc; i0 += MR, dst += MR * kc) {
    const int rows = mc - i0 < MR ? static_cast<int>(mc - i0) : MR;
    if (trans) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = a + k * lda + i0;
        float* d = dst + k * MR;
        if (rows == MR) {
          for (int r = 0; r < MR; ++r) d[r] = src[r];
        } else {
          for (int r = 0; r < rows; ++r) d[r] = src[r];
          for (int r = rows; r < MR; ++r) d[r] = 0.0f;
        }
      }
    } else {
      for (int r = 0; r < rows; ++r) {
        const float* src = a + (i0 + r) * lda;
        for (int64_t k = 0; k < kc; ++k) dst[k * MR + r] = src[k];
      }
      for (int r = rows; r < MR; ++r)
        for (int64_t k = 0; k < kc; ++k) dst[k * MR + r] = 0.0f;
    }
  }
}

// op(B) block kc×nc -> panels of NR columns: dst[panel*NR*kc + k*NR + j] = op(B)[k][panel*NR + j].
template <int NR>
void pack_b(const float* b, int64_t ldb, bool trans, int64_t kc, int64_t nc, float* dst) {
  for (int64_t j0 = 0; j0 < nc; j0 += NR, dst += NR * kc) {
    const int cols = nc - j0 < NR ? static_cast<int>(nc - j0) : NR;
    if (!trans) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = b + k * ldb + j0;
        float* d = dst + k * NR;
        if (cols == NR) {
          for (int j = 0; j < NR; ++j) d[j] = src[j];
        } else {
          for (int j = 0; j < cols; ++j) d[j] = src[j];
          for (int j = cols; j < NR; ++j) d[j] = 0.0f;
        }
      }
    } else {
      for (int j = 0; j < cols; ++j) {
        const float* src = b + (j0 + j) * ldb;
        for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = src[k];
      }
      for (int j = cols; j < NR; ++j)
        for (int64_t k = 0; k < kc; ++k) dst[k * NR + j] = 0.0f;
    }
  }
}

// A micro-kernel computes one m×n tile (m <= MR, n <= NR) of C = pa·pb + beta·C from one A panel
// and one B panel of depth kc.
using MicroFn = void (*)(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, int m, int n,
                         float beta);

// Loops over the tiles of an mc×nc block. The B panel (kc×NR) is the one reused across the inner
// loop, so it stays in L1 while A panels stream from L2 (GotoBLAS order: jr outer, ir inner).
template <int MR, int NR, MicroFn Micro>
void macro(int64_t mc, int64_t nc, int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc,
           float beta) {
  for (int64_t j = 0; j < nc; j += NR) {
    const int n = nc - j < NR ? static_cast<int>(nc - j) : NR;
    const float* bp = pb + j * kc;
    for (int64_t i = 0; i < mc; i += MR) {
      const int m = mc - i < MR ? static_cast<int>(mc - i) : MR;
      Micro(kc, pa + i * kc, bp, c + i * ldc + j, ldc, m, n, beta);
    }
  }
}

}  // namespace gemm_tiles
}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
