// Binding for the f32 GEMM family: gemm(transA, transB, batch, M, N, K, A, strideA, B, strideB, C,
// beta) as declared in lib/native/gemm.ts. Validates every argument before touching memory, then
// calls the driver (kernels/gemm/driver.cc), which dispatches on the active ISA.
#include <string>

#include "args.h"
#include "bind/half_format_arg.h"
#include "bind/registry.h"
#include "kernels/gemm/gemm.h"

namespace flashlm {

namespace {

constexpr const char* kFn = "gemm";
// Each dimension fits in 31 bits so that tile arithmetic never nears int64 overflow; element counts
// are bounded separately below.
constexpr int64_t kMaxDim = (INT64_C(1) << 31) - 1;
constexpr int64_t kMaxStride = INT64_C(1) << 53;

// x·y + z, or -1 if that exceeds 2^62 (far more than any typed array holds, so "too short" follows).
int64_t mul_add_or_huge(int64_t x, int64_t y, int64_t z) {
  int64_t p, s;
  if (__builtin_mul_overflow(x, y, &p) || __builtin_add_overflow(p, z, &s) || s > (INT64_C(1) << 62)) return -1;
  return s;
}

// Elements an operand needs: (batch-1)·stride + rows·cols, for a non-empty batch.
void require_operand(Napi::Env env, const char* name, const char* stride_name, int64_t have, int64_t batch,
                     int64_t stride, int64_t rows, int64_t cols, const char* shape) {
  const int64_t one = mul_add_or_huge(rows, cols, 0);
  const int64_t need = one < 0 ? -1 : mul_add_or_huge(batch - 1, stride, one);
  const std::string note = std::string("(batch-1)·") + stride_name + " + " + shape + " with batch=" +
                           std::to_string(batch) + ", " + stride_name + "=" + std::to_string(stride) + ", " + shape +
                           "=" + std::to_string(rows) + "×" + std::to_string(cols);
  if (need < 0) throw_range_error(env, std::string(kFn) + ": " + name + " would need more than 2^62 elements " + note);
  require_length(env, kFn, name, have, need, note);
}

Napi::Value gemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 12)
    throw_type_error(env, std::string(kFn) + ": expected 12 arguments (transA, transB, batch, M, N, K, A, strideA, "
                                             "B, strideB, C, beta), got " + std::to_string(info.Length()));
  SgemmArgs g;
  g.trans_a = bool_arg(info, 0, kFn, "transA");
  g.trans_b = bool_arg(info, 1, kFn, "transB");
  g.batch = int_arg(info, 2, kFn, "batch", 0, kMaxDim);
  g.m = int_arg(info, 3, kFn, "M", 0, kMaxDim);
  g.n = int_arg(info, 4, kFn, "N", 0, kMaxDim);
  g.k = int_arg(info, 5, kFn, "K", 0, kMaxDim);
  ArrayArg<float> a = array_arg<float>(info, 6, kFn, "A");
  g.stride_a = int_arg(info, 7, kFn, "strideA", 0, kMaxStride);
  ArrayArg<float> b = array_arg<float>(info, 8, kFn, "B");
  g.stride_b = int_arg(info, 9, kFn, "strideB", 0, kMaxStride);
  ArrayArg<float> c = array_arg<float>(info, 10, kFn, "C");
  g.beta = static_cast<float>(number_arg(info, 11, kFn, "beta"));

  g.lda = g.trans_a ? g.m : g.k;
  g.ldb = g.trans_b ? g.k : g.n;
  g.ldc = g.n;
  g.stride_c = g.m * g.n;
  if (g.batch == 0 || g.m == 0 || g.n == 0) return env.Undefined();
  // C is written whole even when K = 0; A and B are read only when K > 0.
  require_operand(env, "C", "M·N", c.length, g.batch, g.stride_c, g.m, g.n, "M×N");
  if (g.k > 0) {
    require_operand(env, "A", "strideA", a.length, g.batch, g.stride_a, g.trans_a ? g.k : g.m,
                    g.trans_a ? g.m : g.k, g.trans_a ? "K×M" : "M×K");
    require_operand(env, "B", "strideB", b.length, g.batch, g.stride_b, g.trans_b ? g.n : g.k,
                    g.trans_b ? g.k : g.n, g.trans_b ? "N×K" : "K×N");
    require_disjoint(env, kFn, "C", c, "A", a);
    require_disjoint(env, kFn, "C", c, "B", b);
  }
  g.a = a.data;
  g.b = b.data;
  g.c = c.data;
  sgemm(g);
  throw_if_interrupted(env, kFn);
  return env.Undefined();
}

// halfFromF32(src, dst, format) -> overflowed: dst[i] = the f16 or bf16 code of src[i], rounded to
// nearest even (gemm.h f32_to_half); returns how many finite values became ±inf.
Napi::Value half_from_f32(const Napi::CallbackInfo& info) {
  const char* fn = "halfFromF32";
  Napi::Env env = info.Env();
  if (info.Length() != 3)
    throw_type_error(env, std::string(fn) + ": expected 3 arguments (src, dst, format), got " + std::to_string(info.Length()));
  ArrayArg<float> src = array_arg<float>(info, 0, fn, "src");
  ArrayArg<uint16_t> dst = array_arg<uint16_t>(info, 1, fn, "dst");
  const HalfFormat f = half_format_arg(info, 2, fn, "format");
  if (dst.length != src.length)
    throw_range_error(env, std::string(fn) + ": dst must have src.length = " + std::to_string(src.length) +
                               " elements, got " + std::to_string(dst.length));
  require_disjoint(env, fn, "dst", dst, "src", src);
  return Napi::Number::New(env, static_cast<double>(f32_to_half(f, src.data, src.length, dst.data)));
}

// gemvHalf(x, M, W, N, K, out, format): out (M×N) = x (M×K) · f32(W)ᵀ with W (N×K) 16-bit codes.
Napi::Value gemv_half_fn(const Napi::CallbackInfo& info) {
  const char* fn = "gemvHalf";
  Napi::Env env = info.Env();
  if (info.Length() != 7)
    throw_type_error(env, std::string(fn) + ": expected 7 arguments (x, M, W, N, K, out, format), got " +
                              std::to_string(info.Length()));
  ArrayArg<float> x = array_arg<float>(info, 0, fn, "x");
  const int64_t m = int_arg(info, 1, fn, "M", 0, kMaxDim);
  ArrayArg<uint16_t> w = array_arg<uint16_t>(info, 2, fn, "W");
  const int64_t n = int_arg(info, 3, fn, "N", 0, kMaxDim);
  const int64_t k = int_arg(info, 4, fn, "K", 0, kMaxDim);
  ArrayArg<float> out = array_arg<float>(info, 5, fn, "out");
  const HalfFormat f = half_format_arg(info, 6, fn, "format");
  const int64_t mk = mul_add_or_huge(m, k, 0), nk = mul_add_or_huge(n, k, 0), mn = mul_add_or_huge(m, n, 0);
  if (mk < 0 || nk < 0 || mn < 0) throw_range_error(env, std::string(fn) + ": M, N, K are too large");
  require_length(env, fn, "x", x.length, mk, "M·K");
  require_length(env, fn, "W", w.length, nk, "N·K");
  require_length(env, fn, "out", out.length, mn, "M·N");
  require_disjoint(env, fn, "out", out, "x", x);
  require_disjoint(env, fn, "out", out, "W", w);
  gemv_half(f, x.data, m, w.data, n, k, out.data);
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

}  // namespace

void register_gemm(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, gemm, "gemm"));
  exports.Set("halfFromF32", Napi::Function::New(env, half_from_f32, "halfFromF32"));
  exports.Set("gemvHalf", Napi::Function::New(env, gemv_half_fn, "gemvHalf"));
}

}  // namespace flashlm
