// f32 <-> 16-bit conversions for decode heads (gemm.h f32_to_half, half_to_f32). Portable bit
// arithmetic, not F16C: the copy is made once per weight change, and one code path gives the same
// codes on every ISA.
#include <cmath>
#include <cstring>

#include "kernels/gemm/gemm.h"

namespace flashlm {

namespace {

uint32_t bits_of(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}
float float_of(uint32_t u) {
  float x;
  std::memcpy(&x, &u, 4);
  return x;
}

uint16_t to_bf16(uint32_t u, int64_t& overflowed) {
  const uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40);  // NaN stays NaN
  u += 0x7fffu + ((u >> 16) & 1u);  // to nearest, ties to even (overflow carries into ±inf)
  if (a < 0x7f800000u && (u & 0x7f800000u) == 0x7f800000u) ++overflowed;
  return static_cast<uint16_t>(u >> 16);
}

// f16 by cases on |x|: NaN, rounds past 65504 (→ inf: 65520 is the tie with 2^16 and goes to the even
// side), normal (rebias the exponent by 127 − 15, round at bit 13; a carry moves into the exponent),
// subnormal or zero (|x|·2^24 rounded to an integer is the code: the product is exact).
uint16_t to_f16(uint32_t u, int64_t& overflowed) {
  const auto sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t a = u & 0x7fffffffu;
  if (a > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((a >> 13) & 0x3ffu));
  if (a >= 0x477ff000u) {
    if (a < 0x7f800000u) ++overflowed;
    return static_cast<uint16_t>(sign | 0x7c00u);
  }
  if (a >= 0x38800000u) {
    uint32_t r = a - 0x38000000u;
    r += 0xfffu + ((r >> 13) & 1u);
    return static_cast<uint16_t>(sign | (r >> 13));
  }
  return static_cast<uint16_t>(sign | static_cast<uint16_t>(std::nearbyint(float_of(a) * 16777216.0f)));
}

}  // namespace

int64_t f32_to_half(HalfFormat f, const float* src, int64_t n, uint16_t* dst) {
  int64_t overflowed = 0;
  if (f == HalfFormat::bf16) {
    for (int64_t i = 0; i < n; ++i) dst[i] = to_bf16(bits_of(src[i]), overflowed);
  } else {
    for (int64_t i = 0; i < n; ++i) dst[i] = to_f16(bits_of(src[i]), overflowed);
  }
  return overflowed;
}

float half_to_f32(HalfFormat f, uint16_t h) {
  if (f == HalfFormat::bf16) return float_of(static_cast<uint32_t>(h) << 16);
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0) return float_of(sign | bits_of(static_cast<float>(m) * 5.9604644775390625e-8f));  // m·2^-24, exact
  if (e == 31) return float_of(sign | 0x7f800000u | (m << 13));
  return float_of(sign | ((e + 112) << 23) | (m << 13));
}

}  // namespace flashlm
