// Bindings for the softmax kernel family (not yet implemented).
#include "bind/registry.h"

namespace flashlm {

void register_softmax(Napi::Env env, Napi::Object exports) {}

}  // namespace flashlm
