// Philox4x32-10 and the distributions built on its counter stream (contracts in kernels/rng/rng.h).
// Work is split into element ranges; each range recomputes the block it starts in, so chunking never
// changes a value.
#include "kernels/rng/rng.h"

#include <cmath>

#include "threads.h"

namespace flashlm {

namespace {

// Constants from Random123's philox.h.
constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // multipliers
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments (golden ratio, sqrt(3)-1)

inline void philox_round(uint32_t c[4], const uint32_t k[2]) {
  const uint64_t p0 = static_cast<uint64_t>(kM0) * c[0], p1 = static_cast<uint64_t>(kM1) * c[2];
  const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
  const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
  const uint32_t c1 = c[1], c3 = c[3];
  c[0] = hi1 ^ c1 ^ k[0];
  c[1] = lo1;
  c[2] = hi0 ^ c3 ^ k[1];
  c[3] = lo0;
}

inline void block_for(uint64_t block, const uint32_t key[2], uint32_t out[4]) {
  const uint32_t ctr[4] = {static_cast<uint32_t>(block), static_cast<uint32_t>(block >> 32), 0u, 0u};
  philox4x32_10(ctr, key, out);
}

constexpr int64_t kMinChunk = 16384;

// Calls emit(i, words, lane) for each element i of [0, n), where words is the Philox block holding
// element offset + i and lane its position in it.
template <typename Emit>
void for_each_word(int64_t n, const RngStream& s, Emit emit) {
  parallel_for(n, kMinChunk, [&](int64_t i0, int64_t i1) {
    uint32_t words[4];
    uint64_t have = ~uint64_t{0};
    for (int64_t i = i0; i < i1; ++i) {
      const uint64_t e = s.offset + static_cast<uint64_t>(i), block = e >> 2;
      if (block != have) {
        block_for(block, s.key, words);
        have = block;
      }
      emit(i, words, static_cast<int>(e & 3));
    }
  });
}

}  // namespace

void philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t c[4] = {ctr[0], ctr[1], ctr[2], ctr[3]};
  uint32_t k[2] = {key[0], key[1]};
  for (int r = 0; r < 10; ++r) {
    if (r > 0) {  // the key is bumped between rounds
      k[0] += kW0;
      k[1] += kW1;
    }
    philox_round(c, k);
  }
  for (int i = 0; i < 4; ++i) out[i] = c[i];
}

void rng_raw(uint32_t* out, int64_t n, const RngStream& s) {
  for_each_word(n, s, [&](int64_t i, const uint32_t* w, int lane) { out[i] = w[lane]; });
}

void rng_uniform(float* out, int64_t n, const RngStream& s) {
  const float k = 1.0f / 16777216.0f;  // 2^-24: (x >> 8) * 2^-24 is exact in float
  for_each_word(n, s, [&](int64_t i, const uint32_t* w, int lane) { out[i] = static_cast<float>(w[lane] >> 8) * k; });
}

void rng_normal(float* out, int64_t n, const RngStream& s, double mean, double stddev) {
  const double k = 1.0 / 4294967296.0, two_pi = 6.283185307179586;
  for_each_word(n, s, [&](int64_t i, const uint32_t* w, int lane) {
    const int pair = lane & 2;  // lanes (0, 1) and (2, 3) each make two normals
    const double u1 = (static_cast<double>(w[pair]) + 1.0) * k;  // (0, 1]
    const double theta = two_pi * static_cast<double>(w[pair + 1]) * k;
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double z = (lane & 1) ? r * std::sin(theta) : r * std::cos(theta);
    out[i] = static_cast<float>(mean + stddev * z);
  });
}

void rng_bernoulli(uint8_t* out, int64_t n, const RngStream& s, double p) {
  // threshold in [0, 2^32]: p = 1 keeps every word, p = 0 none.
  const uint64_t threshold = static_cast<uint64_t>(std::floor(p * 4294967296.0));
  for_each_word(n, s, [&](int64_t i, const uint32_t* w, int lane) { out[i] = w[lane] < threshold ? 1 : 0; });
}

void rng_randint(int32_t* out, int64_t n, const RngStream& s, int64_t low, uint64_t range) {
  for_each_word(n, s, [&](int64_t i, const uint32_t* w, int lane) {
    out[i] = static_cast<int32_t>(low + static_cast<int64_t>((static_cast<uint64_t>(w[lane]) * range) >> 32));
  });
}

}  // namespace flashlm
