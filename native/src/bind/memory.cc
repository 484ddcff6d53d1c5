// Tensor storage: 64-byte aligned native buffers handed to JS as external ArrayBuffers, so every
// SIMD kernel sees cache-line aligned rows and JS sees an ordinary typed-array view. The buffer
// is freed by V8's finalizer; lib/tensor/storage.ts pools buffers so steady-state training
// allocates nothing.
#include <cstdlib>
#include <cstring>
#include <string>

#include "args.h"
#include "bind/registry.h"

namespace flashlm {

namespace {

constexpr size_t kAlignment = 64;

Napi::Value alloc(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t bytes = int_arg(info, 0, "alloc", "byteLength", 0, INT64_C(1) << 40);
  // aligned_alloc needs a size that is a multiple of the alignment, and a non-zero one.
  const size_t rounded = (static_cast<size_t>(bytes) + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  if (p == nullptr) {
    throw_range_error(env, "alloc: out of memory allocating " + std::to_string(bytes) + " bytes");
  }
  std::memset(p, 0, rounded == 0 ? kAlignment : rounded);
  return Napi::ArrayBuffer::New(env, p, static_cast<size_t>(bytes), [](Napi::Env, void* data) { std::free(data); });
}

}  // namespace

void register_memory(Napi::Env env, Napi::Object exports) {
  exports.Set("alloc", Napi::Function::New(env, alloc, "alloc"));
  exports.Set("alignment", Napi::Number::New(env, static_cast<double>(kAlignment)));
}

}  // namespace flashlm
