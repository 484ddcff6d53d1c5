// Quant kernel family: the O(N) passes of the S1 weight quantizers (per-row |W| sums, absmean and
// threshold codes, the lower median of |W|), plus the small passes BitLinear's backward needs
// (int8 activation dequantization, the BL-M STE clip, a float64 dot product for α's gradient).
// Scalar by design (memory-bound, once per optimizer step); parallel over rows, so every result is
// independent of the thread count. lib/ops/quant.ts holds the same math in TypeScript (the oracle).
#pragma once
#include <cstdint>

namespace flashlm {
namespace ref {

// row_sums[r] = Σ_j |w[r·k + j]| in float64, summed left to right (n rows of k).
void quant_row_abs_sums(const float* w, int64_t n, int64_t k, double* row_sums);

// codes[r·k + j] = clamp(round_half_even(w/div_r), −1, 1) = ±1 where |fl32(w/div_r)| > 0.5, else 0;
// deq (optional) = codes·scale_r. div and scale hold 1 value (per tensor) or n (per row).
void quant_absmean_codes(const float* w, int64_t n, int64_t k, const float* div, const float* scale, bool per_row,
                         int8_t* codes, float* deq);

// codes = sign(w)·1[|w| > t]; deq (optional) = codes (BL-M and BL-H have no scale).
void quant_threshold_codes(const float* w, int64_t len, float t, int8_t* codes, float* deq);

// The lower median of |w| (torch.median's convention), by nth_element on `scratch` (len floats).
float quant_lower_median_abs(const float* w, int64_t len, float* scratch);

// v6.1-C ternary activations (S1): per row t = fl32(fl32(0.6745)·fl32(Σ|x_row|/k)), codes = +1 where
// x > t, −1 where x < −t, else 0; row_sums[i] = Σ_j |x_ij| in float64 (the caller forms the
// per-tensor scale from them, in row order).
void quant_ternary_activations(const float* x, int64_t m, int64_t k, int8_t* codes, double* row_sums);

// out[i·k + j] = q[i·k + j]·scale[i] (m rows of k).
void quant_dequantize_rows_i8(const int8_t* q, const float* scale, int64_t m, int64_t k, float* out);

// grad[i] = 0 where !(|w[i]| < clip): BL-M's clipped straight-through estimator.
void quant_ste_clip(float* grad, const float* w, int64_t len, float clip);

// Σ a[i]·b[i] in float64 (fixed blocks, summed in order).
double quant_dot(const float* a, const float* b, int64_t len);

}  // namespace ref
}  // namespace flashlm
