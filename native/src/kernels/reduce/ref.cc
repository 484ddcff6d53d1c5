// Scalar reference for the reduce family (the oracle for the SIMD versions): plain loops, float64
// sums, strict '>' so ties keep the first index, NaN treated as larger than everything.
#include "kernels/reduce/reduce.h"

namespace flashlm {

double sum_contig_ref(const float* x, int64_t n) {
  double s = 0.0;
  for (int64_t i = 0; i < n; i++) s += x[i];
  return s;
}

void sum_strided_ref(int64_t n, int64_t inner, int64_t cols, const float* x, float* out, double scale) {
  double acc[kReduceTile] = {};
  for (int64_t a = 0; a < n; a++)
    for (int64_t j = 0; j < cols; j++) acc[j] += x[a * inner + j];
  for (int64_t j = 0; j < cols; j++) out[j] = static_cast<float>(acc[j] * scale);
}

namespace {
// Whether v should replace the current best: greater, or the first NaN.
inline bool beats(float v, float best) { return v > best || (v != v && best == best); }
}  // namespace

void max_contig_ref(const float* x, int64_t n, float* out, int32_t* idx) {
  float best = x[0];
  int32_t bi = 0;
  for (int64_t i = 1; i < n; i++)
    if (beats(x[i], best)) best = x[i], bi = static_cast<int32_t>(i);
  *out = best;
  *idx = bi;
}

void max_strided_ref(int64_t n, int64_t inner, int64_t cols, const float* x, float* out, int32_t* idx) {
  for (int64_t j = 0; j < cols; j++) out[j] = x[j], idx[j] = 0;
  for (int64_t a = 1; a < n; a++)
    for (int64_t j = 0; j < cols; j++)
      if (beats(x[a * inner + j], out[j])) out[j] = x[a * inner + j], idx[j] = static_cast<int32_t>(a);
}

}  // namespace flashlm
