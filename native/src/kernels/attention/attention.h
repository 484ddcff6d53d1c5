// Causal multi-head attention (FlashAttention-2 style, on CPU) and rotate-half RoPE: the scalar
// reference (ref.cc, the oracle), the per-ISA task kernels (simd.h via avx2.cc / avx512.cc / neon.cc)
// and the threaded driver that runs them (driver.cc). Spec S7: scores q·kᵀ·scale, keys j > i masked.
//
// Shapes (B batch, T time, H heads, D head dim, C = H·D): q, k, v, o, dO, dq, dk, dv are (B, T, H, D),
// i.e. the (B, T, C) output of a linear layer; lse (the per-row logsumexp of the scaled scores,
// natural log) is (B, H, T); the RoPE tables cos/sin are (P, D/2) for absolute positions 0..P-1.
#pragma once
#include <cstddef>
#include <cstdint>

#include "dispatch.h"

namespace flashlm {

// ---- decoding over a KV cache (decode.cc: the per-ISA attn_decode_head, a portable one for scalar) ----
// q, k_new, v_new, o: (B, t, H, D) for positions start .. start+t−1. The caches are per head, so one
// head's keys and values are each one contiguous stream:
//   v_cache (B, H, capacity, D): value rows;
//   k_cache (B, H, ⌈capacity/16⌉, D, 16): keys in tiles of kDecodeKeyTile positions, transposed inside a
//   tile (key j of a head: tile j/16, lane j%16), so one query's scores over a vector of keys are D
//   broadcast multiply-adds, with no horizontal sum per key.
// Writes the new keys/values into the caches, then o_i = softmax_j≤start+i(q_i·k_j·scale)·v_j.
constexpr int64_t kDecodeKeyTile = 16;
inline int64_t decode_k_cache_floats(int64_t B, int64_t capacity, int64_t C) {
  return B * C * ((capacity + kDecodeKeyTile - 1) / kDecodeKeyTile * kDecodeKeyTile);
}
void attention_decode(const float* q, const float* k_new, const float* v_new, float* k_cache, float* v_cache,
                      float* o, int64_t B, int64_t t, int64_t H, int64_t D, int64_t start, int64_t capacity,
                      float scale);

// ---- scalar reference (ref.cc) ----
void attention_forward_ref(const float* q, const float* k, const float* v, float* o, float* lse, int64_t B,
                           int64_t T, int64_t H, int64_t D, float scale);
// Overwrites dq, dk, dv.
void attention_backward_ref(const float* q, const float* k, const float* v, const float* o, const float* lse,
                            const float* dout, float* dq, float* dk, float* dv, int64_t B, int64_t T, int64_t H,
                            int64_t D, float scale);
// p: (B, H, T, T) softmax probabilities, zeros above the diagonal. For small inputs (attention maps).
void attention_probs_ref(const float* q, const float* k, float* p, int64_t B, int64_t T, int64_t H, int64_t D,
                         float scale);
// Fills cos/sin (P, D/2) with cos/sin(p · base^(−2i/D)), angles in double.
void rope_table_ref(float* cos_t, float* sin_t, int64_t P, int64_t D, double base);
// y = rotate(x) at positions pos0 + t (inverse = false) or its transpose (inverse = true, the backward).
// y may equal x (in place).
void rope_ref(const float* x, float* y, const float* cos_t, const float* sin_t, int64_t B, int64_t T, int64_t H,
              int64_t D, int64_t pos0, bool inverse);

// ---- per-ISA task kernels (simd.h). One forward task = one (b, h, query block); one backward task = one
// (b, h) head. `scratch` holds at least *_scratch_floats() floats, 64-byte aligned, owned by the caller's thread.
#define FLASHLM_ATTENTION_ISA_DECLS                                                                              \
  int64_t attn_fwd_block_rows();                                                                                 \
  size_t attn_fwd_scratch_floats(int64_t D);                                                                     \
  void attn_fwd_task(const float* q, const float* k, const float* v, float* o, float* lse, int64_t T, int64_t H, \
                     int64_t D, float scale, int64_t b, int64_t h, int64_t qblock, float* scratch);              \
  size_t attn_bwd_scratch_floats(int64_t T, int64_t D);                                                         \
  void attn_bwd_head(const float* q, const float* k, const float* v, const float* o, const float* lse,          \
                     const float* dout, float* dq, float* dk, float* dv, int64_t T, int64_t H, int64_t D,       \
                     float scale, int64_t b, int64_t h, float* scratch);                                        \
  void rope_rows(const float* x, float* y, const float* cos_t, const float* sin_t, int64_t row0, int64_t row1, \
                 int64_t T, int64_t H, int64_t D, int64_t pos0, bool inverse);                               \
  size_t attn_decode_scratch_floats(int64_t keys, int64_t D);                                                    \
  void attn_decode_head(const float* q, const float* kt, const float* v, float* o, int64_t keys, int64_t D,     \
                        float scale, float* scratch);

namespace avx2 { FLASHLM_ATTENTION_ISA_DECLS }
namespace avx512 { FLASHLM_ATTENTION_ISA_DECLS }
namespace neon { FLASHLM_ATTENTION_ISA_DECLS }

// ---- dispatch (driver.cc): the reference for Isa::scalar (and neon), the tiled kernels otherwise ----
void attention_forward(Isa isa, const float* q, const float* k, const float* v, float* o, float* lse, int64_t B,
                       int64_t T, int64_t H, int64_t D, float scale);
void attention_backward(Isa isa, const float* q, const float* k, const float* v, const float* o,
                        const float* lse, const float* dout, float* dq, float* dk, float* dv, int64_t B, int64_t T,
                        int64_t H, int64_t D, float scale);
void rope(Isa isa, const float* x, float* y, const float* cos_t, const float* sin_t, int64_t B, int64_t T,
          int64_t H, int64_t D, int64_t pos0, bool inverse);

}  // namespace flashlm
