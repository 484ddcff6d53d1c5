// Bindings for the optim kernel family (not yet implemented).
#include "bind/registry.h"

namespace flashlm {

void register_optim(Napi::Env env, Napi::Object exports) {}

}  // namespace flashlm
