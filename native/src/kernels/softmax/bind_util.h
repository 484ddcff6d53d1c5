// Argument helpers shared by the softmax, norm and embedding bindings (on top of args.h).
#pragma once
#include <string>

#include "args.h"

namespace flashlm {
namespace famargs {

// A Float32Array, or null/undefined meaning "not wanted" (data == nullptr).
inline ArrayArg<float> optional_f32(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name) {
  if (index < info.Length() && (info[index].IsNull() || info[index].IsUndefined())) return {nullptr, 0};
  return array_arg<float>(info, index, fn, name);
}

// Output `b` may be the very same array region as input `a` (in-place) or not overlap it at all.
template <typename A, typename B>
void require_same_or_disjoint(Napi::Env env, const char* fn, const char* na, const ArrayArg<A>& a, const char* nb,
                              const ArrayArg<B>& b, int64_t n) {
  if (a.length == 0 || b.length == 0 || !overlaps(a, b)) return;
  if (static_cast<const void*>(a.data) == static_cast<const void*>(b.data)) return;
  throw_range_error(env, std::string(fn) + ": " + na + " and " + nb +
                             " must be the same array (in place) or not share memory");
}

// R*C elements, checked for overflow.
inline std::string rc_note(const char* r, int64_t R, const char* c, int64_t C) {
  return std::string(r) + "*" + c + " = " + std::to_string(R) + "*" + std::to_string(C);
}

}  // namespace famargs
}  // namespace flashlm
