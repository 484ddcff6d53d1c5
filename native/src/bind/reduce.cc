// Bindings for the reduce family: sum/mean/max over one axis of an (outer, n, inner) view, the full
// sum, their backwards (expandAxis, maxBackward) and sumToShape for broadcast backward. Work is split
// into tasks that each own whole outputs (or fixed 64k-element blocks for sumAll, combined in order),
// so results do not depend on the thread count.
#include <algorithm>
#include <string>
#include <vector>

#include "args.h"
#include "bind/registry.h"
#include "dispatch.h"
#include "interrupt.h"
#include "kernels/reduce/reduce.h"
#include "threads.h"

namespace flashlm {

namespace {

constexpr int kMaxRank = 8;
constexpr int64_t kSumBlock = 1 << 16;
constexpr int64_t kMinWork = 1 << 15;  // elements per task before a second thread pays off

struct Fns {
  decltype(&sum_contig_ref) sum_contig;
  decltype(&sum_strided_ref) sum_strided;
  decltype(&max_contig_ref) max_contig;
  decltype(&max_strided_ref) max_strided;
};

Fns fns() {
#if defined(FLASHLM_HAVE_X86)
  switch (active_isa()) {
    case Isa::avx512: return {avx512::sum_contig, avx512::sum_strided, avx512::max_contig, avx512::max_strided};
    case Isa::avx2: return {avx2::sum_contig, avx2::sum_strided, avx2::max_contig, avx2::max_strided};
    default: break;
  }
#endif
#if defined(FLASHLM_HAVE_NEON)
  if (active_isa() == Isa::neon) return {neon::sum_contig, neon::sum_strided, neon::max_contig, neon::max_strided};
#endif
  return {sum_contig_ref, sum_strided_ref, max_contig_ref, max_strided_ref};
}

// out (outer, inner) = scale * sum over the middle axis of x (outer, n, inner).
void sum_axis(const Fns& f, const float* x, int64_t outer, int64_t n, int64_t inner, float* out, double scale) {
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, kMinWork / std::max<int64_t>(n, 1)), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e && !interrupt_requested(); o++)
        out[o] = static_cast<float>(f.sum_contig(x + o * n, n) * scale);
    });
    return;
  }
  const int64_t tiles = (inner + kReduceTile - 1) / kReduceTile;
  parallel_for(outer * tiles, std::max<int64_t>(1, kMinWork / std::max<int64_t>(n * kReduceTile, 1)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e && !interrupt_requested(); t++) {
      const int64_t o = t / tiles, j0 = (t % tiles) * kReduceTile;
      f.sum_strided(n, inner, std::min(kReduceTile, inner - j0), x + o * n * inner + j0, out + o * inner + j0, scale);
    }
  });
}

void max_axis(const Fns& f, const float* x, int64_t outer, int64_t n, int64_t inner, float* out, int32_t* idx) {
  if (inner == 1) {
    parallel_for(outer, std::max<int64_t>(1, kMinWork / n), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e && !interrupt_requested(); o++) f.max_contig(x + o * n, n, out + o, idx + o);
    });
    return;
  }
  const int64_t tiles = (inner + kReduceTile - 1) / kReduceTile;
  parallel_for(outer * tiles, std::max<int64_t>(1, kMinWork / (n * kReduceTile)), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e && !interrupt_requested(); t++) {
      const int64_t o = t / tiles, j0 = (t % tiles) * kReduceTile;
      f.max_strided(n, inner, std::min(kReduceTile, inner - j0), x + o * n * inner + j0, out + o * inner + j0,
                    idx + o * inner + j0);
    }
  });
}

std::string ontn(int64_t outer, int64_t n, int64_t inner) {
  return "outer*n*inner = " + std::to_string(outer) + "*" + std::to_string(n) + "*" + std::to_string(inner);
}

// sumAll(x): float64 sum of every element (blocks of 64k summed in parallel, combined in order).
Napi::Value sum_all(const Napi::CallbackInfo& info) {
  const char* fn = "sumAll";
  auto x = array_arg<float>(info, 0, fn, "x");
  const Fns f = fns();
  const int64_t blocks = (x.length + kSumBlock - 1) / kSumBlock;
  std::vector<double> part(static_cast<size_t>(blocks), 0.0);
  parallel_for(blocks, 1, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e && !interrupt_requested(); k++)
      part[k] = f.sum_contig(x.data + k * kSumBlock, std::min(kSumBlock, x.length - k * kSumBlock));
  });
  throw_if_interrupted(info.Env(), fn);
  double s = 0.0;
  for (double p : part) s += p;
  return Napi::Number::New(info.Env(), s);
}

// reduceAxis(op, x, outer, n, inner, out, indices?): op 'sum' | 'mean' | 'max'; indices (Int32Array,
// outer*inner) receives the argmax along the axis and is required for 'max'.
Napi::Value reduce_axis(const Napi::CallbackInfo& info) {
  const char* fn = "reduceAxis";
  Napi::Env env = info.Env();
  const std::string op = string_arg(info, 0, fn, "op");
  if (op != "sum" && op != "mean" && op != "max")
    throw_type_error(env, std::string(fn) + ": op must be one of sum, mean, max; got '" + op + "'");
  auto x = array_arg<float>(info, 1, fn, "x");
  const int64_t outer = int_arg(info, 2, fn, "outer");
  const int64_t n = int_arg(info, 3, fn, "n", op == "max" ? 1 : 0, INT32_MAX);
  const int64_t inner = int_arg(info, 4, fn, "inner");
  auto out = array_arg<float>(info, 5, fn, "out");
  const int64_t total = checked_mul(env, fn, {outer, n, inner}), nout = checked_mul(env, fn, {outer, inner});
  require_length(env, fn, "x", x.length, total, ontn(outer, n, inner));
  require_length(env, fn, "out", out.length, nout, "outer*inner");
  require_disjoint(env, fn, "out", out, "x", x);
  const Fns f = fns();
  if (op == "max") {
    auto idx = array_arg<int32_t>(info, 6, fn, "indices");
    require_length(env, fn, "indices", idx.length, nout, "outer*inner");
    require_disjoint(env, fn, "indices", idx, "x", x);
    require_disjoint(env, fn, "indices", idx, "out", out);
    max_axis(f, x.data, outer, n, inner, out.data, idx.data);
  } else {
    sum_axis(f, x.data, outer, n, inner, out.data, op == "mean" ? 1.0 / static_cast<double>(n) : 1.0);
  }
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

// expandAxis(gradOut, outer, n, inner, scale, gradIn): gradIn (outer, n, inner) = scale * gradOut
// (outer, inner) repeated along the axis (the backward of sum and mean).
Napi::Value expand_axis(const Napi::CallbackInfo& info) {
  const char* fn = "expandAxis";
  Napi::Env env = info.Env();
  auto g = array_arg<float>(info, 0, fn, "gradOut");
  const int64_t outer = int_arg(info, 1, fn, "outer"), n = int_arg(info, 2, fn, "n"), inner = int_arg(info, 3, fn, "inner");
  const float scale = static_cast<float>(number_arg(info, 4, fn, "scale"));
  auto gi = array_arg<float>(info, 5, fn, "gradIn");
  const int64_t total = checked_mul(env, fn, {outer, n, inner});
  require_length(env, fn, "gradOut", g.length, checked_mul(env, fn, {outer, inner}), "outer*inner");
  require_length(env, fn, "gradIn", gi.length, total, ontn(outer, n, inner));
  require_disjoint(env, fn, "gradIn", gi, "gradOut", g);
  parallel_for(outer * n, std::max<int64_t>(1, kMinWork / std::max<int64_t>(inner, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; r++) {
      const float* src = g.data + (r / std::max<int64_t>(n, 1)) * inner;
      float* dst = gi.data + r * inner;
      for (int64_t j = 0; j < inner; j++) dst[j] = scale * src[j];
    }
  });
  return env.Undefined();
}

// maxBackward(gradOut, indices, outer, n, inner, gradIn): gradIn (outer, n, inner) is zero except
// gradOut at each argmax.
Napi::Value max_backward(const Napi::CallbackInfo& info) {
  const char* fn = "maxBackward";
  Napi::Env env = info.Env();
  auto g = array_arg<float>(info, 0, fn, "gradOut");
  auto idx = array_arg<int32_t>(info, 1, fn, "indices");
  const int64_t outer = int_arg(info, 2, fn, "outer"), n = int_arg(info, 3, fn, "n"), inner = int_arg(info, 4, fn, "inner");
  auto gi = array_arg<float>(info, 5, fn, "gradIn");
  const int64_t nout = checked_mul(env, fn, {outer, inner}), total = checked_mul(env, fn, {outer, n, inner});
  require_length(env, fn, "gradOut", g.length, nout, "outer*inner");
  require_length(env, fn, "indices", idx.length, nout, "outer*inner");
  require_length(env, fn, "gradIn", gi.length, total, ontn(outer, n, inner));
  require_disjoint(env, fn, "gradIn", gi, "gradOut", g);
  for (int64_t k = 0; k < nout; k++)
    if (idx.data[k] < 0 || idx.data[k] >= n)
      throw_range_error(env, std::string(fn) + ": indices[" + std::to_string(k) + "] must be in [0, " +
                                 std::to_string(n) + "), got " + std::to_string(idx.data[k]));
  std::fill(gi.data, gi.data + total, 0.0f);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < inner; j++)
      gi.data[(o * n + idx.data[o * inner + j]) * inner + j] = g.data[o * inner + j];
  return env.Undefined();
}

int shape_arg(const Napi::CallbackInfo& info, size_t index, const char* fn, const char* name, int64_t* out) {
  Napi::Env env = info.Env();
  if (index >= info.Length() || !info[index].IsArray())
    throw_type_error(env, std::string(fn) + ": " + name + " must be an array of integers, got " +
                              (index >= info.Length() ? std::string("nothing") : describe_value(info[index])));
  Napi::Array arr = info[index].As<Napi::Array>();
  if (arr.Length() > kMaxRank)
    throw_range_error(env, std::string(fn) + ": " + name + " must have at most 8 dimensions, got " + std::to_string(arr.Length()));
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value v = arr.Get(i);
    const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1.0;
    if (!(d >= 0 && d <= 9007199254740992.0 && d == static_cast<double>(static_cast<int64_t>(d))))
      throw_range_error(env, std::string(fn) + ": " + name + "[" + std::to_string(i) + "] must be a non-negative integer, got " + describe_value(v));
    out[i] = static_cast<int64_t>(d);
  }
  return static_cast<int>(arr.Length());
}

// sumToShape(x, xShape, out, outShape): sums x over the dimensions broadcasting expanded, NumPy
// rules (outShape right-aligned to xShape, each dim 1 or equal). One axis pass per run of reduced
// dimensions, innermost first; between passes the partial sums are rounded to float.
Napi::Value sum_to_shape(const Napi::CallbackInfo& info) {
  const char* fn = "sumToShape";
  Napi::Env env = info.Env();
  auto x = array_arg<float>(info, 0, fn, "x");
  int64_t xs[kMaxRank], os[kMaxRank];
  const int xr = shape_arg(info, 1, fn, "xShape", xs);
  auto out = array_arg<float>(info, 2, fn, "out");
  const int orank = shape_arg(info, 3, fn, "outShape", os);
  if (orank > xr)
    throw_range_error(env, std::string(fn) + ": outShape has more dimensions (" + std::to_string(orank) + ") than xShape (" + std::to_string(xr) + ")");
  int64_t total = 1, nout = 1;
  for (int i = 0; i < xr; i++) total = checked_mul(env, fn, {total, xs[i]});
  for (int i = 0; i < orank; i++) nout = checked_mul(env, fn, {nout, os[i]});
  require_length(env, fn, "x", x.length, total, "product of xShape");
  require_length(env, fn, "out", out.length, nout, "product of outShape");
  require_disjoint(env, fn, "out", out, "x", x);
  // Runs of (reduced?, size), outermost first; size-1 dimensions of x drop out.
  std::vector<std::pair<bool, int64_t>> runs;
  for (int i = 0; i < xr; i++) {
    const int oi = i - (xr - orank);
    const int64_t od = oi >= 0 ? os[oi] : 1;
    if (od != xs[i] && od != 1)
      throw_range_error(env, std::string(fn) + ": outShape[" + std::to_string(oi) + "] must be 1 or " +
                                 std::to_string(xs[i]) + " (xShape[" + std::to_string(i) + "]), got " + std::to_string(od));
    if (xs[i] == 1) continue;
    const bool red = od == 1;
    if (!runs.empty() && runs.back().first == red) runs.back().second *= xs[i];
    else runs.push_back({red, xs[i]});
  }
  const Fns f = fns();
  if (total == 0) {
    std::fill(out.data, out.data + nout, 0.0f);
    return env.Undefined();
  }
  std::vector<float> bufs[2];
  const float* src = x.data;
  for (int pass = 0;; pass++) {
    int r = -1;
    for (int i = static_cast<int>(runs.size()) - 1; i >= 0; i--)
      if (runs[i].first) { r = i; break; }
    if (r < 0) break;
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < r; i++) outer *= runs[i].second;
    for (size_t i = r + 1; i < runs.size(); i++) inner *= runs[i].second;
    const int64_t n = runs[r].second;
    runs.erase(runs.begin() + r);
    // Merge the now-adjacent kept runs so the next pass sees one inner block.
    if (r > 0 && r < static_cast<int>(runs.size()) && runs[r - 1].first == runs[r].first) {
      runs[r - 1].second *= runs[r].second;
      runs.erase(runs.begin() + r);
    }
    bool last = true;
    for (auto& run : runs) last = last && !run.first;
    float* dst = out.data;
    if (!last) {
      bufs[pass % 2].resize(static_cast<size_t>(outer * inner));
      dst = bufs[pass % 2].data();
    }
    sum_axis(f, src, outer, n, inner, dst, 1.0);
    src = dst;
  }
  if (src == x.data) std::copy(x.data, x.data + total, out.data);  // nothing was reduced
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

}  // namespace

void register_reduce(Napi::Env env, Napi::Object exports) {
  exports.Set("sumAll", Napi::Function::New(env, sum_all, "sumAll"));
  exports.Set("reduceAxis", Napi::Function::New(env, reduce_axis, "reduceAxis"));
  exports.Set("expandAxis", Napi::Function::New(env, expand_axis, "expandAxis"));
  exports.Set("maxBackward", Napi::Function::New(env, max_backward, "maxBackward"));
  exports.Set("sumToShape", Napi::Function::New(env, sum_to_shape, "sumToShape"));
}

}  // namespace flashlm
