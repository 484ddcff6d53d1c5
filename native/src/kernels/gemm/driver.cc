// Blocked f32 GEMM driver (GotoBLAS/BLIS loop nest) and ISA dispatch for the gemm family. The ISA
// files only pack and multiply tiles; this file runs the loop nest, sizes the blocks, splits the
// work over the thread pool, owns the per-thread packing buffers and polls the interrupt flag. It
// is compiled for baseline x86-64, so std::function and friends never get ISA-specific code.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <cmath>
#include <cstdlib>
#include <new>

#include "dispatch.h"
#include "interrupt.h"
#include "kernels/gemm/gemm.h"
#include "threads.h"

namespace flashlm {

namespace {

// A packing buffer per thread, grown on demand and kept, so steady-state calls never allocate.
// 64-byte aligned: the micro-kernels use aligned vector loads on packed panels.
struct Scratch {
  float* data = nullptr;
  size_t capacity = 0;  // floats
  ~Scratch() { std::free(data); }
  float* get(size_t n) {
    if (n > capacity) {
      std::free(data);
      const size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
      data = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (data == nullptr) throw std::bad_alloc();
      capacity = n;
    }
    return data;
  }
};
thread_local Scratch t_pack_a, t_pack_b;

const SgemmKernels* kernels_for(Isa isa) {
#if defined(FLASHLM_HAVE_X86)
  if (isa == Isa::avx512) return &avx512::sgemm_kernels();
  if (isa == Isa::avx2) return &avx2::sgemm_kernels();
#endif
#if defined(FLASHLM_HAVE_NEON)
  if (isa == Isa::neon) return &neon::sgemm_kernels();
#endif
  return nullptr;  // scalar: the reference loops
}

int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// Splits `total` into the fewest blocks of at most `max_block`, of equal size rounded up to `align`,
// so a dimension just past a block boundary does not leave a sliver block behind.
int64_t even_block(int64_t total, int64_t max_block, int64_t align) {
  const int64_t blocks = (total + max_block - 1) / max_block;
  return std::min(round_up((total + blocks - 1) / blocks, align), round_up(total, align));
}

// C[m0..m1)[n0..n1) of one batch entry: jc (NC) -> pc (KC, pack B) -> ic (MC, pack A) -> tiles.
// KC is as deep as the ISA allows (each K block is one more pass over C); MC and NC then follow
// from the A-block (L2) and B-block (L3 share) budgets. Returns false if interrupted.
bool blocked(const SgemmKernels& kr, const SgemmArgs& g, const float* a, const float* b, float* c, int64_t m0,
             int64_t m1, int64_t n0, int64_t n1) {
  const int64_t kb = even_block(g.k, kr.kc, 8);
  const int64_t mb = even_block(m1 - m0, std::max<int64_t>(kr.mr, kr.mc * kr.kc / kb / kr.mr * kr.mr), kr.mr);
  const int64_t nb = even_block(n1 - n0, std::max<int64_t>(kr.nr, kr.nc * kr.kc / kb / kr.nr * kr.nr), kr.nr);
  float* pa = t_pack_a.get(static_cast<size_t>(mb * kb));
  float* pb = t_pack_b.get(static_cast<size_t>(nb * kb));
  for (int64_t jc = n0; jc < n1; jc += nb) {
    const int64_t nc = std::min(nb, n1 - jc);
    for (int64_t pc = 0; pc < g.k; pc += kb) {
      const int64_t kc = std::min(kb, g.k - pc);
      kr.pack_b(g.trans_b ? b + jc * g.ldb + pc : b + pc * g.ldb + jc, g.ldb, g.trans_b, kc, nc, pb);
      // Later K blocks accumulate onto what the first one wrote.
      const float beta = pc == 0 ? g.beta : 1.0f;
      for (int64_t ic = m0; ic < m1; ic += mb) {
        if (interrupt_requested()) return false;
        const int64_t mc = std::min(mb, m1 - ic);
        kr.pack_a(g.trans_a ? a + pc * g.lda + ic : a + ic * g.lda + pc, g.lda, g.trans_a, mc, kc, pa);
        kr.macro(mc, nc, kc, pa, pb, c + ic * g.ldc + jc, g.ldc, beta);
      }
    }
  }
  return true;
}

// K = 0: the product is empty, so C = beta·C (and beta = 0 writes zeros without reading C).
void scale_c(const SgemmArgs& g) {
  for (int64_t bi = 0; bi < g.batch; ++bi) {
    for (int64_t i = 0; i < g.m; ++i) {
      float* row = g.c + bi * g.stride_c + i * g.ldc;
      for (int64_t j = 0; j < g.n; ++j) row[j] = g.beta == 0.0f ? 0.0f : g.beta * row[j];
    }
  }
}

// Below this many multiply-adds a second thread costs more (wake-up, duplicated packing) than it saves.
constexpr double kMinMacsPerThread = 1 << 19;

// How C is cut for `threads` threads: tm row parts × tn column parts of every batch entry. Packing
// work grows with the cuts (each row part packs all of its B columns, each column part all of its
// A rows), so the split goes across the larger of M and N, and batch entries are preferred when
// there are enough of them to share evenly.
struct Plan {
  int threads, tm, tn;
};

Plan plan(const SgemmKernels& kr, const SgemmArgs& g) {
  const double macs = static_cast<double>(g.batch) * g.m * g.n * g.k;
  int t = static_cast<int>(std::min<double>(thread_count(), std::max(1.0, macs / kMinMacsPerThread)));
  if (t <= 1) return {1, 1, 1};
  if (g.batch % t == 0 || g.batch >= 4 * t) return {t, 1, 1};
  const int64_t row_tiles = (g.m + kr.mr - 1) / kr.mr, col_tiles = (g.n + kr.nr - 1) / kr.nr;
  Plan best{t, 1, 1};
  double best_cost = -1;
  for (int tm = 1; tm <= t; ++tm) {
    if (t % tm != 0) continue;
    const int tn = t / tm;
    if (tm > row_tiles || tn > col_tiles) continue;
    // Packed floats per batch entry, plus a penalty for uneven tile counts per part.
    const double pack = static_cast<double>(tn) * g.m * g.k + static_cast<double>(tm) * g.k * g.n;
    const double rows_per = std::ceil(static_cast<double>(row_tiles) / tm) * tm / row_tiles;
    const double cols_per = std::ceil(static_cast<double>(col_tiles) / tn) * tn / col_tiles;
    const double cost = pack + static_cast<double>(g.m) * g.n * g.k * 2.0 / t * (rows_per * cols_per - 1.0);
    if (best_cost < 0 || cost < best_cost) best = {t, tm, tn}, best_cost = cost;
  }
  if (best_cost < 0) return {1, 1, 1};  // too small to cut (cannot happen past kMinMacsPerThread)
  return best;
}

// M = 1 with B transposed (gemm.h gemv_t): rows of B in chunks taken from a shared counter, so a
// thread the OS descheduled on the shared machine does not hold the others up. Returns false if
// interrupted.
constexpr int64_t kGemvRowsPerItem = 64;

void gemv(const SgemmKernels& kr, const SgemmArgs& g) {
  const double macs = static_cast<double>(g.n) * g.k;
  const int t = static_cast<int>(std::min<double>(thread_count(), std::max(1.0, macs / kMinMacsPerThread)));
  for (int64_t bi = 0; bi < g.batch; ++bi) {
    const float* a = g.a + bi * g.stride_a;
    const float* b = g.b + bi * g.stride_b;
    float* c = g.c + bi * g.stride_c;
    const int64_t items = (g.n + kGemvRowsPerItem - 1) / kGemvRowsPerItem;
    std::atomic<int64_t> next{0};
    parallel_run(t, [&](int, int) {
      for (int64_t it; (it = next.fetch_add(1, std::memory_order_relaxed)) < items;) {
        if (interrupt_requested()) return;
        kr.gemv_t(a, b, g.ldb, g.k, it * kGemvRowsPerItem, std::min(g.n, (it + 1) * kGemvRowsPerItem), c, g.beta);
      }
    });
    if (interrupt_requested()) return;
  }
}

}  // namespace

void sgemm(const SgemmArgs& g) {
  if (g.batch == 0 || g.m == 0 || g.n == 0) return;
  if (g.k == 0) return scale_c(g);
  const SgemmKernels* kr = kernels_for(active_isa());
  if (kr == nullptr) return sgemm_ref(g);
  if (g.m == 1 && g.trans_b && !g.trans_a && kr->gemv_t != nullptr) return gemv(*kr, g);

  const Plan p = plan(*kr, g);
  const int64_t parts = static_cast<int64_t>(p.tm) * p.tn;
  const int64_t items = g.batch * parts;
  // Row/column cuts fall on micro-tile boundaries so only the last part has edge tiles.
  const int64_t rows_per = round_up((g.m + p.tm - 1) / p.tm, kr->mr);
  const int64_t cols_per = round_up((g.n + p.tn - 1) / p.tn, kr->nr);
  parallel_run(p.threads, [&](int tid, int nt) {
    for (int64_t it = items * tid / nt, end = items * (tid + 1) / nt; it < end; ++it) {
      const int64_t bi = it / parts, part = it % parts;
      const int64_t m0 = std::min(g.m, (part / p.tn) * rows_per), m1 = std::min(g.m, m0 + rows_per);
      const int64_t n0 = std::min(g.n, (part % p.tn) * cols_per), n1 = std::min(g.n, n0 + cols_per);
      if (m0 >= m1 || n0 >= n1) continue;
      if (!blocked(*kr, g, g.a + bi * g.stride_a, g.b + bi * g.stride_b, g.c + bi * g.stride_c, m0, m1, n0, n1)) return;
    }
  });
}

// A batch of sequences reads W once per group of up to 4 rows of x (half_gemv.h), so a small batch
// costs about one batch-1 step; the groups run one after another, each threaded over W's rows.
bool gemv_half(HalfFormat f, const float* x, int64_t m, const uint16_t* w, int64_t n, int64_t k, float* out) {
  if (m == 0 || n == 0) return true;
  const SgemmKernels* kr = kernels_for(active_isa());
  if (kr == nullptr || kr->gemv_half_t == nullptr || k == 0) {
    gemv_half_ref(f, x, m, w, n, k, out);
    return !interrupt_requested();
  }
  constexpr int64_t kRowsPerPass = 4;
  const double macs = static_cast<double>(n) * k;
  const int t = static_cast<int>(std::min<double>(thread_count(), std::max(1.0, macs / kMinMacsPerThread)));
  const int64_t items = (n + kGemvRowsPerItem - 1) / kGemvRowsPerItem;
  for (int64_t i = 0; i < m; i += kRowsPerPass) {
    const int rows = static_cast<int>(std::min(kRowsPerPass, m - i));
    std::atomic<int64_t> next{0};
    parallel_run(t, [&](int, int) {
      for (int64_t it; (it = next.fetch_add(1, std::memory_order_relaxed)) < items;) {
        if (interrupt_requested()) return;
        kr->gemv_half_t(f, rows, x + i * k, w, k, it * kGemvRowsPerItem, std::min(n, (it + 1) * kGemvRowsPerItem), out + i * n, n);
      }
    });
    if (interrupt_requested()) return false;
  }
  return true;
}

}  // namespace flashlm
