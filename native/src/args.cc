// Implementation of the argument checks declared in args.h.
#include "args.h"

#include <cmath>

namespace flashlm {

namespace {
[[noreturn]] void throw_with_code(Napi::Error err, const char* code) {
  err.Set("code", Napi::String::New(err.Env(), code));
  throw err;
}
}  // namespace

void throw_type_error(Napi::Env env, const std::string& msg) {
  throw_with_code(Napi::TypeError::New(env, msg), "ERR_FLASHLM_ARG_TYPE");
}

void throw_range_error(Napi::Env env, const std::string& msg) {
  throw_with_code(Napi::RangeError::New(env, msg), "ERR_FLASHLM_ARG_RANGE");
}

const char* typed_array_name(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "an unknown typed array";
  }
}

std::string describe_value(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsTypedArray()) return typed_array_name(v.As<Napi::TypedArray>().TypedArrayType());
  if (v.IsArray()) return "an Array";
  if (v.IsNumber()) return "the number " + std::to_string(v.As<Napi::Number>().DoubleValue());
  if (v.IsString()) return "a string";
  if (v.IsBoolean()) return "a boolean";
  if (v.IsFunction()) return "a function";
  if (v.IsArrayBuffer()) return "an ArrayBuffer";
  if (v.IsObject()) return "an object";
  return "a value of another type";
}

int64_t int_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name, int64_t lo,
                int64_t hi) {
  Napi::Env env = info.Env();
  if (index >= info.Length() || !info[index].IsNumber()) {
    throw_type_error(env, std::string(fn) + ": " + name + " must be an integer, got " +
                              (index >= info.Length() ? std::string("nothing") : describe_value(info[index])));
  }
  double d = info[index].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d)) {
    throw_type_error(env, std::string(fn) + ": " + name + " must be an integer, got " + std::to_string(d));
  }
  if (d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
    throw_range_error(env, std::string(fn) + ": " + name + " must be in [" + std::to_string(lo) + ", " +
                               std::to_string(hi) + "], got " + std::to_string(static_cast<int64_t>(d)));
  }
  return static_cast<int64_t>(d);
}

double number_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name) {
  Napi::Env env = info.Env();
  if (index >= info.Length() || !info[index].IsNumber()) {
    throw_type_error(env, std::string(fn) + ": " + name + " must be a number, got " +
                              (index >= info.Length() ? std::string("nothing") : describe_value(info[index])));
  }
  double d = info[index].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw_range_error(env, std::string(fn) + ": " + name + " must be finite, got " + std::to_string(d));
  return d;
}

bool bool_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name) {
  if (index >= info.Length() || !info[index].IsBoolean()) {
    throw_type_error(info.Env(), std::string(fn) + ": " + name + " must be a boolean, got " +
                                     (index >= info.Length() ? std::string("nothing") : describe_value(info[index])));
  }
  return info[index].As<Napi::Boolean>().Value();
}

std::string string_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name) {
  if (index >= info.Length() || !info[index].IsString()) {
    throw_type_error(info.Env(), std::string(fn) + ": " + name + " must be a string, got " +
                                     (index >= info.Length() ? std::string("nothing") : describe_value(info[index])));
  }
  return info[index].As<Napi::String>().Utf8Value();
}

void require_length(Napi::Env env, const char* fn, const char* name, int64_t have, int64_t need,
                    const std::string& shape_note) {
  if (have < need) {
    throw_range_error(env, std::string(fn) + ": " + name + " must have at least " + std::to_string(need) +
                               " elements (" + shape_note + "), got " + std::to_string(have));
  }
}

int64_t checked_mul(Napi::Env env, const char* fn, std::initializer_list<int64_t> dims) {
  const int64_t limit = INT64_C(1) << 53;
  int64_t p = 1;
  for (int64_t d : dims) {
    if (d < 0) throw_range_error(env, std::string(fn) + ": negative dimension " + std::to_string(d));
    if (d != 0 && p > limit / d) throw_range_error(env, std::string(fn) + ": shape has more than 2^53 elements");
    p *= d;
  }
  return p;
}

void throw_if_interrupted(Napi::Env env, const char* fn) {
  if (!interrupt_requested()) return;
  Napi::Error err = Napi::Error::New(env, std::string(fn) + ": interrupted");
  err.Set("code", Napi::String::New(env, "ERR_FLASHLM_INTERRUPTED"));
  throw err;
}

}  // namespace flashlm
