// A whole decode step of a v7-family model (lib/models/eclipse.ts) in one native call: embedding rows,
// every block (decode_block), the final RMSNorm and the tied head. The weights, caches and RoPE tables
// are bound once in a DecodeModel (the binding keeps the arrays alive and checks them once), so a step
// costs one crossing instead of a dozen per block — at batch 1 the crossings, argument checks and tensor
// allocations were a third of bitnet-bench's step. The result is bit for bit the block-by-block decode:
// the same kernels on the same inputs in the same order.
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/decode/block.h"
#include "kernels/gemm/gemm.h"

namespace flashlm {

struct DecodeModel {
  int64_t vocab, dim, batch;
  const float* embed;        // (vocab, dim), also the tied head
  const uint16_t* head16;    // (vocab, dim) 16-bit copy for single-token steps, or null (the f32 head)
  HalfFormat head_format;    // head16's format
  const float* final_norm;   // (dim)
  float final_eps;
  std::vector<DecodeBlockArgs> blocks;  // everything but t and start, which each step sets
};

// logits (B·t × vocab) for tokens (B·t ids, each in [0, vocab)) at positions start .. start+t−1; the
// caches gain those positions. The binding has checked every id and that start + t fits the caches.
DecodeStatus decode_model_step(DecodeModel& m, const int32_t* tokens, int64_t t, int64_t start, float* logits);

}  // namespace flashlm
