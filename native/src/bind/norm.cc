// Bindings for the norm kernel family (not yet implemented).
#include "bind/registry.h"

namespace flashlm {

void register_norm(Napi::Env env, Napi::Object exports) {}

}  // namespace flashlm
