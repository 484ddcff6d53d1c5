// Scalar reference for the f32 GEMM family (see gemm.h): the obviously-correct triple loop that
// every SIMD variant is tested against. It is also the kernel behind ISA "scalar" (and NEON, which
// has no GEMM kernel yet), so the loop order is i, p, j: the inner loop walks rows of C and, for
// row-major B, rows of B, which keeps it tolerable on large shapes.
#include <cstddef>
#include <vector>

#include "interrupt.h"

#include "kernels/gemm/gemm.h"

namespace flashlm {

void sgemm_ref(const SgemmArgs& g) {
  std::vector<double> row(static_cast<size_t>(g.n));  // one row of op(A)·op(B), in double
  for (int64_t bi = 0; bi < g.batch; ++bi) {
    const float* a = g.a + bi * g.stride_a;
    const float* b = g.b + bi * g.stride_b;
    float* c = g.c + bi * g.stride_c;
    for (int64_t i = 0; i < g.m; ++i) {
      if (interrupt_requested()) return;
      for (int64_t j = 0; j < g.n; ++j) row[j] = 0.0;
      for (int64_t p = 0; p < g.k; ++p) {
        const double aip = g.trans_a ? a[p * g.lda + i] : a[i * g.lda + p];
        if (g.trans_b) {
          for (int64_t j = 0; j < g.n; ++j) row[j] += aip * b[j * g.ldb + p];
        } else {
          const float* brow = b + p * g.ldb;
          for (int64_t j = 0; j < g.n; ++j) row[j] += aip * brow[j];
        }
      }
      float* crow = c + i * g.ldc;
      // beta == 0 must not read C: NaN/Inf left there by the caller may not leak into the result.
      if (g.beta == 0.0f) {
        for (int64_t j = 0; j < g.n; ++j) crow[j] = static_cast<float>(row[j]);
      } else {
        for (int64_t j = 0; j < g.n; ++j) crow[j] = static_cast<float>(row[j] + static_cast<double>(g.beta) * crow[j]);
      }
    }
  }
}

void gemv_half_ref(HalfFormat f, const float* x, int64_t m, const uint16_t* w, int64_t n, int64_t k, float* out) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) s += static_cast<double>(x[i * k + p]) * half_to_f32(f, w[j * k + p]);
      out[i * n + j] = static_cast<float>(s);
    }
  }
}

}  // namespace flashlm
