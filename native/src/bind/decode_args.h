// Argument checks shared by the decode bindings (bind/decode.cc: one block; bind/decode_model.cc: a
// whole model): the block's sizes, and its seven BL-B158 projections. Strings for messages are built
// only on the error path, so a per-token call pays for none.
#pragma once
#include <napi.h>

#include <cstdint>
#include <new>
#include <string>
#include <vector>

#include "args.h"
#include "kernels/decode/block.h"

namespace flashlm {

// Owns nothing: the arrays a block reads, kept to check that what the kernels write overlaps none of them.
struct BlockInputs {
  std::vector<ArrayArg<uint8_t>> packed;
  std::vector<ArrayArg<float>> scales;
};

// a.dim, a.heads, a.hidden, a.capacity set: checks they describe a block the kernels can run, and sets
// the epsilons and the attention scale.
void check_block_dims(Napi::Env env, const char* fn, DecodeBlockArgs& a, double norm_eps, double act_eps, double scale);

// Fills a.q … a.down from packed[first .. first+6] and wscale[first .. first+6] (JS arrays of typed
// arrays) and alpha[first .. first+6], in the order q, k, v, o, gate, up, down; appends the arrays to `in`.
void bind_projections(Napi::Env env, const char* fn, const Napi::Value& packed, const Napi::Value& wscale,
                      uint32_t first, uint32_t total, const float* alpha, DecodeBlockArgs& a, BlockInputs& in);

// Runs a decode kernel and turns its outcome into the binding's errors: RangeError for scratch it could
// not allocate or an activation that is not finite (what quantizeActivationsI8 rejects), the interrupt
// error when it stopped early.
template <typename Kernel>
void run_decode(Napi::Env env, const char* fn, Kernel kernel) {
  DecodeStatus status;
  try {
    status = kernel();
  } catch (const std::bad_alloc&) {
    throw_range_error(env, std::string(fn) + ": out of memory for the decode scratch buffers");
  }
  if (status == DecodeStatus::non_finite)
    throw_range_error(env, std::string(fn) + ": an activation to be quantized is not finite (NaN or ±inf in the "
                                             "inputs or the weights)");
  throw_if_interrupted(env, fn);
}

// What the block writes (x, the caches) must not overlap what it reads, nor each other.
void require_block_disjoint(Napi::Env env, const char* fn, const ArrayArg<float>& x, const ArrayArg<float>& kc,
                            const ArrayArg<float>& vc, const BlockInputs& in,
                            std::initializer_list<const ArrayArg<float>*> reads);

}  // namespace flashlm
