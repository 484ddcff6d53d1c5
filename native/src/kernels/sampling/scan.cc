#include "kernels/sampling/scan.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <vector>

namespace flashlm {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
// Logits are summarised a block at a time by branch-free loops (4 independent maxima, so the compares
// overlap); only a block that can matter — one holding a bad value, a new maximum, or a value above
// the heap's smallest — is walked element by element. At a 32K vocabulary that is a small fraction.
constexpr int64_t kBlock = 64;

struct BlockSummary {
  bool bad;        // holds a NaN or +inf
  int64_t masked;  // how many are -inf
  float max;       // the largest (-inf for an all -inf block; meaningless when bad)
};

BlockSummary summarise(const float* x, int64_t n) {
  int bad = 0;
  int64_t masked = 0;
  float m0 = -kInf, m1 = -kInf, m2 = -kInf, m3 = -kInf;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const float v0 = x[i], v1 = x[i + 1], v2 = x[i + 2], v3 = x[i + 3];
    bad |= !(v0 < kInf) | !(v1 < kInf) | !(v2 < kInf) | !(v3 < kInf);
    masked += (v0 == -kInf) + (v1 == -kInf) + (v2 == -kInf) + (v3 == -kInf);
    m0 = v0 > m0 ? v0 : m0;
    m1 = v1 > m1 ? v1 : m1;
    m2 = v2 > m2 ? v2 : m2;
    m3 = v3 > m3 ? v3 : m3;
  }
  for (; i < n; ++i) {
    const float v = x[i];
    bad |= !(v < kInf);
    masked += v == -kInf;
    m0 = v > m0 ? v : m0;
  }
  return {bad != 0, masked, std::max(std::max(m0, m1), std::max(m2, m3))};
}

}  // namespace

LogitScan scan_logits(const float* x, int64_t n, int64_t k) {
  LogitScan r{-1, 0, -1, -kInf};
  std::vector<float> heap;  // the k largest so far, a min-heap
  if (k > 0) heap.reserve(static_cast<size_t>(std::min(k, n)));
  float best = -kInf;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t e = std::min(n, b + kBlock);
    const BlockSummary s = summarise(x + b, e - b);
    if (s.bad) {
      for (int64_t i = b; i < e; ++i)
        if (!(x[i] < kInf)) {
          r.bad = i;
          return r;
        }
    }
    r.finite += (e - b) - s.masked;
    if (s.max == -kInf) continue;
    if (r.argmax < 0 || s.max > best) {  // strictly above every earlier block: its first copy is the argmax
      best = s.max;
      for (int64_t i = b; i < e; ++i)
        if (x[i] == best) {
          r.argmax = i;
          break;
        }
    }
    if (k <= 0 || (static_cast<int64_t>(heap.size()) == k && !(s.max > heap.front()))) continue;
    for (int64_t i = b; i < e; ++i) {
      const float v = x[i];
      if (v == -kInf) continue;
      if (static_cast<int64_t>(heap.size()) < k) {
        heap.push_back(v);
        std::push_heap(heap.begin(), heap.end(), std::greater<float>());
      } else if (v > heap.front()) {
        std::pop_heap(heap.begin(), heap.end(), std::greater<float>());
        heap.back() = v;
        std::push_heap(heap.begin(), heap.end(), std::greater<float>());
      }
    }
  }
  if (k > 0 && k <= r.finite) r.kth = heap.front();
  return r;
}

int64_t logits_at_least(const float* x, int64_t n, double low, int32_t* idx) {
  int64_t m = 0;
  for (int64_t b = 0; b < n; b += kBlock) {
    const int64_t e = std::min(n, b + kBlock);
    if (static_cast<double>(summarise(x + b, e - b).max) < low) continue;  // no candidate in the block
    for (int64_t i = b; i < e; ++i)
      if (x[i] != -kInf && static_cast<double>(x[i]) >= low) idx[m++] = static_cast<int32_t>(i);
  }
  return m;
}

}  // namespace flashlm
