// Bindings for the reduce kernel family (not yet implemented).
#include "bind/registry.h"

namespace flashlm {

void register_reduce(Napi::Env env, Napi::Object exports) {}

}  // namespace flashlm
