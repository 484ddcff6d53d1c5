// Reduction kernels over a (outer, n, inner) view: sum (float64 accumulation) and max with argmax,
// plus the contiguous-row forms used when inner == 1 and for full reductions. Scalar reference
// (*_ref) and avx2:: / avx512:: / neon:: versions; bind/reduce.cc does the reshaping, tiling and threading.
// Results never depend on the thread count: each output is produced by one task in a fixed order.
#pragma once
#include <cstdint>

namespace flashlm {

// Tiles of the inner dimension summed at once by the strided kernels (float64 accumulators on the stack).
constexpr int64_t kReduceTile = 256;

// Sum of x[0..n) accumulated in float64.
double sum_contig_ref(const float* x, int64_t n);
// out[j] = scale * sum_a x[a*inner + j] for j < cols (cols <= kReduceTile), float64 accumulation.
void sum_strided_ref(int64_t n, int64_t inner, int64_t cols, const float* x, float* out, double scale);
// Max of x[0..n) (n >= 1) and the first index where it occurs. NaN wins (first NaN), as in PyTorch.
void max_contig_ref(const float* x, int64_t n, float* out, int32_t* idx);
// Same along a strided axis for `cols` adjacent columns.
void max_strided_ref(int64_t n, int64_t inner, int64_t cols, const float* x, float* out, int32_t* idx);

// The first index i < n with x[i] NaN or ±inf, or -1 if all are finite (finite.cc; threaded).
int64_t first_non_finite(const float* x, int64_t n);
// Σ a[i]·b[i] for i < n in float64, on the calling thread, with active_isa()'s dot_contig (the
// products are exact in float64; a plain loop for the scalar ISA). dot.cc.
double dot_f64(const float* a, const float* b, int64_t n);

#define FLASHLM_REDUCE_DECLS                                                                  \
  double sum_contig(const float* x, int64_t n);                                               \
  double dot_contig(const float* a, const float* b, int64_t n);                               \
  void sum_strided(int64_t n, int64_t inner, int64_t cols, const float* x, float* out, double scale); \
  void max_contig(const float* x, int64_t n, float* out, int32_t* idx);                       \
  void max_strided(int64_t n, int64_t inner, int64_t cols, const float* x, float* out, int32_t* idx);

namespace avx2 { FLASHLM_REDUCE_DECLS }
namespace avx512 { FLASHLM_REDUCE_DECLS }
namespace neon { FLASHLM_REDUCE_DECLS }
#undef FLASHLM_REDUCE_DECLS

}  // namespace flashlm
