// Scalar kernels of the quant family (quant.h). Each pass is parallel over rows or fixed blocks whose
// boundaries do not depend on the thread count, and every per-element rule matches lib/ops/quant.ts.
#include "kernels/quant/quant.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

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

void quant_absmean_codes(const float* w, int64_t n, int64_t k, const float* div, const float* scale, bool per_row,
                         int8_t* codes, float* deq) {
  parallel_for(n, rows_per_chunk(k), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float d = per_row ? div[r] : div[0];
      const float s = per_row ? scale[r] : scale[0];
      // Half-even rounding sends exactly ±0.5 to 0 and ±1.5 to ±2 (clamped to ±1): the rule below.
      // Branch-free so the compiler vectorizes the (exact, IEEE) division.
      const float* wr = w + r * k;
      int8_t* cr = codes + r * k;
      for (int64_t j = 0; j < k; ++j) {
        const float q = wr[j] / d;
        cr[j] = static_cast<int8_t>(static_cast<int>(q > 0.5f) - static_cast<int>(q < -0.5f));
      }
      if (deq != nullptr) {
        float* dr = deq + r * k;
        for (int64_t j = 0; j < k; ++j) dr[j] = static_cast<float>(cr[j]) * s;
      }
    }
  });
}

void quant_threshold_codes(const float* w, int64_t len, float t, int8_t* codes, float* deq) {
  parallel_for(len, kBlock, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) codes[i] = static_cast<int8_t>(static_cast<int>(w[i] > t) - static_cast<int>(w[i] < -t));
    if (deq != nullptr)
      for (int64_t i = i0; i < i1; ++i) deq[i] = static_cast<float>(codes[i]);
  });
}

float quant_lower_median_abs(const float* w, int64_t len, float* scratch) {
  for (int64_t i = 0; i < len; ++i) scratch[i] = std::fabs(w[i]);
  const int64_t target = (len - 1) / 2;
  std::nth_element(scratch, scratch + target, scratch + len);
  return scratch[target];
}

int64_t quant_absmax_i8(const float* x, int64_t m, int64_t k, float eps, int8_t* q, float* scale) {
  // Adding and subtracting 1.5·2^23 rounds to the nearest integer, ties to even, for |v| < 2^22
  // (here |v| <= 127·(1 + 2^-23)); unlike nearbyint it vectorizes on baseline SSE2.
  const float magic = 12582912.0f;
  std::atomic<int64_t> first_bad{-1};
  parallel_for(m, rows_per_chunk(k), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * k;
      float mx = 0.0f;
      int bad = 0;  // any NaN or ±Inf in the row (they would make the codes meaningless)
      for (int64_t j = 0; j < k; ++j) {
        const float a = std::fabs(xr[j]);
        mx = a > mx ? a : mx;
        bad |= !(a <= 3.4028234663852886e38f);
      }
      if (bad) {
        int64_t expected = -1;
        first_bad.compare_exchange_strong(expected, r);
        std::fill(q + r * k, q + (r + 1) * k, int8_t{0});
        scale[r] = 0.0f;
        continue;
      }
      const float s = std::max(mx, eps) / 127.0f;
      scale[r] = s;
      int8_t* qr = q + r * k;
      for (int64_t j = 0; j < k; ++j) {
        float v = (xr[j] / s + magic) - magic;
        v = v < -128.0f ? -128.0f : (v > 127.0f ? 127.0f : v);
        qr[j] = static_cast<int8_t>(static_cast<int>(v));
      }
    }
  });
  return first_bad.load();
}

void quant_ternary_activations(const float* x, int64_t m, int64_t k, int8_t* codes, double* row_sums) {
  const float factor = 0.6745f;  // §8.1 requantize_f32
  parallel_for(m, rows_per_chunk(k), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * k;
      double s = 0;
      for (int64_t j = 0; j < k; ++j) s += std::fabs(static_cast<double>(xr[j]));
      row_sums[r] = s;
      const float t = factor * static_cast<float>(s / static_cast<double>(k));
      int8_t* cr = codes + r * k;
      for (int64_t j = 0; j < k; ++j) cr[j] = static_cast<int8_t>(static_cast<int>(xr[j] > t) - static_cast<int>(xr[j] < -t));
    }
  });
}

void quant_dequantize_rows_i8(const int8_t* q, const float* scale, int64_t m, int64_t k, float* out) {
  parallel_for(m, rows_per_chunk(k), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float s = scale[r];
      for (int64_t i = r * k; i < (r + 1) * k; ++i) out[i] = static_cast<float>(q[i]) * s;
    }
  });
}

void quant_ste_clip(float* grad, const float* w, int64_t len, float clip) {
  parallel_for(len, kBlock, [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i)
      if (!(std::fabs(w[i]) < clip)) grad[i] = 0.0f;
  });
}

double quant_dot(const float* a, const float* b, int64_t len) {
  const int64_t blocks = (len + kBlock - 1) / kBlock;
  std::vector<double> partial(static_cast<size_t>(blocks), 0.0);
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t bl = b0; bl < b1; ++bl) {
      double s = 0;
      const int64_t end = std::min(len, (bl + 1) * kBlock);
      for (int64_t i = bl * kBlock; i < end; ++i) s += static_cast<double>(a[i]) * static_cast<double>(b[i]);
      partial[static_cast<size_t>(bl)] = s;
    }
  });
  double s = 0;
  for (double p : partial) s += p;
  return s;
}

}  // namespace ref
}  // namespace flashlm
