// See model.h.
#include "kernels/decode/model.h"

#include <cstring>
#include <vector>

#include "interrupt.h"
#include "kernels/gemm/gemm.h"

namespace flashlm {

namespace {

thread_local std::vector<float> t_h, t_n, t_rstd;

float* grow(std::vector<float>& v, int64_t n) {
  if (static_cast<int64_t>(v.size()) < n) v.resize(static_cast<size_t>(n));
  return v.data();
}

}  // namespace

DecodeStatus decode_model_step(DecodeModel& m, const int32_t* tokens, int64_t t, int64_t start, float* logits) {
  const int64_t M = m.batch * t, d = m.dim;
  float* h = grow(t_h, M * d);
  float* n = grow(t_n, M * d);
  float* rstd = grow(t_rstd, M);
  for (int64_t r = 0; r < M; ++r) std::memcpy(h + r * d, m.embed + tokens[r] * d, sizeof(float) * d);
  for (DecodeBlockArgs& b : m.blocks) {
    b.t = t;
    b.start = start;
    const DecodeStatus s = decode_block(h, b);
    if (s != DecodeStatus::ok) return s;
  }
  decode_rmsnorm(h, m.final_norm, n, rstd, M, d, m.final_eps);
  // The head as eclipse.ts runs it: the 16-bit copy for a single-token step (any batch), else — a
  // prefill — linear()'s f32 GEMM.
  if (m.head16 != nullptr && t == 1) {
    if (!gemv_half(m.head_format, n, M, m.head16, m.vocab, d, logits)) return DecodeStatus::interrupted;
  } else {
    sgemm(SgemmArgs{false, true, 1, M, m.vocab, d, n, 0, d, m.embed, 0, d, logits, 0, m.vocab, 0.0f});
  }
  return interrupt_requested() ? DecodeStatus::interrupted : DecodeStatus::ok;
}

}  // namespace flashlm
