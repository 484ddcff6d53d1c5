// Bindings for the rng kernel family (not yet implemented).
#include "bind/registry.h"

namespace flashlm {

void register_rng(Napi::Env env, Napi::Object exports) {}

}  // namespace flashlm
