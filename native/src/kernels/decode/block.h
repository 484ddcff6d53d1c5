// One pre-norm BitNet b1.58 transformer block (the v7 "ECLIPSE" family, lib/models/eclipse.ts) for
// decoding over a KV cache, in one native call: x += attn(rmsnorm(x)); x += mlp(rmsnorm(x)), with BL-B158
// projections (int8 activations × packed ternary weights), rotate-half RoPE and SwiGLU.
//
// Why: at batch 1 a block is ~15 small operations, and from JavaScript each one paid a binding crossing,
// argument checks and a tensor allocation — more than its arithmetic (bitnet-bench spent most of a
// decode step there). This runs the SAME family kernels the separate ops run (norm, ternary, attention,
// elementwise), on the same inputs, in the same order, so the result is bit for bit the unfused decode's.
// The only sharing it adds is exact: q/k/v read one quantization of norm(x), gate/up another.
#pragma once
#include <cstdint>

namespace flashlm {

// One BL-B158 projection: y (M×n) = Q8(x) (M×k) · packed ternary (n×k)ᵀ · wscale · alpha.
struct DecodeProjection {
  const uint8_t* packed;  // ternary.h layout
  const float* wscale;    // 1 or n entries
  bool wscale_per_row;
  float alpha;
  int64_t n, k;
};

struct DecodeBlockArgs {
  int64_t B, t;          // rows M = B·t at positions start .. start+t−1
  int64_t dim, heads, hidden;
  int64_t start, capacity;
  float norm_eps, act_eps, scale;  // scale multiplies q·k (1/sqrt(head dim))
  const float* attn_norm;          // (dim)
  const float* mlp_norm;           // (dim)
  DecodeProjection q, k, v, o, gate, up, down;
  const float* cos_t;  // RoPE tables (P, head_dim/2), P ≥ start + t
  const float* sin_t;
  float* k_cache;      // attention_decode's layouts (kernels/attention/attention.h)
  float* v_cache;
};

enum class DecodeStatus { ok, interrupted, non_finite };

// x (M×dim) is updated in place. On non_finite (an activation a BL-B158 layer would quantize is NaN or
// ±inf, which quantizeActivationsI8 rejects too) x and the caches are left partly updated.
DecodeStatus decode_block(float* x, const DecodeBlockArgs& a);

// y (M×C) = rmsnorm(x)·g with the kernel rmsNormForward runs (rstd: M floats of scratch).
void decode_rmsnorm(const float* x, const float* g, float* y, float* rstd, int64_t M, int64_t C, float eps);

}  // namespace flashlm
