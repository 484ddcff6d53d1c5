// Bindings for the scan kernel family (not yet implemented).
#include "bind/registry.h"

namespace flashlm {

void register_scan(Napi::Env env, Napi::Object exports) {}

}  // namespace flashlm
