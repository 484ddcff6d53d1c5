// Scalar reference for the ternary family: plain loops over the packed layout of ternary.h, serial,
// no intrinsics. It is the oracle the SIMD kernels are tested against, so it computes Σ_k x·w
// directly from w = code − 1 instead of using the row-sum offset trick the fast kernels use.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/ternary/ternary.h"

namespace flashlm {

int64_t ternary_pack_ref(const int8_t* codes, int64_t n, int64_t k, uint8_t* out) {
  for (int64_t i = 0; i < n * k; ++i)
    if (codes[i] < -1 || codes[i] > 1) return i;
  // 0x55 = code 1 in all four 2-bit fields: padding reads as w = 0.
  std::memset(out, 0x55, static_cast<size_t>(ternary_packed_bytes(n, k)));
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t c = 0; c < k; ++c) {
      uint8_t& byte = out[ternary_code_byte(k, r, c)];
      const int sh = ternary_code_shift(c);
      byte = static_cast<uint8_t>((byte & ~(3u << sh)) | (static_cast<unsigned>(codes[r * k + c] + 1) << sh));
    }
  }
  return -1;
}

void ternary_unpack_ref(const uint8_t* packed, int64_t n, int64_t k, int8_t* out) {
  for (int64_t r = 0; r < n; ++r)
    for (int64_t c = 0; c < k; ++c)
      out[r * k + c] = static_cast<int8_t>(((packed[ternary_code_byte(k, r, c)] >> ternary_code_shift(c)) & 3) - 1);
}

void quantize_activations_i8_rows(const float* x, int64_t m0, int64_t m1, int64_t k, float eps, int8_t* q,
                                  float* scale) {
  for (int64_t i = m0; i < m1; ++i) {
    const float* row = x + i * k;
    float amax = 0.0f;
    for (int64_t j = 0; j < k; ++j) amax = std::max(amax, std::fabs(row[j]));
    const float s = std::max(amax, eps) / 127.0f;
    scale[i] = s;
    for (int64_t j = 0; j < k; ++j) {
      // nearbyint in the default rounding mode = round half to even, like torch.round.
      const float r = std::nearbyint(row[j] / s);
      q[i * k + j] = static_cast<int8_t>(std::min(127.0f, std::max(-128.0f, r)));
    }
  }
}

void i8_ternary_matmul_ref(const int8_t* x, int64_t m, const uint8_t* packed, int64_t n, int64_t k, int32_t* out) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      int32_t acc = 0;
      for (int64_t c = 0; c < k; ++c) {
        const int w = ((packed[ternary_code_byte(k, j, c)] >> ternary_code_shift(c)) & 3) - 1;
        acc += w * x[i * k + c];
      }
      out[i * n + j] = acc;
    }
  }
}

void i8_ternary_block_ref(const I8TernaryArgs& a, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  const int64_t n0 = p0 * kTernaryPanel, n1 = std::min(a.n, p1 * kTernaryPanel);
  for (int64_t i = m0; i < m1; ++i) {
    for (int64_t j = n0; j < n1; ++j) {
      int32_t acc = 0;
      for (int64_t c = 0; c < a.k; ++c) {
        const int w = ((a.packed[ternary_code_byte(a.k, j, c)] >> ternary_code_shift(c)) & 3) - 1;
        acc += w * a.x[i * a.k + c];
      }
      if (a.out_i32 != nullptr) {
        a.out_i32[i * a.n + j] = acc;
      } else {
        a.out_f32[i * a.n + j] = ternary_rescale(acc, a.xscale[i], a.colscale[a.colscale_per_n ? j : 0]);
      }
    }
  }
}

void ternary_dequantize_ref(const uint8_t* packed, int64_t n, int64_t k, const float* wscale, bool scale_per_row,
                            float mul, float* out) {
  for (int64_t r = 0; r < n; ++r) {
    const float s = wscale[scale_per_row ? r : 0] * mul;
    for (int64_t c = 0; c < k; ++c) {
      const int w = ((packed[ternary_code_byte(k, r, c)] >> ternary_code_shift(c)) & 3) - 1;
      out[r * k + c] = static_cast<float>(w) * s;
    }
  }
}

}  // namespace flashlm
