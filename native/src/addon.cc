// Entry point of the flashlm native addon: applies FLASHLM_ISA, then registers every kernel family's
// bindings (bind/*.cc). The addon is context-aware, so each worker_threads Worker gets its own
// exports while sharing one thread pool (threads.cc).
#include <napi.h>

#include <cstdlib>
#include <string>

#include "args.h"
#include "bind/registry.h"
#include "dispatch.h"

namespace flashlm {

namespace {

void apply_isa_from_environment(Napi::Env env) {
  const char* requested = std::getenv("FLASHLM_ISA");
  if (requested == nullptr || *requested == '\0') return;
  Isa isa;
  if (!parse_isa(requested, &isa)) {
    throw_type_error(env, std::string("FLASHLM_ISA must be one of scalar, avx2, avx512, neon; got '") + requested + "'");
  }
  if (!isa_available(isa)) {
    throw_range_error(env, std::string("FLASHLM_ISA=") + requested + " is not available on this CPU or in this build (best: " +
                               isa_name(best_isa()) + ")");
  }
  set_active_isa(isa);
}

}  // namespace

Napi::Object init(Napi::Env env, Napi::Object exports) {
  apply_isa_from_environment(env);
  register_memory(env, exports);
  register_system(env, exports);
  register_gemm(env, exports);
  register_elementwise(env, exports);
  register_reduce(env, exports);
  register_softmax(env, exports);
  register_norm(env, exports);
  register_embedding(env, exports);
  register_attention(env, exports);
  register_scan(env, exports);
  register_optim(env, exports);
  register_rng(env, exports);
  register_ternary(env, exports);
  register_quant(env, exports);
  register_decode(env, exports);
  register_decode_model(env, exports);
  register_sampling(env, exports);
  return exports;
}

}  // namespace flashlm

static Napi::Object InitFlashlm(Napi::Env env, Napi::Object exports) { return flashlm::init(env, exports); }

NODE_API_MODULE(flashlm, InitFlashlm)
