// Bindings for the elementwise kernel family (not yet implemented).
#include "bind/registry.h"

namespace flashlm {

void register_elementwise(Napi::Env env, Napi::Object exports) {}

}  // namespace flashlm
