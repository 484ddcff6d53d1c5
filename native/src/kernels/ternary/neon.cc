// NEON int8 × ternary micro-kernels (layout: ternary.h) and activation quantization. In a 64-byte half
// of a packed block, each 16-byte chunk c holds 4 columns (4c..4c+3 of the half) × 4 consecutive k, so
// one load, shifted by 2s and masked with 3, is a 4×4 code tile for k-group s. Two kernels:
//  - SDOT (armv8.2-a dotprod, checked at run time via HWCAP_ASIMDDP): vdotq_s32 of the code tile with
//    the 4 activations broadcast adds the 4 columns' partial sums in one instruction; 2 rows × 8 chunks
//    = 16 int32x4 accumulators.
//  - baseline armv8-a: vmull_s8 (|code·x| <= 2·128 fits int16) then vpadalq_s16 into pair sums, one
//    row × 8 chunks × 2 halves accumulators; the pairs are folded by vpaddq_s32 at the store.
// Both subtract the activation row sum (the +1 code offset) at the store, like the x86 kernels.
#include <arm_neon.h>
#if defined(__linux__)
#include <sys/auxv.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/ternary/ternary.h"

#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif

namespace flashlm {
namespace FLASHLM_ISA_NS {

namespace {

inline int8x16_t bcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return vreinterpretq_s8_s32(vdupq_n_s32(v));
}

inline int8x16_t codes(const uint8_t* wp, int chunk, int s) {
  const uint8x16_t raw = vld1q_u8(wp + 16 * chunk);
  return vreinterpretq_s8_u8(vandq_u8(vshlq_u8(raw, vdupq_n_s8(static_cast<int8_t>(-2 * s))), vdupq_n_u8(3)));
}

// Stores one row's 32 column sums (minus the row sum) of panel p.
inline void store_row(const I8TernaryArgs& a, int64_t i, int64_t p, const int32x4_t (&acc)[8]) {
  alignas(16) int32_t v[32];
  const int32x4_t rs = vdupq_n_s32(a.rowsum[i]);
  for (int c = 0; c < 8; ++c) vst1q_s32(v + 4 * c, vsubq_s32(acc[c], rs));
  const int64_t j0 = p * 32, cols = std::min<int64_t>(32, a.n - j0);
  if (a.out_i32 != nullptr) {
    std::memcpy(a.out_i32 + i * a.n + j0, v, static_cast<size_t>(cols) * 4);
  } else {
    float* o = a.out_f32 + i * a.n + j0;
    for (int64_t j = 0; j < cols; ++j) o[j] = ternary_rescale(v[j], a.xscale[i], a.colscale[a.colscale_per_n ? j0 + j : 0]);
  }
}

// One 16-k block of MR rows: acc[r][c] += the 4 columns' code·x sums over this block.
template <int MR>
__attribute__((target("arch=armv8.2-a+dotprod"), always_inline)) inline void block_dot(int32x4_t (&acc)[MR][8],
                                                                                      const uint8_t* wp,
                                                                                      const int8_t* x, int64_t ldx) {
#pragma GCC unroll 4
  for (int s = 0; s < 4; ++s) {
    int8x16_t w[8];
#pragma GCC unroll 8
    for (int c = 0; c < 8; ++c) w[c] = codes(wp, c, s);
#pragma GCC unroll 2
    for (int r = 0; r < MR; ++r) {
      const int8x16_t xb = bcast4(x + r * ldx + 4 * s);
#pragma GCC unroll 8
      for (int c = 0; c < 8; ++c) acc[r][c] = vdotq_s32(acc[r][c], w[c], xb);
    }
  }
}

template <int MR>
__attribute__((target("arch=armv8.2-a+dotprod"))) void tile_dot(const I8TernaryArgs& a, int64_t i0, int64_t p) {
  int32x4_t acc[MR][8];
  for (int r = 0; r < MR; ++r)
    for (int c = 0; c < 8; ++c) acc[r][c] = vdupq_n_s32(0);
  const int64_t kb = ternary_kblocks(a.k), kfull = a.k / 16;
  const uint8_t* wp = a.packed + p * kb * kTernaryBlockBytes;
  const int8_t* x = a.x + i0 * a.k;
  for (int64_t b = 0; b < kfull; ++b) block_dot<MR>(acc, wp + b * kTernaryBlockBytes, x + b * 16, a.k);
  if (kfull < kb) {  // the last partial K block from a zero-padded copy
    alignas(16) int8_t tail[MR][16] = {};
    for (int r = 0; r < MR; ++r) std::memcpy(tail[r], x + r * a.k + kfull * 16, static_cast<size_t>(a.k - kfull * 16));
    block_dot<MR>(acc, wp + kfull * kTernaryBlockBytes, &tail[0][0], 16);
  }
  for (int r = 0; r < MR; ++r) store_row(a, i0 + r, p, acc[r]);
}

// lo[c] gets the pair sums of columns 4c, 4c+1 and hi[c] those of 4c+2, 4c+3.
__attribute__((always_inline)) inline void block_mull(int32x4_t (&lo)[8], int32x4_t (&hi)[8], const uint8_t* wp,
                                                      const int8_t* x) {
#pragma GCC unroll 4
  for (int s = 0; s < 4; ++s) {
    const int8x8_t xb = vget_low_s8(bcast4(x + 4 * s));
#pragma GCC unroll 8
    for (int c = 0; c < 8; ++c) {
      const int8x16_t w = codes(wp, c, s);
      lo[c] = vpadalq_s16(lo[c], vmull_s8(vget_low_s8(w), xb));
      hi[c] = vpadalq_s16(hi[c], vmull_s8(vget_high_s8(w), xb));
    }
  }
}

void tile_mull(const I8TernaryArgs& a, int64_t i, int64_t p) {
  int32x4_t lo[8], hi[8];
  for (int c = 0; c < 8; ++c) lo[c] = hi[c] = vdupq_n_s32(0);
  const int64_t kb = ternary_kblocks(a.k), kfull = a.k / 16;
  const uint8_t* wp = a.packed + p * kb * kTernaryBlockBytes;
  const int8_t* x = a.x + i * a.k;
  for (int64_t b = 0; b < kfull; ++b) block_mull(lo, hi, wp + b * kTernaryBlockBytes, x + b * 16);
  if (kfull < kb) {
    alignas(16) int8_t tail[16] = {};
    std::memcpy(tail, x + kfull * 16, static_cast<size_t>(a.k - kfull * 16));
    block_mull(lo, hi, wp + kfull * kTernaryBlockBytes, tail);
  }
  int32x4_t acc[8];
  for (int c = 0; c < 8; ++c) acc[c] = vpaddq_s32(lo[c], hi[c]);  // [4c, 4c+1, 4c+2, 4c+3]
  store_row(a, i, p, acc);
}

constexpr int kMR = 2;

__attribute__((target("arch=armv8.2-a+dotprod"))) void i8_block_dot(const I8TernaryArgs& a, int64_t m0, int64_t m1,
                                                                     int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p) {
    int64_t i = m0;
    for (; i + kMR <= m1; i += kMR) tile_dot<kMR>(a, i, p);
    if (i < m1) tile_dot<1>(a, i, p);
  }
}

void i8_block_mull(const I8TernaryArgs& a, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p)
    for (int64_t i = m0; i < m1; ++i) tile_mull(a, i, p);
}

// BL-B158 activation quantization, 4 floats at a time: true division, round half to even, clamp —
// each correctly rounded, so the result equals the reference bit for bit.
void quantize_rows(const float* x, int64_t m0, int64_t m1, int64_t k, float eps, int8_t* q, float* scale) {
  for (int64_t i = m0; i < m1; ++i) {
    const float* row = x + i * k;
    int8_t* qr = q + i * k;
    float32x4_t vmax = vdupq_n_f32(0.0f);
    int64_t j = 0;
    for (; j + 4 <= k; j += 4) vmax = vmaxq_f32(vmax, vabsq_f32(vld1q_f32(row + j)));
    float amax = vmaxvq_f32(vmax);
    for (; j < k; ++j) amax = std::max(amax, std::fabs(row[j]));
    const float s = std::max(amax, eps) / 127.0f;
    scale[i] = s;
    const float32x4_t vs = vdupq_n_f32(s), lo = vdupq_n_f32(-128.0f), hi = vdupq_n_f32(127.0f);
    for (j = 0; j + 8 <= k; j += 8) {
      const float32x4_t a = vminq_f32(vmaxq_f32(vrndnq_f32(vdivq_f32(vld1q_f32(row + j), vs)), lo), hi);
      const float32x4_t b = vminq_f32(vmaxq_f32(vrndnq_f32(vdivq_f32(vld1q_f32(row + j + 4), vs)), lo), hi);
      const int16x8_t w16 = vcombine_s16(vmovn_s32(vcvtq_s32_f32(a)), vmovn_s32(vcvtq_s32_f32(b)));
      vst1_s8(qr + j, vmovn_s16(w16));
    }
    for (; j < k; ++j) qr[j] = static_cast<int8_t>(std::min(127.0f, std::max(-128.0f, std::nearbyint(row[j] / s))));
  }
}

bool has_dotprod() {
#if defined(__linux__)
  return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#else
  return false;
#endif
}

}  // namespace

const TernaryKernels& ternary_kernels() {
  static const bool dot = has_dotprod();
  return dot ? ternary_kernels_dotprod() : ternary_kernels_baseline();
}

const TernaryKernels& ternary_kernels_dotprod() {
  static const TernaryKernels k{&i8_block_dot, kMR, nullptr, nullptr, &quantize_rows};
  return k;
}

const TernaryKernels& ternary_kernels_baseline() {
  static const TernaryKernels k{&i8_block_mull, 1, nullptr, nullptr, &quantize_rows};
  return k;
}

}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
