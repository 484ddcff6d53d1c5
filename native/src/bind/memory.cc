// Tensor storage: 64-byte aligned native buffers handed to JS as external ArrayBuffers, so every
// SIMD kernel sees cache-line aligned rows and JS sees an ordinary typed-array view. The buffer
// is freed by V8's finalizer; lib/tensor/storage.ts pools buffers so steady-state training
// allocates nothing. Each buffer's size is reported to V8 as external memory: without that, V8 sees
// only small JS objects, and buffers the pool lets go (the GC's to free) piled up by gigabytes before
// any collection ran (v7-ts evaluation after training grew 1.3 GB per 10 windows).
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
  const size_t allocated = rounded == 0 ? kAlignment : rounded;
  std::memset(p, 0, allocated);
  Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(allocated));
  return Napi::ArrayBuffer::New(
      env, p, static_cast<size_t>(bytes),
      [](Napi::Env finalizer_env, void* data, size_t* size) {
        Napi::MemoryManagement::AdjustExternalMemory(finalizer_env, -static_cast<int64_t>(*size));
        delete size;
        std::free(data);
      },
      new size_t(allocated));
}

}  // namespace

void register_memory(Napi::Env env, Napi::Object exports) {
  exports.Set("alloc", Napi::Function::New(env, alloc, "alloc"));
  exports.Set("alignment", Napi::Number::New(env, static_cast<double>(kAlignment)));
}

}  // namespace flashlm
