// Bindings for the embedding family (kernels/embedding): gather rows of a (V, C) table by int32 ids,
// and scatter-add gradients back. Every id is checked against V before any memory is touched.
#include <algorithm>
#include <string>

#include "args.h"
#include "bind/registry.h"
#include "interrupt.h"
#include "kernels/embedding/embedding.h"
#include "kernels/softmax/bind_util.h"
#include "threads.h"

namespace flashlm {

namespace {

using famargs::rc_note;

constexpr int64_t kMinParallelElems = 1 << 15;  // smaller calls stay on one thread
constexpr int64_t kColBlock = 16;               // 64-byte column blocks: threads never share a cache line

void check_ids(Napi::Env env, const char* fn, const int32_t* ids, int64_t N, int64_t V) {
  for (int64_t i = 0; i < N; i++) {
    if (ids[i] < 0 || ids[i] >= V)
      throw_range_error(env, std::string(fn) + ": ids[" + std::to_string(i) + "] = " + std::to_string(ids[i]) +
                                 " is out of range [0, " + std::to_string(V) + ") (V, the table's rows)");
  }
}

// (table, ids, out, N, V, C): out (N, C) = table (V, C)[ids (N)].
Napi::Value forward(const Napi::CallbackInfo& info) {
  const char* fn = "embeddingForward";
  Napi::Env env = info.Env();
  auto table = array_arg<float>(info, 0, fn, "table");
  auto ids = array_arg<int32_t>(info, 1, fn, "ids");
  auto out = array_arg<float>(info, 2, fn, "out");
  int64_t N = int_arg(info, 3, fn, "N"), V = int_arg(info, 4, fn, "V"), C = int_arg(info, 5, fn, "C");
  require_length(env, fn, "table", table.length, checked_mul(env, fn, {V, C}), rc_note("V", V, "C", C));
  require_length(env, fn, "ids", ids.length, N, "N");
  require_length(env, fn, "out", out.length, checked_mul(env, fn, {N, C}), rc_note("N", N, "C", C));
  require_disjoint(env, fn, "table", table, "out", out);
  require_disjoint(env, fn, "ids", ids, "out", out);
  check_ids(env, fn, ids.data, N, V);
  const int64_t c = std::max<int64_t>(C, 1);
  parallel_for(N, std::max<int64_t>(1, kMinParallelElems / c), [&](int64_t n0, int64_t n1) {
    const int64_t poll = std::max<int64_t>(1, (1 << 16) / c);
    for (int64_t i = n0; i < n1 && !interrupt_requested(); i += poll)
      embedding_forward_ref(table.data, ids.data, out.data, i, std::min(i + poll, n1), C);
  });
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

// (dout, ids, dtable, N, V, C): dtable (V, C) += scatter of dout (N, C) rows at ids (repeats add up).
// Threads split the COLUMNS, so there are no races and the sum order per element is the id order.
Napi::Value backward(const Napi::CallbackInfo& info) {
  const char* fn = "embeddingBackward";
  Napi::Env env = info.Env();
  auto dout = array_arg<float>(info, 0, fn, "dout");
  auto ids = array_arg<int32_t>(info, 1, fn, "ids");
  auto dtable = array_arg<float>(info, 2, fn, "dtable");
  int64_t N = int_arg(info, 3, fn, "N"), V = int_arg(info, 4, fn, "V"), C = int_arg(info, 5, fn, "C");
  require_length(env, fn, "dout", dout.length, checked_mul(env, fn, {N, C}), rc_note("N", N, "C", C));
  require_length(env, fn, "ids", ids.length, N, "N");
  require_length(env, fn, "dtable", dtable.length, checked_mul(env, fn, {V, C}), rc_note("V", V, "C", C));
  require_disjoint(env, fn, "dout", dout, "dtable", dtable);
  require_disjoint(env, fn, "ids", ids, "dtable", dtable);
  check_ids(env, fn, ids.data, N, V);
  const int64_t nblocks = (C + kColBlock - 1) / kColBlock;
  const int64_t n = std::max<int64_t>(N, 1);
  parallel_for(nblocks, std::max<int64_t>(1, kMinParallelElems / (n * kColBlock)), [&](int64_t b0, int64_t b1) {
    if (interrupt_requested()) return;
    embedding_backward_ref(dout.data, ids.data, dtable.data, N, C, b0 * kColBlock, std::min(C, b1 * kColBlock));
  });
  throw_if_interrupted(env, fn);
  return env.Undefined();
}

}  // namespace

void register_embedding(Napi::Env env, Napi::Object exports) {
  exports.Set("embeddingForward", Napi::Function::New(env, forward, "embeddingForward"));
  exports.Set("embeddingBackward", Napi::Function::New(env, backward, "embeddingBackward"));
}

}  // namespace flashlm
