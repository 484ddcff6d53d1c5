// See block.h. Baseline code: the ISA-specific work happens inside the family drivers and kernels it
// calls, chosen by active_isa() exactly as their own bindings choose them.
#include "kernels/decode/block.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <new>
#include <vector>

#include "dispatch.h"
#include "interrupt.h"
#include "kernels/attention/attention.h"
#include "kernels/elementwise/elementwise.h"
#include "kernels/norm/norm.h"
#include "kernels/reduce/reduce.h"
#include "kernels/softmax/row_driver.h"
#include "kernels/ternary/ternary.h"
#include "threads.h"

namespace flashlm {

namespace {

using RmsForward = decltype(&rmsnorm_forward_ref);
using SwigluForward = decltype(&swiglu_forward_ref);

// The same tables bind/norm.cc and bind/elementwise.cc dispatch through.
RmsForward rms_kernel() {
#if defined(FLASHLM_HAVE_X86)
  if (active_isa() == Isa::avx512) return avx512::rmsnorm_forward;
  if (active_isa() == Isa::avx2) return avx2::rmsnorm_forward;
#endif
#if defined(FLASHLM_HAVE_NEON)
  if (active_isa() == Isa::neon) return neon::rmsnorm_forward;
#endif
  return rmsnorm_forward_ref;
}

SwigluForward swiglu_kernel() {
#if defined(FLASHLM_HAVE_X86)
  if (active_isa() == Isa::avx512) return avx512::swiglu_forward;
  if (active_isa() == Isa::avx2) return avx2::swiglu_forward;
#endif
#if defined(FLASHLM_HAVE_NEON)
  if (active_isa() == Isa::neon) return neon::swiglu_forward;
#endif
  return swiglu_forward_ref;
}

// bind/elementwise.cc's split for swigluForward (chunk boundaries follow n alone).
constexpr int64_t kSwigluMinChunk = (INT64_C(1) << 16) / 4;

// Per-thread scratch, grown on demand and kept: a decode step allocates nothing.
struct Buffers {
  std::vector<float> h, rstd, xs, q, k, v, qr, kr, o, y, gate, up, colscale;
  std::vector<int8_t> q8;
};
thread_local Buffers t_buf;

float* grow(std::vector<float>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
  return v.data();
}

bool all_finite(const float* x, int64_t n) { return first_non_finite(x, n) < 0; }

void rmsnorm(const float* x, const float* g, float* y, float* rstd, int64_t M, int64_t C, float eps) {
  const RmsForward k = rms_kernel();
  rows::for_rows(M, C, [&](int64_t r0, int64_t r1) { k(x + r0 * C, g, y + r0 * C, rstd + r0, r1 - r0, C, eps); });
}

// y (M×p.n) = p applied to the already quantized rows (q8, xs); colscale = wscale·α as bind/ternary.cc forms it.
bool project(const DecodeProjection& p, const int8_t* q8, const float* xs, int64_t M, float* y, Buffers& b) {
  float* cs = grow(b.colscale, p.wscale_per_row ? p.n : 1);
  for (int64_t j = 0; j < (p.wscale_per_row ? p.n : 1); ++j) cs[j] = p.wscale[j] * p.alpha;
  I8TernaryArgs g{q8, M, p.k, p.packed, p.n, nullptr, nullptr, y, xs, cs, p.wscale_per_row};
  return i8_ternary_gemm(g);
}

struct Output {
  const DecodeProjection* p;
  float* y;
};

// Projections of the same quantized rows (q/k/v, gate/up) as one pool job: fewer hand-overs and longer
// streams per thread (v7's decode step with the bf16 head: 2.02 -> 1.89 ms). colscale as project() forms it.
bool project_group(std::initializer_list<Output> outs, const int8_t* q8, const float* xs, int64_t M, Buffers& b) {
  constexpr size_t kMax = 3;  // q, k, v
  if (outs.size() > kMax) {
    for (const Output& o : outs)
      if (!project(*o.p, q8, xs, M, o.y, b)) return false;
    return true;
  }
  I8TernaryArgs args[kMax];
  int n = 0;
  int64_t total = 0;
  for (const Output& o : outs) total += o.p->wscale_per_row ? o.p->n : 1;
  float* cs = grow(b.colscale, total);
  for (const Output& o : outs) {
    const DecodeProjection& p = *o.p;
    const int64_t c = p.wscale_per_row ? p.n : 1;
    for (int64_t j = 0; j < c; ++j) cs[j] = p.wscale[j] * p.alpha;
    args[n++] = I8TernaryArgs{q8, M, p.k, p.packed, p.n, nullptr, nullptr, o.y, xs, cs, p.wscale_per_row};
    cs += c;
  }
  return i8_ternary_gemm_group(args, n);
}

}  // namespace

void decode_rmsnorm(const float* x, const float* g, float* y, float* rstd, int64_t M, int64_t C, float eps) {
  rmsnorm(x, g, y, rstd, M, C, eps);
}

DecodeStatus decode_block(float* x, const DecodeBlockArgs& a) {
  Buffers& b = t_buf;
  const int64_t M = a.B * a.t, d = a.dim, hd = a.dim / a.heads, F = a.hidden;
  float* h = grow(b.h, M * d);
  float* rstd = grow(b.rstd, M);
  float* xs = grow(b.xs, M);
  if (static_cast<int64_t>(b.q8.size()) < M * std::max(d, F)) b.q8.resize(static_cast<size_t>(M * std::max(d, F)));
  int8_t* q8 = b.q8.data();
  float *q = grow(b.q, M * d), *k = grow(b.k, M * d), *v = grow(b.v, M * d);
  float *qr = grow(b.qr, M * d), *kr = grow(b.kr, M * d), *o = grow(b.o, M * d), *y = grow(b.y, M * d);
  float *gate = grow(b.gate, M * F), *up = grow(b.up, M * F);
  auto stop = [] { return interrupt_requested(); };

  // Attention half: x += o_proj(attend(rope(q_proj(n)), rope(k_proj(n)), v_proj(n))), n = rmsnorm(x).
  rmsnorm(x, a.attn_norm, h, rstd, M, d, a.norm_eps);
  if (!all_finite(h, M * d)) return DecodeStatus::non_finite;
  if (!quantize_activations_i8(h, M, d, a.act_eps, q8, xs)) return DecodeStatus::interrupted;
  if (!project_group({{&a.q, q}, {&a.k, k}, {&a.v, v}}, q8, xs, M, b)) return DecodeStatus::interrupted;
  rope(active_isa(), q, qr, a.cos_t, a.sin_t, a.B, a.t, a.heads, hd, a.start, false);
  rope(active_isa(), k, kr, a.cos_t, a.sin_t, a.B, a.t, a.heads, hd, a.start, false);
  attention_decode(qr, kr, v, a.k_cache, a.v_cache, o, a.B, a.t, a.heads, hd, a.start, a.capacity, a.scale);
  if (stop()) return DecodeStatus::interrupted;
  if (!all_finite(o, M * d)) return DecodeStatus::non_finite;
  if (!quantize_activations_i8(o, M, d, a.act_eps, q8, xs) || !project(a.o, q8, xs, M, y, b))
    return DecodeStatus::interrupted;
  for (int64_t i = 0; i < M * d; ++i) x[i] = x[i] + y[i];

  // MLP half: x += down(silu(gate(n)) · up(n)), n = rmsnorm(x).
  rmsnorm(x, a.mlp_norm, h, rstd, M, d, a.norm_eps);
  if (!all_finite(h, M * d)) return DecodeStatus::non_finite;
  if (!quantize_activations_i8(h, M, d, a.act_eps, q8, xs)) return DecodeStatus::interrupted;
  if (!project_group({{&a.gate, gate}, {&a.up, up}}, q8, xs, M, b)) return DecodeStatus::interrupted;
  const SwigluForward sw = swiglu_kernel();
  parallel_for(M * F, kSwigluMinChunk, [&](int64_t s, int64_t e) { sw(e - s, gate + s, up + s, gate + s); });
  if (!all_finite(gate, M * F)) return DecodeStatus::non_finite;
  if (!quantize_activations_i8(gate, M, F, a.act_eps, q8, xs) || !project(a.down, q8, xs, M, y, b))
    return DecodeStatus::interrupted;
  for (int64_t i = 0; i < M * d; ++i) x[i] = x[i] + y[i];
  return stop() ? DecodeStatus::interrupted : DecodeStatus::ok;
}

}  // namespace flashlm
