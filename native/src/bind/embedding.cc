// Bindings for the embedding kernel family (not yet implemented).
#include "bind/registry.h"

namespace flashlm {

void register_embedding(Napi::Env env, Napi::Object exports) {}

}  // namespace flashlm
