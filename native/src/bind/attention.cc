// Bindings for the attention kernel family (not yet implemented).
#include "bind/registry.h"

namespace flashlm {

void register_attention(Napi::Env env, Napi::Object exports) {}

}  // namespace flashlm
