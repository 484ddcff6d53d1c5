// Shared pieces of the cross-ISA harness: a seeded RNG, the comparison that records the worst error
// of one kernel on one shape (tolerance atol + rtol·|ref|, as test/native/*.test.ts), and the family
// registry. K names the namespace of the kernels under test (neon, or avx2/avx512 in the x86 build).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#ifndef FLASHLM_ISA_NS
#error "build the harness with -DFLASHLM_ISA_NS=neon (or avx2 / avx512)"
#endif
#define FLASHLM_STR2(x) #x
#define FLASHLM_STR(x) FLASHLM_STR2(x)

namespace cross {

// xorshift64*, so the data do not depend on the C++ library's distributions.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t next() {
    s ^= s >> 12, s ^= s << 25, s ^= s >> 27;
    return s * 0x2545F4914F6CDD1Dull;
  }
  float uniform(float lo, float hi) { return lo + (hi - lo) * static_cast<float>((next() >> 40) * (1.0 / 16777216.0)); }
  float normal() {
    const double u = ((next() >> 11) + 0.5) * 0x1p-53, v = (next() >> 11) * 0x1p-53;
    return static_cast<float>(std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v));
  }
};

inline std::vector<float> uniform(size_t n, uint64_t seed, float lo, float hi) {
  Rng r(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = r.uniform(lo, hi);
  return v;
}
inline std::vector<float> normal(size_t n, uint64_t seed, float scale = 1.0f) {
  Rng r(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = scale * r.normal();
  return v;
}

// Counts checks and failures across the run; each failure prints one line naming everything needed
// to reproduce it.
struct Stats {
  int64_t checks = 0, failures = 0;
};
Stats& stats();

// got vs want element by element: equal (NaN == NaN, same infinities) or |got - want| <= atol + rtol·|want|.
// Reports the worst element on failure. Returns true when all pass.
bool expect_close(const std::string& kernel, const std::string& shape, const float* got, const float* want, size_t n,
                  double atol, double rtol);
inline bool expect_close(const std::string& kernel, const std::string& shape, const std::vector<float>& got,
                         const std::vector<float>& want, double atol, double rtol) {
  return expect_close(kernel, shape, got.data(), want.data(), want.size(), atol, rtol);
}
// Same, with extra[i] added to element i's allowance: for kernels whose SIMD versions legitimately
// round differently from the float64 reference by a data-dependent amount (a float partial sum).
bool expect_close_extra(const std::string& kernel, const std::string& shape, const float* got, const float* want,
                        const float* extra, size_t n, double atol, double rtol);
// Bit-for-bit (NaNs with equal bits), for kernels that must match the reference exactly.
bool expect_bits(const std::string& kernel, const std::string& shape, const float* got, const float* want, size_t n);
bool expect_ints(const std::string& kernel, const std::string& shape, const int32_t* got, const int32_t* want,
                 size_t n);

std::string shape_str(std::initializer_list<std::pair<const char*, int64_t>> dims);

// Sizes along the vectorised dimension: every tail of 4-, 8- and 16-lane vectors, and a long one.
const std::vector<int64_t>& odd_sizes();

// One function per kernel family (families_*.cc); each runs all its checks.
void run_elementwise();
void run_reduce();
void run_softmax();
void run_norm();
void run_gemm();
void run_attention();
void run_scan();
void run_optim();
void run_ternary();

}  // namespace cross
