// AVX-512 f32 GEMM micro-kernel, transposing packs and block sizes (loop nest: driver.cc; the
// plain-copy packs and the tile loop: tiles.h).
// Micro-tile MR×(16·NV) held in MR·NV zmm accumulators; each k step loads NV vectors of the packed
// B panel and broadcasts MR scalars of the packed A panel straight from memory ({1to16} operands).
// Edge tiles use masked loads/stores, so one kernel handles every shape.
// GCC 12 warns that the _mm512_undefined_ps() inside the unmasked intrinsics (here the horizontal sums
// of the 16-bit head product) "may be used uninitialized" once they are inlined at -O3 (a known false
// positive).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "kernels/gemm/gemm.h"
#include "kernels/gemm/tiles.h"

namespace flashlm {
namespace FLASHLM_ISA_NS {

namespace {

template <int MR, int NV>
__attribute__((always_inline)) inline void micro(int64_t kc, const float* __restrict pa, const float* __restrict pb,
                                                 float* c, int64_t ldc, int m, int n, float beta) {
  constexpr int NR = 16 * NV;
  __m512 acc[MR][NV];
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();

  // The tile's first touch of C comes after the k loop; start pulling its lines in now (for write,
  // as C is usually overwritten) so a large C does not stall every store on a miss.
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16 * v), _MM_HINT_ET0);
  }
  for (int64_t k = 0; k < kc; ++k) {
    __m512 b[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) b[v] = _mm512_load_ps(pb + 16 * v);
#pragma GCC unroll 32
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(pa[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, b[v], acc[i][v]);
    }
    pa += MR;
    pb += NR;
  }

  __mmask16 mask[NV];
#pragma GCC unroll 4
  for (int v = 0; v < NV; ++v) {
    const int left = n - 16 * v;
    mask[v] = left >= 16 ? static_cast<__mmask16>(0xFFFF) : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
  }
  const __m512 vbeta = _mm512_set1_ps(beta);
#pragma GCC unroll 32
  for (int i = 0; i < MR; ++i) {
    if (i >= m) break;
    float* ci = c + i * ldc;
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) {
      __m512 r = acc[i][v];
      // beta == 0 must not read C (it may hold NaN).
      if (beta != 0.0f) r = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(mask[v], ci + 16 * v), r);
      _mm512_mask_storeu_ps(ci + 16 * v, mask[v], r);
    }
  }
}

constexpr int kMR = 14, kNV = 2, kNR = 16 * kNV;

// In-register 16×16 transpose: on return r[j][i] is the old r[i][j]. Four rounds of shuffles
// (unpack ps, unpack pd, then two 128-bit lane shuffles), 64 in all.
__attribute__((always_inline)) inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int p = 0; p < 8; ++p) {
    t[2 * p] = _mm512_unpacklo_ps(r[2 * p], r[2 * p + 1]);
    t[2 * p + 1] = _mm512_unpackhi_ps(r[2 * p], r[2 * p + 1]);
  }
  // u[4q + c], 128-bit lane L: column 4L + c of rows 4q..4q+3.
  for (int q = 0; q < 4; ++q) {
    u[4 * q + 0] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[4 * q]), _mm512_castps_pd(t[4 * q + 2])));
    u[4 * q + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[4 * q]), _mm512_castps_pd(t[4 * q + 2])));
    u[4 * q + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[4 * q + 1]), _mm512_castps_pd(t[4 * q + 3])));
    u[4 * q + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[4 * q + 1]), _mm512_castps_pd(t[4 * q + 3])));
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 v02 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), w02 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
    const __m512 v13 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xdd), w13 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xdd);
    r[c] = _mm512_shuffle_f32x4(v02, w02, 0x88);
    r[8 + c] = _mm512_shuffle_f32x4(v02, w02, 0xdd);
    r[4 + c] = _mm512_shuffle_f32x4(v13, w13, 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(v13, w13, 0xdd);
  }
}

// dst[k*stride + r] = src[r*ld + k] for r < width (rows >= `rows` written as 0), k < kc: the
// transposing half of packing (A stored M×K, B stored N×K). 16 k at a time through transpose16,
// instead of one scattered scalar store per element.
void pack_transposed(const float* src, int64_t ld, int rows, int width, int64_t kc, float* dst, int64_t stride) {
  const __mmask16 wmask = static_cast<__mmask16>((1u << width) - 1);
  for (int64_t k = 0; k < kc; k += 16) {
    const int left = kc - k < 16 ? static_cast<int>(kc - k) : 16;
    const __mmask16 lmask = static_cast<__mmask16>((1u << left) - 1);
    __m512 r[16];
    for (int i = 0; i < 16; ++i)
      r[i] = i < rows ? _mm512_maskz_loadu_ps(lmask, src + i * ld + k) : _mm512_setzero_ps();
    transpose16(r);
    for (int t = 0; t < left; ++t) _mm512_mask_storeu_ps(dst + (k + t) * stride, wmask, r[t]);
  }
}

void pack_a(const float* a, int64_t lda, bool trans, int64_t mc, int64_t kc, float* dst) {
  if (trans) {
    // A stored K×M: row k holds op(A)[·][k] contiguously, so walk k outermost and read each row
    // of the block in one sweep (per panel, the reads would hop rows 14 floats at a time).
    const int64_t panels = (mc + kMR - 1) / kMR;
    for (int64_t k = 0; k < kc; ++k) {
      const float* src = a + k * lda;
      for (int64_t p = 0; p < panels; ++p) {
        const int64_t rows = mc - p * kMR < kMR ? mc - p * kMR : kMR;
        const __mmask16 m = static_cast<__mmask16>((1u << rows) - 1);
        // Writes all kMR lanes: rows past mc come out of the masked load as zeros.
        _mm512_mask_storeu_ps(dst + p * kMR * kc + k * kMR, (1u << kMR) - 1, _mm512_maskz_loadu_ps(m, src + p * kMR));
      }
    }
    return;
  }
  for (int64_t i0 = 0; i0 < mc; i0 += kMR, dst += kMR * kc) {
    const int rows = mc - i0 < kMR ? static_cast<int>(mc - i0) : kMR;
    pack_transposed(a + i0 * lda, lda, rows, kMR, kc, dst, kMR);
  }
}

void pack_b(const float* b, int64_t ldb, bool trans, int64_t kc, int64_t nc, float* dst) {
  if (!trans) return gemm_tiles::pack_b<kNR>(b, ldb, trans, kc, nc, dst);
  for (int64_t j0 = 0; j0 < nc; j0 += kNR, dst += kNR * kc) {
    for (int64_t h = 0; h < kNR; h += 16) {
      const int64_t left = nc - j0 - h;
      const int cols = left <= 0 ? 0 : left < 16 ? static_cast<int>(left) : 16;
      pack_transposed(b + (j0 + h) * ldb, ldb, cols, 16, kc, dst + h, kNR);
    }
  }
}

void micro_tile(int64_t kc, const float* pa, const float* pb, float* c, int64_t ldc, int m, int n, float beta) {
  micro<kMR, kNV>(kc, pa, pb, c, ldc, m, n, beta);
}

// M = 1 (gemm.h gemv_t): 4 rows at a time, 2 accumulators each (k unrolled by 32), so 8 FMA chains
// hide the FMA latency; the k tail is a masked load. The matrix streams once from memory or L3.
void gemv_t(const float* a, const float* b, int64_t ldb, int64_t k, int64_t n0, int64_t n1, float* c, float beta) {
  const int64_t k32 = k / 32 * 32, k16 = k / 16 * 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (k - k16)) - 1);
  auto finish = [&](int64_t j, __m512 acc) {
    const float s = _mm512_reduce_add_ps(acc);
    c[j] = beta == 0.0f ? s : s + beta * c[j];
  };
  int64_t j = n0;
  for (; j + 4 <= n1; j += 4) {
    const float* r0 = b + j * ldb;
    const float* r1 = r0 + ldb;
    const float* r2 = r1 + ldb;
    const float* r3 = r2 + ldb;
    __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    int64_t p = 0;
    for (; p < k32; p += 32) {
      const __m512 x0 = _mm512_loadu_ps(a + p), x1 = _mm512_loadu_ps(a + p + 16);
      a0 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r0 + p), a0);
      a1 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r1 + p), a1);
      a2 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r2 + p), a2);
      a3 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r3 + p), a3);
      b0 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(r0 + p + 16), b0);
      b1 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(r1 + p + 16), b1);
      b2 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(r2 + p + 16), b2);
      b3 = _mm512_fmadd_ps(x1, _mm512_loadu_ps(r3 + p + 16), b3);
    }
    if (p < k16) {
      const __m512 x0 = _mm512_loadu_ps(a + p);
      a0 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r0 + p), a0);
      a1 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r1 + p), a1);
      a2 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r2 + p), a2);
      a3 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(r3 + p), a3);
      p += 16;
    }
    if (p < k) {
      const __m512 x0 = _mm512_maskz_loadu_ps(tail, a + p);
      b0 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(tail, r0 + p), b0);
      b1 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(tail, r1 + p), b1);
      b2 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(tail, r2 + p), b2);
      b3 = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(tail, r3 + p), b3);
    }
    finish(j, _mm512_add_ps(a0, b0));
    finish(j + 1, _mm512_add_ps(a1, b1));
    finish(j + 2, _mm512_add_ps(a2, b2));
    finish(j + 3, _mm512_add_ps(a3, b3));
  }
  for (; j < n1; ++j) {
    const float* r0 = b + j * ldb;
    __m512 a0 = _mm512_setzero_ps(), b0 = a0;
    int64_t p = 0;
    for (; p < k32; p += 32) {
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + p), _mm512_loadu_ps(r0 + p), a0);
      b0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + p + 16), _mm512_loadu_ps(r0 + p + 16), b0);
    }
    if (p < k16) a0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + p), _mm512_loadu_ps(r0 + p), a0), p += 16;
    if (p < k) b0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, a + p), _mm512_maskz_loadu_ps(tail, r0 + p), b0);
    finish(j, _mm512_add_ps(a0, b0));
  }
}

// The 16-bit B product (gemm.h gemv_half_t, written in half_gemv.h): widening f16 is vcvtph2ps,
// bf16 a zero-extend and a 16-bit shift (both exact).
struct HalfVocab {
  using Vec = __m512;
  static constexpr int W = 16;
  static constexpr int kAccRegs = 16;
  static Vec zero() { return _mm512_setzero_ps(); }
  static Vec load(const float* p) { return _mm512_loadu_ps(p); }
  static Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
  static Vec add(Vec a, Vec b) { return _mm512_add_ps(a, b); }
  static float sum(Vec v) { return _mm512_reduce_add_ps(v); }
  template <HalfFormat F>
  static Vec widen(const uint16_t* p) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    if constexpr (F == HalfFormat::f16) return _mm512_cvtph_ps(h);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  // A head is streamed once per step from L3: prefetching 4 KB ahead of each row took v7's bf16 head
  // from ~1.45 to ~1.3 ms here (the hardware prefetcher alone keeps too few lines in flight).
  static void prefetch(const uint16_t* p) { _mm_prefetch(reinterpret_cast<const char*>(p) + 4096, _MM_HINT_T0); }
};

#include "kernels/gemm/half_gemv.h"

}  // namespace

// Blocks (Zen 5 here: 48 KB L1d, 1 MB L2 per core, 32 MB shared L3). KC = 768 keeps skinny shapes
// (K = 768, N = 192) to one pass over C; the 14×32 kernel then streams its 96 KB B panel from L2,
// which Zen's L2 feeds easily (~14 B/cycle needed). A block 168×768 floats = 0.5 MB of L2; B block
// 768×1344 floats = 4 MB per thread of L3. KC 256/384/512 measured within noise elsewhere.
const SgemmKernels& sgemm_kernels() {
  static const SgemmKernels k{
      kMR, kNR,
      /*mc=*/kMR * 12, /*kc=*/768, /*nc=*/1344,
      pack_a, pack_b, gemm_tiles::macro<kMR, kNR, micro_tile>, gemv_t, half_gemv<HalfVocab>,
  };
  return k;
}

}  // namespace FLASHLM_ISA_NS
}  // namespace flashlm
