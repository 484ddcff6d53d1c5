// The 'f16' | 'bf16' argument of the 16-bit head bindings (gemm.cc, decode_model.cc).
#pragma once
#include <napi.h>

#include <string>

#include "args.h"
#include "kernels/gemm/gemm.h"

namespace flashlm {

inline HalfFormat half_format_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name) {
  const std::string s = string_arg(info, index, fn, name);
  if (s == "f16") return HalfFormat::f16;
  if (s == "bf16") return HalfFormat::bf16;
  throw_range_error(info.Env(), std::string(fn) + ": " + name + " must be 'f16' or 'bf16', got '" + s + "'");
}

}  // namespace flashlm
