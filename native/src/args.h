// Argument checks for the N-API bindings: every binding unwraps its arguments through these helpers
// *before* touching memory, so bad input becomes a JS TypeError/RangeError that names the function
// and the argument ("gemm: a must be a Float32Array, got Int32Array"), never a crash.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>

#include "interrupt.h"

namespace flashlm {

// A typed-array argument after its dtype has been checked. `length` is in elements.
template <typename T>
struct ArrayArg {
  T* data;
  int64_t length;
};

[[noreturn]] void throw_type_error(Napi::Env env, const std::string& msg);
[[noreturn]] void throw_range_error(Napi::Env env, const std::string& msg);

// Maps our C++ element types to N-API typed-array kinds and their JS names.
template <typename T> struct TypedArrayKind;
template <> struct TypedArrayKind<float> { static constexpr napi_typedarray_type kind = napi_float32_array; static constexpr const char* name = "Float32Array"; };
template <> struct TypedArrayKind<double> { static constexpr napi_typedarray_type kind = napi_float64_array; static constexpr const char* name = "Float64Array"; };
template <> struct TypedArrayKind<int32_t> { static constexpr napi_typedarray_type kind = napi_int32_array; static constexpr const char* name = "Int32Array"; };
template <> struct TypedArrayKind<uint32_t> { static constexpr napi_typedarray_type kind = napi_uint32_array; static constexpr const char* name = "Uint32Array"; };
template <> struct TypedArrayKind<int8_t> { static constexpr napi_typedarray_type kind = napi_int8_array; static constexpr const char* name = "Int8Array"; };
template <> struct TypedArrayKind<uint8_t> { static constexpr napi_typedarray_type kind = napi_uint8_array; static constexpr const char* name = "Uint8Array"; };
template <> struct TypedArrayKind<uint16_t> { static constexpr napi_typedarray_type kind = napi_uint16_array; static constexpr const char* name = "Uint16Array"; };

const char* typed_array_name(napi_typedarray_type t);
std::string describe_value(const Napi::Value& v);

// `value` must be a typed array of element type T; `what` names it in errors ("gemm: a"). Works for
// typed arrays over ArrayBuffers and SharedArrayBuffers (napi_get_arraybuffer_info rejects the
// latter, so the data pointer comes from napi_get_typedarray_info).
template <typename T>
ArrayArg<T> typed_array_value(Napi::Env env, const Napi::Value& value, const std::string& what) {
  if (!value.IsTypedArray()) {
    throw_type_error(env, what + " must be a " + TypedArrayKind<T>::name + ", got " + describe_value(value));
  }
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  napi_status status = napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr);
  if (status != napi_ok) throw_type_error(env, what + " could not be read as a typed array");
  if (type != TypedArrayKind<T>::kind) {
    throw_type_error(env, what + " must be a " + TypedArrayKind<T>::name + ", got " + typed_array_name(type));
  }
  if (data == nullptr && length > 0) throw_type_error(env, what + " is backed by a detached ArrayBuffer");
  return ArrayArg<T>{static_cast<T*>(data), static_cast<int64_t>(length)};
}

// typed_array_value for per-call hot paths: `what()` (the error's name) is only built when the check fails.
template <typename T, typename What>
ArrayArg<T> typed_array_value_lazy(Napi::Env env, const Napi::Value& value, What what) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (value.IsTypedArray() && napi_get_typedarray_info(env, value, &type, &length, &data, nullptr, nullptr) == napi_ok &&
      type == TypedArrayKind<T>::kind && (data != nullptr || length == 0))
    return ArrayArg<T>{static_cast<T*>(data), static_cast<int64_t>(length)};
  return typed_array_value<T>(env, value, what());  // throws, naming the argument
}

// Argument `index` must be a typed array of element type T. An empty array (length 0) is fine;
// callers check the length they need with require_length.
template <typename T>
ArrayArg<T> array_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name) {
  const std::string what = std::string(fn) + ": " + name;
  if (index >= info.Length()) {
    throw_type_error(info.Env(), what + " must be a " + TypedArrayKind<T>::name + ", got nothing");
  }
  return typed_array_value<T>(info.Env(), info[index], what);
}

// Argument `index` must be an integer in [lo, hi].
int64_t int_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name,
                int64_t lo = 0, int64_t hi = INT64_C(1) << 53);
// Argument `index` must be a finite number.
double number_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name);
bool bool_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name);
std::string string_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name);

// `have` elements must hold at least `need`, which the caller derived from the shape arguments.
void require_length(Napi::Env env, const char* fn, const char* name, int64_t have, int64_t need,
                    const std::string& shape_note);
// `a` and `b` must be the same memory region or not overlap at all (in-place is allowed only where
// a kernel says so).
template <typename A, typename B>
bool overlaps(const ArrayArg<A>& a, const ArrayArg<B>& b) {
  auto a0 = reinterpret_cast<uintptr_t>(a.data), a1 = a0 + a.length * sizeof(A);
  auto b0 = reinterpret_cast<uintptr_t>(b.data), b1 = b0 + b.length * sizeof(B);
  return a0 < b1 && b0 < a1;
}
// Throws RangeError if the two arrays share any bytes.
template <typename A, typename B>
void require_disjoint(Napi::Env env, const char* fn, const char* na, const ArrayArg<A>& a, const char* nb,
                      const ArrayArg<B>& b) {
  if (a.length > 0 && b.length > 0 && overlaps(a, b))
    throw_range_error(env, std::string(fn) + ": " + na + " and " + nb + " must not share memory");
}

// Products of shape dimensions, checked against overflow and an upper bound of 2^53 elements.
int64_t checked_mul(Napi::Env env, const char* fn, std::initializer_list<int64_t> dims);

// After a kernel returns: if the interrupt flag was raised while it ran, the kernel stopped early and
// its output is incomplete, so the call must fail (with code ERR_FLASHLM_INTERRUPTED).
void throw_if_interrupted(Napi::Env env, const char* fn);

}  // namespace flashlm
