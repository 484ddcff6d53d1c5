// Bindings for the elementwise family: broadcast binary ops over strided operands (shape walking,
// dimension coalescing and threading live here; kernels see one strided row at a time), unary
// activations forward/backward, fused SwiGLU. Every argument is checked before memory is touched.
#include <string>

#include "args.h"
#include "bind/registry.h"
#include "dispatch.h"
#include "kernels/elementwise/elementwise.h"
#include "threads.h"

namespace flashlm {

namespace {

constexpr int kMaxRank = 8;
// Elementwise work is memory-bound: below ~64k elements a second thread costs more than it saves.
constexpr int64_t kMinChunk = 1 << 16;

const char* const kBinaryNames[] = {"add", "sub", "mul", "div", "maximum", "minimum"};
const char* const kUnaryNames[] = {"silu", "gelu", "sigmoid", "tanh", "relu", "relu2", "exp",
                                   "log", "neg", "sqrt", "rsqrt", "square", "affine"};

template <typename E, size_t N>
E parse_op(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* const (&names)[N]) {
  std::string s = string_arg(info, index, fn, "op");
  for (size_t i = 0; i < N; i++)
    if (s == names[i]) return static_cast<E>(i);
  std::string all;
  for (size_t i = 0; i < N; i++) all += (i ? ", " : "") + std::string(names[i]);
  throw_type_error(info.Env(), std::string(fn) + ": op must be one of " + all + "; got '" + s + "'");
}

struct Fns {
  decltype(&binary_row_ref) binary_row;
  decltype(&unary_forward_ref) unary_forward;
  decltype(&unary_backward_ref) unary_backward;
  decltype(&swiglu_forward_ref) swiglu_forward;
  decltype(&swiglu_backward_ref) swiglu_backward;
};

Fns fns() {
#if defined(FLASHLM_HAVE_X86)
  switch (active_isa()) {
    case Isa::avx512:
      return {avx512::binary_row, avx512::unary_forward, avx512::unary_backward, avx512::swiglu_forward,
              avx512::swiglu_backward};
    case Isa::avx2:
      return {avx2::binary_row, avx2::unary_forward, avx2::unary_backward, avx2::swiglu_forward,
              avx2::swiglu_backward};
    default: break;
  }
#endif
#if defined(FLASHLM_HAVE_NEON)
  if (active_isa() == Isa::neon)
    return {neon::binary_row, neon::unary_forward, neon::unary_backward, neon::swiglu_forward, neon::swiglu_backward};
#endif
  return {binary_row_ref, unary_forward_ref, unary_backward_ref, swiglu_forward_ref, swiglu_backward_ref};
}

// Outputs may be exactly an input (in-place) or disjoint from it, never a shifted overlap.
template <typename A, typename B>
void require_same_or_disjoint(Napi::Env env, const char* fn, const char* na, const ArrayArg<A>& a, const char* nb,
                              const ArrayArg<B>& b) {
  if (a.length > 0 && b.length > 0 && overlaps(a, b) && static_cast<const void*>(a.data) != static_cast<const void*>(b.data))
    throw_range_error(env, std::string(fn) + ": " + na + " and " + nb + " must be the same array or not overlap");
}

// A JS array of at most kMaxRank non-negative integers; returns its length.
int dims_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name, int64_t* out) {
  Napi::Env env = info.Env();
  if (index >= info.Length() || !info[index].IsArray())
    throw_type_error(env, std::string(fn) + ": " + name + " must be an array of integers, got " +
                              (index >= info.Length() ? std::string("nothing") : describe_value(info[index])));
  Napi::Array arr = info[index].As<Napi::Array>();
  if (arr.Length() > kMaxRank)
    throw_range_error(env, std::string(fn) + ": " + name + " must have at most " + std::to_string(kMaxRank) +
                               " entries, got " + std::to_string(arr.Length()));
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1.0;
    if (!v.IsNumber() || d != static_cast<double>(static_cast<int64_t>(d)) || d < 0 || d > 9007199254740992.0)
      throw_range_error(env, std::string(fn) + ": " + name + "[" + std::to_string(i) +
                                 "] must be a non-negative integer, got " + describe_value(v));
    out[i] = static_cast<int64_t>(d);
  }
  return static_cast<int>(arr.Length());
}

std::string dims_str(const int64_t* d, int n) {
  std::string s = "[";
  for (int i = 0; i < n; i++) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

// binary(op, out, shape, a, aStrides, b, bStrides): out (contiguous, `shape`) = a op b, where a and b
// are read at element strides (0 = broadcast along that dimension).
Napi::Value binary(const Napi::CallbackInfo& info) {
  const char* fn = "binary";
  Napi::Env env = info.Env();
  BinaryOp op = parse_op<BinaryOp>(info, 0, fn, kBinaryNames);
  auto out = array_arg<float>(info, 1, fn, "out");
  int64_t shape[kMaxRank], sa[kMaxRank], sb[kMaxRank];
  const int rank = dims_arg(info, 2, fn, "shape", shape);
  auto a = array_arg<float>(info, 3, fn, "a");
  if (dims_arg(info, 4, fn, "aStrides", sa) != rank)
    throw_range_error(env, std::string(fn) + ": aStrides must have one entry per shape dimension (" + std::to_string(rank) + ")");
  auto b = array_arg<float>(info, 5, fn, "b");
  if (dims_arg(info, 6, fn, "bStrides", sb) != rank)
    throw_range_error(env, std::string(fn) + ": bStrides must have one entry per shape dimension (" + std::to_string(rank) + ")");

  int64_t total = 1;
  for (int i = 0; i < rank; i++) total = checked_mul(env, fn, {total, shape[i]});
  require_length(env, fn, "out", out.length, total, "shape " + dims_str(shape, rank));
  if (total == 0) return env.Undefined();
  // The last element each operand reads is sum (shape[i]-1)*stride[i]; that must be in bounds.
  int64_t need_a = 1, need_b = 1;
  for (int i = 0; i < rank; i++) {
    need_a += checked_mul(env, fn, {shape[i] - 1, sa[i]});
    need_b += checked_mul(env, fn, {shape[i] - 1, sb[i]});
  }
  require_length(env, fn, "a", a.length, need_a, "shape " + dims_str(shape, rank) + ", strides " + dims_str(sa, rank));
  require_length(env, fn, "b", b.length, need_b, "shape " + dims_str(shape, rank) + ", strides " + dims_str(sb, rank));

  // Coalesce: drop size-1 dimensions and merge neighbours that are contiguous for all three arrays,
  // so (B,T,C) + (B,T,C) becomes one row of B*T*C and (B,T,C) + (C) becomes (B*T, C) with b stride (0, 1).
  int64_t n[kMaxRank], xa[kMaxRank], xb[kMaxRank], xo[kMaxRank];
  int r = 0;
  for (int i = 0; i < rank; i++) {
    if (shape[i] == 1) continue;
    n[r] = shape[i], xa[r] = sa[i], xb[r] = sb[i];
    r++;
  }
  int64_t so = 1;
  for (int i = r - 1; i >= 0; i--) xo[i] = so, so *= n[i];
  // In place is fine only when out is exactly `a` (or `b`) read contiguously.
  auto contiguous = [&](const int64_t* s) {
    for (int i = 0; i < r; i++)
      if (s[i] != xo[i]) return false;
    return true;
  };
  if (overlaps(out, a) && !(static_cast<void*>(out.data) == static_cast<void*>(a.data) && contiguous(xa)))
    throw_range_error(env, std::string(fn) + ": out and a must not overlap unless out is a itself, read contiguously");
  if (overlaps(out, b) && !(static_cast<void*>(out.data) == static_cast<void*>(b.data) && contiguous(xb)))
    throw_range_error(env, std::string(fn) + ": out and b must not overlap unless out is b itself, read contiguously");
  int m = 0;
  for (int i = 0; i < r; i++) {
    if (m > 0 && xa[m - 1] == xa[i] * n[i] && xb[m - 1] == xb[i] * n[i]) {
      n[m - 1] *= n[i], xa[m - 1] = xa[i], xb[m - 1] = xb[i];
    } else {
      n[m] = n[i], xa[m] = xa[i], xb[m] = xb[i];
      m++;
    }
  }
  if (m == 0) n[0] = 1, xa[0] = 0, xb[0] = 0, m = 1;

  const Fns f = fns();
  const int64_t last = n[m - 1];
  float* po = out.data;
  const float *pa = a.data, *pb = b.data;
  parallel_for(total, kMinChunk, [&](int64_t begin, int64_t end) {
    int64_t pos = begin;
    while (pos < end) {
      int64_t col = pos % last, row = pos / last;
      int64_t oa = col * xa[m - 1], ob = col * xb[m - 1];
      for (int d = m - 2; d >= 0; d--) {
        int64_t idx = row % n[d];
        row /= n[d];
        oa += idx * xa[d], ob += idx * xb[d];
      }
      const int64_t len = std::min(last - col, end - pos);
      f.binary_row(op, len, pa + oa, xa[m - 1], pb + ob, xb[m - 1], po + pos);
      pos += len;
    }
  });
  return env.Undefined();
}

float optional_float(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name, float dflt) {
  if (index >= info.Length() || info[index].IsUndefined()) return dflt;
  return static_cast<float>(number_arg(info, index, fn, name));
}

// unaryForward(op, x, out, alpha = 1, beta = 0)
Napi::Value unary_forward(const Napi::CallbackInfo& info) {
  const char* fn = "unaryForward";
  Napi::Env env = info.Env();
  UnaryOp op = parse_op<UnaryOp>(info, 0, fn, kUnaryNames);
  auto x = array_arg<float>(info, 1, fn, "x");
  auto out = array_arg<float>(info, 2, fn, "out");
  const float alpha = optional_float(info, 3, fn, "alpha", 1.0f), beta = optional_float(info, 4, fn, "beta", 0.0f);
  require_length(env, fn, "out", out.length, x.length, "x.length");
  require_same_or_disjoint(env, fn, "out", out, "x", x);
  const Fns f = fns();
  const float* px = x.data;
  float* py = out.data;
  parallel_for(x.length, kMinChunk / 4, [&](int64_t b, int64_t e) { f.unary_forward(op, e - b, px + b, py + b, alpha, beta); });
  return env.Undefined();
}

// unaryBackward(op, src, gradOut, gradIn, alpha = 1): src is x or y per unaryBackwardSource[op]
// (ignored, may be null, for neg and affine).
Napi::Value unary_backward(const Napi::CallbackInfo& info) {
  const char* fn = "unaryBackward";
  Napi::Env env = info.Env();
  UnaryOp op = parse_op<UnaryOp>(info, 0, fn, kUnaryNames);
  const BackwardSrc which = unary_backward_src(op);
  auto g = array_arg<float>(info, 2, fn, "gradOut");
  auto gi = array_arg<float>(info, 3, fn, "gradIn");
  const float alpha = optional_float(info, 4, fn, "alpha", 1.0f);
  const int64_t n = g.length;
  require_length(env, fn, "gradIn", gi.length, n, "gradOut.length");
  require_same_or_disjoint(env, fn, "gradIn", gi, "gradOut", g);
  const float* ps = nullptr;
  if (which != BackwardSrc::none) {
    auto src = array_arg<float>(info, 1, fn, which == BackwardSrc::x ? "x" : "y");
    require_length(env, fn, which == BackwardSrc::x ? "x" : "y", src.length, n, "gradOut.length");
    require_same_or_disjoint(env, fn, "gradIn", gi, "src", src);
    ps = src.data;
  }
  const Fns f = fns();
  const float* pg = g.data;
  float* pgi = gi.data;
  parallel_for(n, kMinChunk / 4, [&](int64_t b, int64_t e) {
    f.unary_backward(op, e - b, ps ? ps + b : nullptr, pg + b, pgi + b, alpha);
  });
  return env.Undefined();
}

// swigluForward(gate, up, out): out = silu(gate) * up.
Napi::Value swiglu_forward(const Napi::CallbackInfo& info) {
  const char* fn = "swigluForward";
  Napi::Env env = info.Env();
  auto gate = array_arg<float>(info, 0, fn, "gate");
  auto up = array_arg<float>(info, 1, fn, "up");
  auto out = array_arg<float>(info, 2, fn, "out");
  const int64_t n = gate.length;
  require_length(env, fn, "up", up.length, n, "gate.length");
  require_length(env, fn, "out", out.length, n, "gate.length");
  require_same_or_disjoint(env, fn, "out", out, "gate", gate);
  require_same_or_disjoint(env, fn, "out", out, "up", up);
  const Fns f = fns();
  parallel_for(n, kMinChunk / 4, [&](int64_t b, int64_t e) { f.swiglu_forward(e - b, gate.data + b, up.data + b, out.data + b); });
  return env.Undefined();
}

// swigluBackward(gate, up, gradOut, gradGate, gradUp).
Napi::Value swiglu_backward(const Napi::CallbackInfo& info) {
  const char* fn = "swigluBackward";
  Napi::Env env = info.Env();
  auto gate = array_arg<float>(info, 0, fn, "gate");
  auto up = array_arg<float>(info, 1, fn, "up");
  auto g = array_arg<float>(info, 2, fn, "gradOut");
  auto dgate = array_arg<float>(info, 3, fn, "gradGate");
  auto dup = array_arg<float>(info, 4, fn, "gradUp");
  const int64_t n = gate.length;
  require_length(env, fn, "up", up.length, n, "gate.length");
  require_length(env, fn, "gradOut", g.length, n, "gate.length");
  require_length(env, fn, "gradGate", dgate.length, n, "gate.length");
  require_length(env, fn, "gradUp", dup.length, n, "gate.length");
  require_disjoint(env, fn, "gradGate", dgate, "gradUp", dup);
  for (auto* o : {&dgate, &dup}) {
    const char* on = o == &dgate ? "gradGate" : "gradUp";
    require_same_or_disjoint(env, fn, on, *o, "gate", gate);
    require_same_or_disjoint(env, fn, on, *o, "up", up);
    require_same_or_disjoint(env, fn, on, *o, "gradOut", g);
  }
  const Fns f = fns();
  parallel_for(n, kMinChunk / 4, [&](int64_t b, int64_t e) {
    f.swiglu_backward(e - b, gate.data + b, up.data + b, g.data + b, dgate.data + b, dup.data + b);
  });
  return env.Undefined();
}

}  // namespace

void register_elementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("binary", Napi::Function::New(env, binary, "binary"));
  exports.Set("unaryForward", Napi::Function::New(env, unary_forward, "unaryForward"));
  exports.Set("unaryBackward", Napi::Function::New(env, unary_backward, "unaryBackward"));
  exports.Set("swigluForward", Napi::Function::New(env, swiglu_forward, "swigluForward"));
  exports.Set("swigluBackward", Napi::Function::New(env, swiglu_backward, "swigluBackward"));
  Napi::Object src = Napi::Object::New(env);
  for (size_t i = 0; i < sizeof(kUnaryNames) / sizeof(kUnaryNames[0]); i++) {
    BackwardSrc s = unary_backward_src(static_cast<UnaryOp>(i));
    src.Set(kUnaryNames[i], s == BackwardSrc::x ? "x" : s == BackwardSrc::y ? "y" : "none");
  }
  exports.Set("unaryBackwardSource", src);
}

}  // namespace flashlm
