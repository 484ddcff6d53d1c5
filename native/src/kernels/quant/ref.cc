// Scalar kernels of the quant family (quant.h). Each pass is parallel over rows or fixed blocks whose
// boundaries do not depend on the thread count, and every per-element rule matches lib/ops/quant.ts.
#include "kernels/quant/quant.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/reduce/reduce.h"
#include "threads.h"

namespace flashlm {
namespace ref {

namespace {
constexpr int64_t kBlock = 65536;  // elements per block of the blocked passes
int64_t rows_per_chunk(int64_t k) { return std::max<int64_t>(1, kBlock / std::max<int64_t>(k, 1)); }
}  // namespace

void quant_row_abs_sums(const float* w, int64_t n, int64_t k, double* row_sums) {
  parallel_for(n, rows_per_chunk(k), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = w + r * k;
      double s = 0;
      for (int64_t j = 0; j < k; ++j) s += std::fabs(static_cast<double>(row[j]));
      row_sums[r] = s;
    }
  });
}

// One row of quant_absmean_codes. Row kernels take their bounds by value: an int8 store may alias
// anything, so a bound read through a lambda capture would be reloaded and block vectorization.
static void absmean_row(const float* __restrict wr, int64_t k, float d, float s, int8_t* __restrict cr,
                        float* __restrict dr) {
  // Half-even rounding sends exactly ±0.5 to 0 and ±1.5 to ±2 (clamped to ±1): the rule below,
  // branch-free so the (exact, IEEE) division vectorizes.
  for (int64_t j = 0; j < k; ++j) {
    const float q = wr[j] / d;
    cr[j] = static_cast<int8_t>(static_cast<int>(q > 0.5f) - static_cast<int>(q < -0.5f));
  }
  if (dr != nullptr)
    for (int64_t j = 0; j < k; ++j) dr[j] = static_cast<float>(cr[j]) * s;
}

void quant_absmean_codes(const float* w, int64_t n, int64_t k, const float* div, const float* scale, bool per_row,
                         int8_t* codes, float* deq) {
  parallel_for(n, rows_per_chunk(k), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      absmean_row(w + r * k, k, per_row ? div[r] : div[0], per_row ? scale[r] : scale[0], codes + r * k,
                  deq != nullptr ? deq + r * k : nullptr);
  });
}

static void threshold_block(const float* __restrict w, int64_t len, float t, int8_t* __restrict codes,
                            float* __restrict deq) {
  for (int64_t i = 0; i < len; ++i) codes[i] = static_cast<int8_t>(static_cast<int>(w[i] > t) - static_cast<int>(w[i] < -t));
  if (deq != nullptr)
    for (int64_t i = 0; i < len; ++i) deq[i] = static_cast<float>(codes[i]);
}

void quant_threshold_codes(const float* w, int64_t len, float t, int8_t* codes, float* deq) {
  parallel_for(len, kBlock, [&](int64_t i0, int64_t i1) {
    threshold_block(w + i0, i1 - i0, t, codes + i0, deq != nullptr ? deq + i0 : nullptr);
  });
}

float quant_lower_median_abs(const float* w, int64_t len, float* scratch) {
  for (int64_t i = 0; i < len; ++i) scratch[i] = std::fabs(w[i]);
  const int64_t target = (len - 1) / 2;
  std::nth_element(scratch, scratch + target, scratch + len);
  return scratch[target];
}

static double ternary_act_row(const float* __restrict xr, int64_t k, int8_t* __restrict cr) {
  double s = 0;
  for (int64_t j = 0; j < k; ++j) s += std::fabs(static_cast<double>(xr[j]));
  const float t = 0.6745f * static_cast<float>(s / static_cast<double>(k));  // §8.1 requantize_f32
  for (int64_t j = 0; j < k; ++j) cr[j] = static_cast<int8_t>(static_cast<int>(xr[j] > t) - static_cast<int>(xr[j] < -t));
  return s;
}

void quant_ternary_activations(const float* x, int64_t m, int64_t k, int8_t* codes, double* row_sums) {
  parallel_for(m, rows_per_chunk(k), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) row_sums[r] = ternary_act_row(x + r * k, k, codes + r * k);
  });
}

static void dequantize_row(const int8_t* __restrict qr, int64_t k, float s, float* __restrict out) {
  for (int64_t j = 0; j < k; ++j) out[j] = static_cast<float>(qr[j]) * s;
}

void quant_dequantize_rows_i8(const int8_t* q, const float* scale, int64_t m, int64_t k, float* out) {
  parallel_for(m, rows_per_chunk(k), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) dequantize_row(q + r * k, k, scale[r], out + r * k);
  });
}

static void ste_clip_block(float* __restrict g, const float* __restrict w, int64_t len, float clip) {
  for (int64_t i = 0; i < len; ++i) g[i] = std::fabs(w[i]) < clip ? g[i] : 0.0f;
}

void quant_ste_clip(float* grad, const float* w, int64_t len, float clip) {
  parallel_for(len, kBlock, [&](int64_t i0, int64_t i1) { ste_clip_block(grad + i0, w + i0, i1 - i0, clip); });
}

double quant_dot(const float* a, const float* b, int64_t len) {
  const int64_t blocks = (len + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<size_t>(blocks), 0.0);
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t bl = b0; bl < b1; ++bl) {
      const int64_t end = std::min(len, (bl + 1) * kBlock);
      partial[static_cast<size_t>(bl)] = dot_f64(a + bl * kBlock, b + bl * kBlock, end - bl * kBlock);
    }
  });
  double s = 0;
  for (double p : partial) s += p;
  return s;
}

}  // namespace ref
}  // namespace flashlm
