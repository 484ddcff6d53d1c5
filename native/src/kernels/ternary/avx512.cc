// AVX-512 VNNI int8 × ternary micro-kernel (layout: ternary.h). A tile is MR rows × one 32-column
// panel, held in MR×2 zmm int32 accumulators. Per 16-k block it loads the panel's two 64-byte halves
// once, and for each k-group s unpacks them in registers ((P >> 2s) & 3 per byte: the u8 codes of
// 16 columns × 4 k) and runs one vpdpbusd per row and half against 4 broadcast int8 activations.
// The +1 code offset is removed at the store with the row sum; the f32 rescale is fused there too.
// GCC 12 flags the _mm512_undefined_* inside its own intrinsic headers as maybe-uninitialized.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/ternary/ternary.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {

namespace {

inline __m512i bcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

template <int MR>
__attribute__((always_inline)) inline void block16(__m512i (&acc)[MR][2], const uint8_t* wp, const int8_t* x,
                                                   int64_t ldx) {
  const __m512i three = _mm512_set1_epi8(3);
  const __m512i p0 = _mm512_loadu_si512(wp), p1 = _mm512_loadu_si512(wp + 64);
#pragma GCC unroll 4
  for (int s = 0; s < 4; ++s) {
    const __m512i w0 = _mm512_and_si512(_mm512_srli_epi16(p0, 2 * s), three);
    const __m512i w1 = _mm512_and_si512(_mm512_srli_epi16(p1, 2 * s), three);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const __m512i b = bcast4(x + r * ldx + 4 * s);
      acc[r][0] = _mm512_dpbusd_epi32(acc[r][0], w0, b);
      acc[r][1] = _mm512_dpbusd_epi32(acc[r][1], w1, b);
    }
  }
}

// Rows i0..i0+MR of panel p.
template <int MR>
void tile(const I8TernaryArgs& a, int64_t i0, int64_t p) {
  __m512i acc[MR][2];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_si512();
  const int64_t kb = ternary_kblocks(a.k), kfull = a.k / 16;
  const uint8_t* wp = a.packed + p * kb * kTernaryBlockBytes;
  const int8_t* x = a.x + i0 * a.k;
  for (int64_t b = 0; b < kfull; ++b) block16<MR>(acc, wp + b * kTernaryBlockBytes, x + b * 16, a.k);
  if (kfull < kb) {
    // Partial last block: zero-padded copy, so no load runs past the end of x.
    alignas(64) int8_t tail[MR][16] = {};
    const int64_t rem = a.k - kfull * 16;
    for (int r = 0; r < MR; ++r) std::memcpy(tail[r], x + r * a.k + kfull * 16, static_cast<size_t>(rem));
    block16<MR>(acc, wp + kfull * kTernaryBlockBytes, &tail[0][0], 16);
  }
#pragma GCC unroll 2
  for (int h = 0; h < 2; ++h) {
    const int64_t j0 = p * 32 + h * 16;
    if (j0 >= a.n) break;
    const int64_t cols = std::min<int64_t>(16, a.n - j0);
    const __mmask16 mask = cols == 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << cols) - 1);
    __m512 cs = _mm512_setzero_ps();
    if (a.out_f32 != nullptr)
      cs = a.colscale_per_n ? _mm512_maskz_loadu_ps(mask, a.colscale + j0) : _mm512_set1_ps(a.colscale[0]);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const int64_t i = i0 + r;
      const __m512i v = _mm512_sub_epi32(acc[r][h], _mm512_set1_epi32(a.rowsum[i]));
      if (a.out_i32 != nullptr) {
        _mm512_mask_storeu_epi32(a.out_i32 + i * a.n + j0, mask, v);
      } else {
        const __m512 sc = _mm512_mul_ps(_mm512_set1_ps(a.xscale[i]), cs);
        _mm512_mask_storeu_ps(a.out_f32 + i * a.n + j0, mask, _mm512_mul_ps(_mm512_cvtepi32_ps(v), sc));
      }
    }
  }
}

// Stores the two halves of panel p for row i from accumulators acc[h] (the tile's epilogue, one row).
inline void store_row(const I8TernaryArgs& a, int64_t i, int64_t p, const __m512i (&acc)[2]) {
#pragma GCC unroll 2
  for (int h = 0; h < 2; ++h) {
    const int64_t j0 = p * 32 + h * 16;
    if (j0 >= a.n) break;
    const int64_t cols = std::min<int64_t>(16, a.n - j0);
    const __mmask16 mask = cols == 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << cols) - 1);
    const __m512i v = _mm512_sub_epi32(acc[h], _mm512_set1_epi32(a.rowsum[i]));
    if (a.out_i32 != nullptr) {
      _mm512_mask_storeu_epi32(a.out_i32 + i * a.n + j0, mask, v);
    } else {
      const __m512 cs = a.colscale_per_n ? _mm512_maskz_loadu_ps(mask, a.colscale + j0) : _mm512_set1_ps(a.colscale[0]);
      const __m512 sc = _mm512_mul_ps(_mm512_set1_ps(a.xscale[i]), cs);
      _mm512_mask_storeu_ps(a.out_f32 + i * a.n + j0, mask, _mm512_mul_ps(_mm512_cvtepi32_ps(v), sc));
    }
  }
}

// One row (batch-1 decode): the MR = 1 tile keeps only 2 accumulator chains of 4 dependent vpdpbusd
// per 16-k block, so it waits on latency. Here PANELS panels run together and even / odd k-groups go
// to separate accumulators: 4·PANELS independent chains, each 2 deep per block. Integer sums are
// exact, so the split changes no bit of the result.
constexpr int64_t kPrefetchBytes = 1024;

template <int PANELS>
void row_panels(const I8TernaryArgs& a, int64_t i, int64_t p) {
  __m512i acc[PANELS][2][2];
#pragma GCC unroll 4
  for (int q = 0; q < PANELS; ++q) acc[q][0][0] = acc[q][0][1] = acc[q][1][0] = acc[q][1][1] = _mm512_setzero_si512();
  const int64_t kb = ternary_kblocks(a.k), kfull = a.k / 16;
  const int64_t panel_bytes = kb * kTernaryBlockBytes;
  const uint8_t* wp = a.packed + p * panel_bytes;
  const int8_t* x = a.x + i * a.k;
  const __m512i three = _mm512_set1_epi8(3);
  auto block = [&](const uint8_t* w, const int8_t* xb) __attribute__((always_inline)) {
    // Each weight is read once (a decode step streams them from L3): ask for the panels' lines 1 KB
    // ahead, which the hardware prefetcher alone left ~5% slower on v7's projections. Prefetches
    // past the matrix's end are harmless hints.
#pragma GCC unroll 4
    for (int q = 0; q < PANELS; ++q) {
      _mm_prefetch(reinterpret_cast<const char*>(w + q * panel_bytes + kPrefetchBytes), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(w + q * panel_bytes + kPrefetchBytes + 64), _MM_HINT_T0);
    }
    __m512i b[4];
#pragma GCC unroll 4
    for (int s = 0; s < 4; ++s) b[s] = bcast4(xb + 4 * s);
#pragma GCC unroll 4
    for (int q = 0; q < PANELS; ++q) {
      const __m512i p0 = _mm512_loadu_si512(w + q * panel_bytes), p1 = _mm512_loadu_si512(w + q * panel_bytes + 64);
#pragma GCC unroll 4
      for (int s = 0; s < 4; ++s) {
        const __m512i w0 = _mm512_and_si512(_mm512_srli_epi16(p0, 2 * s), three);
        const __m512i w1 = _mm512_and_si512(_mm512_srli_epi16(p1, 2 * s), three);
        acc[q][s & 1][0] = _mm512_dpbusd_epi32(acc[q][s & 1][0], w0, b[s]);
        acc[q][s & 1][1] = _mm512_dpbusd_epi32(acc[q][s & 1][1], w1, b[s]);
      }
    }
  };
  for (int64_t bk = 0; bk < kfull; ++bk) block(wp + bk * kTernaryBlockBytes, x + bk * 16);
  if (kfull < kb) {
    alignas(64) int8_t tail[16] = {};
    std::memcpy(tail, x + kfull * 16, static_cast<size_t>(a.k - kfull * 16));
    block(wp + kfull * kTernaryBlockBytes, tail);
  }
#pragma GCC unroll 4
  for (int q = 0; q < PANELS; ++q) {
    const __m512i sum[2] = {_mm512_add_epi32(acc[q][0][0], acc[q][1][0]), _mm512_add_epi32(acc[q][0][1], acc[q][1][1])};
    store_row(a, i, p + q, sum);
  }
}

constexpr int kMR = 8;

void i8_block(const I8TernaryArgs& a, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  if (m1 - m0 == 1) {
    int64_t p = p0;
    for (; p + 2 <= p1; p += 2) row_panels<2>(a, m0, p);
    if (p < p1) row_panels<1>(a, m0, p);
    return;
  }
  for (int64_t p = p0; p < p1; ++p) {
    int64_t i = m0;
    for (; i + kMR <= m1; i += kMR) tile<kMR>(a, i, p);
    const int64_t rest = m1 - i;
    if (rest >= 4) tile<4>(a, i, p), i += 4;
    if (m1 - i >= 2) tile<2>(a, i, p), i += 2;
    if (m1 - i >= 1) tile<1>(a, i, p);
  }
}

// ---- f32 × ternary (ternary-aware) ----
// vpermps reads only the low 4 bits of each index lane: after a right shift the code sits in bits
// 0-1 with the next code in bits 2-3, so a 16-entry table with entry (idx & 3) − 1 decodes without
// an AND.
inline __m512 sign_table() {
  return _mm512_setr_ps(-1, 0, 1, 0, -1, 0, 1, 0, -1, 0, 1, 0, -1, 0, 1, 0);
}

// Forward tile: rows i0..i0+MR × panel p. Lane j of a 64-byte half is column 16h + j; its 32-bit
// word holds the 16 codes of a k block, code k = 4s + t at bit 8t + 2s.
template <int MR>
void f32_fwd_tile(const F32TernaryArgs& a, int64_t i0, int64_t p) {
  __m512 acc[MR][2];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  const __m512 table = sign_table();
  const int64_t kb = ternary_kblocks(a.k), kfull = a.k / 16;
  const uint8_t* wp = a.packed + p * kb * kTernaryBlockBytes;
  const float* x = a.x + i0 * a.k;
  auto step = [&](const __m512i& p0, const __m512i& p1, int sh, int64_t c) __attribute__((always_inline)) {
    const __m512 w0 = _mm512_permutexvar_ps(_mm512_srli_epi32(p0, sh), table);
    const __m512 w1 = _mm512_permutexvar_ps(_mm512_srli_epi32(p1, sh), table);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const __m512 xb = _mm512_set1_ps(x[r * a.k + c]);
      acc[r][0] = _mm512_fmadd_ps(xb, w0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(xb, w1, acc[r][1]);
    }
  };
  for (int64_t b = 0; b < kb; ++b) {
    const __m512i p0 = _mm512_loadu_si512(wp + b * kTernaryBlockBytes);
    const __m512i p1 = _mm512_loadu_si512(wp + b * kTernaryBlockBytes + 64);
    if (b < kfull) {
#pragma GCC unroll 16
      for (int kk = 0; kk < 16; ++kk) step(p0, p1, 8 * (kk % 4) + 2 * (kk / 4), b * 16 + kk);
    } else {
      for (int kk = 0; kk < a.k - b * 16; ++kk) step(p0, p1, 8 * (kk % 4) + 2 * (kk / 4), b * 16 + kk);
    }
  }
#pragma GCC unroll 2
  for (int h = 0; h < 2; ++h) {
    const int64_t j0 = p * 32 + h * 16;
    if (j0 >= a.n) break;
    const int64_t cols = std::min<int64_t>(16, a.n - j0);
    const __mmask16 mask = cols == 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << cols) - 1);
    const __m512 sc = a.scale_per_row ? _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, a.wscale + j0), _mm512_set1_ps(a.mul))
                                      : _mm512_set1_ps(a.wscale[0] * a.mul);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r)
      _mm512_mask_storeu_ps(a.out + (i0 + r) * a.n + j0, mask, _mm512_mul_ps(acc[r][h], sc));
  }
}

void f32_fwd_block(const F32TernaryArgs& a, int64_t m0, int64_t m1, int64_t p0, int64_t p1) {
  for (int64_t p = p0; p < p1; ++p) {
    int64_t i = m0;
    for (; i + kMR <= m1; i += kMR) f32_fwd_tile<kMR>(a, i, p);
    if (m1 - i >= 4) f32_fwd_tile<4>(a, i, p), i += 4;
    if (m1 - i >= 2) f32_fwd_tile<2>(a, i, p), i += 2;
    if (m1 - i >= 1) f32_fwd_tile<1>(a, i, p);
  }
}

// Backward tile: rows i0..i0+MR of out (M×K) × columns 32·cc .. 32·cc+32 of K (k blocks 2cc, 2cc+1).
// For each weight row j, the 32-bit word at lane j of a k block holds that row's 16 codes; lane
// L = k mod 16 of the decoded vector takes the code at bit 8(L%4) + 2(L/4).
template <int MR>
void f32_bwd_tile(const F32TernaryArgs& a, int64_t i0, int64_t cc) {
  __m512 acc[MR][2];
#pragma GCC unroll 16
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  const __m512i shifts = _mm512_setr_epi32(0, 8, 16, 24, 2, 10, 18, 26, 4, 12, 20, 28, 6, 14, 22, 30);
  const int64_t kb = ternary_kblocks(a.k), b0 = 2 * cc;
  const bool two = b0 + 1 < kb;
  // Per-tensor scale only: the driver folds a per-row scale into the gradient first.
  const __m512 table = _mm512_mul_ps(sign_table(), _mm512_set1_ps(a.wscale[0] * a.mul));
  for (int64_t j = 0; j < a.n; ++j) {
    const uint8_t* base = a.packed + (j / 32) * kb * kTernaryBlockBytes + ((j % 32) / 16) * 64 + (j % 16) * 4;
    int32_t word0, word1 = 0x55555555;
    std::memcpy(&word0, base + b0 * kTernaryBlockBytes, 4);
    if (two) std::memcpy(&word1, base + (b0 + 1) * kTernaryBlockBytes, 4);
    const __m512 w0 = _mm512_permutexvar_ps(_mm512_srlv_epi32(_mm512_set1_epi32(word0), shifts), table);
    const __m512 w1 = _mm512_permutexvar_ps(_mm512_srlv_epi32(_mm512_set1_epi32(word1), shifts), table);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) {
      const __m512 gb = _mm512_set1_ps(a.x[(i0 + r) * a.n + j]);
      acc[r][0] = _mm512_fmadd_ps(gb, w0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(gb, w1, acc[r][1]);
    }
  }
#pragma GCC unroll 2
  for (int h = 0; h < 2; ++h) {
    const int64_t c0 = 32 * cc + 16 * h;
    if (c0 >= a.k) break;
    const int64_t cols = std::min<int64_t>(16, a.k - c0);
    const __mmask16 mask = cols == 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << cols) - 1);
#pragma GCC unroll 16
    for (int r = 0; r < MR; ++r) _mm512_mask_storeu_ps(a.out + (i0 + r) * a.k + c0, mask, acc[r][h]);
  }
}

void f32_bwd_block(const F32TernaryArgs& a, int64_t m0, int64_t m1, int64_t c0, int64_t c1) {
  for (int64_t cc = c0; cc < c1; ++cc) {
    int64_t i = m0;
    for (; i + kMR <= m1; i += kMR) f32_bwd_tile<kMR>(a, i, cc);
    if (m1 - i >= 4) f32_bwd_tile<4>(a, i, cc), i += 4;
    if (m1 - i >= 2) f32_bwd_tile<2>(a, i, cc), i += 2;
    if (m1 - i >= 1) f32_bwd_tile<1>(a, i, cc);
  }
}

// BL-B158 activation quantization, 16 floats at a time; x / s is a true division (not a multiply by
// 1/s) so the codes equal the reference's exactly.
void quantize_rows(const float* x, int64_t m0, int64_t m1, int64_t k, float eps, int8_t* q, float* scale) {
  for (int64_t i = m0; i < m1; ++i) {
    const float* row = x + i * k;
    int8_t* qr = q + i * k;
    __m512 vmax = _mm512_setzero_ps();
    int64_t j = 0;
    for (; j + 16 <= k; j += 16) vmax = _mm512_max_ps(vmax, _mm512_abs_ps(_mm512_loadu_ps(row + j)));
    float amax = _mm512_reduce_max_ps(vmax);
    for (; j < k; ++j) amax = std::max(amax, std::fabs(row[j]));
    const float s = std::max(amax, eps) / 127.0f;
    scale[i] = s;
    const __m512 vs = _mm512_set1_ps(s), lo = _mm512_set1_ps(-128.0f), hi = _mm512_set1_ps(127.0f);
    for (j = 0; j < k; j += 16) {
      const int64_t cnt = std::min<int64_t>(16, k - j);
      const __mmask16 mask = cnt == 16 ? static_cast<__mmask16>(0xffff) : static_cast<__mmask16>((1u << cnt) - 1);
      __m512 v = _mm512_div_ps(_mm512_maskz_loadu_ps(mask, row + j), vs);
      v = _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      v = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
      _mm_mask_storeu_epi8(qr + j, mask, _mm512_cvtsepi32_epi8(_mm512_cvtps_epi32(v)));
    }
  }
}

}  // namespace

const TernaryKernels& ternary_kernels() {
  static const TernaryKernels k{&i8_block, kMR, &f32_fwd_block, &f32_bwd_block, &quantize_rows};
  return k;
}

}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
