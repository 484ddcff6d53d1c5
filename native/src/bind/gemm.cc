// Bindings for the gemm kernel family (not yet implemented).
#include "bind/registry.h"

namespace flashlm {

void register_gemm(Napi::Env env, Napi::Object exports) {}

}  // namespace flashlm
