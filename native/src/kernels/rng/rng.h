// Counter-based RNG family: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC'11; the Random123 reference). Element e of a stream (seed, offset) is drawn from lane e % 4
// of philox(counter = e / 4 as a 64-bit value in words 0-1, key = seed), so every value depends only
// on (seed, offset + i): identical for any thread count and any split into calls. Scalar only.
#pragma once
#include <cstdint>

namespace flashlm {

// One Philox4x32-10 block: out = philox(ctr, key). Matches Random123's kat_vectors.
void philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

struct RngStream {
  uint32_t key[2];  // the seed
  uint64_t offset;  // element index of out[0]
};

// Raw 32-bit words.
void rng_raw(uint32_t* out, int64_t n, const RngStream& s);
// Uniform in [0, 1): the top 24 bits of each word times 2^-24, so never exactly 1.
void rng_uniform(float* out, int64_t n, const RngStream& s);
// mean + std * N(0, 1) by Box-Muller on word pairs (lanes 0-1 and 2-3 of a block), in float64: u1 is
// (x + 1) * 2^-32 in (0, 1], so log(u1) is finite and |N| <= sqrt(64 ln 2) ~ 6.66.
void rng_normal(float* out, int64_t n, const RngStream& s, double mean, double stddev);
// out = 1 with probability p (word < p * 2^32), else 0.
void rng_bernoulli(uint8_t* out, int64_t n, const RngStream& s, double p);
// Integers in [low, low + range), range in [1, 2^32]: low + floor(word * range / 2^32). The bias is at
// most range / 2^32 relative (7e-6 for a 32000-token vocabulary).
void rng_randint(int32_t* out, int64_t n, const RngStream& s, int64_t low, uint64_t range);

}  // namespace flashlm
