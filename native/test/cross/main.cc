// Cross-ISA harness: runs every SIMD kernel of one ISA (the namespace FLASHLM_ISA_NS; NEON when
// cross-compiled for aarch64 and run under qemu) against its scalar reference on random data at odd
// sizes, with the tolerances of the jest ISA-vs-scalar tests. No Node, no N-API.
// Usage: cross_<isa> [family ...]   (no argument: every family). Exit status 1 on any mismatch.
#include <cstring>
#include <functional>

#include "check.h"
#include "dispatch.h"

namespace cross {

Stats& stats() {
  static Stats s;
  return s;
}

static bool report(const std::string& kernel, const std::string& shape, size_t at, double got, double want,
                   double err, double allowed) {
  std::printf("FAIL %s [%s]: element %zu got %.9g want %.9g (|err| %.3g > allowed %.3g)\n", kernel.c_str(),
              shape.c_str(), at, got, want, err, allowed);
  stats().failures++;
  return false;
}

bool expect_close_extra(const std::string& kernel, const std::string& shape, const float* got, const float* want,
                        const float* extra, size_t n, double atol, double rtol) {
  stats().checks++;
  auto allowed = [&](size_t i) { return atol + rtol * std::fabs(want[i]) + (extra ? extra[i] : 0.0); };
  double worst_excess = 0;
  size_t worst = n;
  for (size_t i = 0; i < n; i++) {
    const double g = got[i], w = want[i];
    if (g == w || (std::isnan(g) && std::isnan(w))) continue;
    const double excess = std::fabs(g - w) - allowed(i);
    if (!(excess <= 0) && (worst == n || !(excess <= worst_excess))) worst = i, worst_excess = excess;
  }
  if (worst == n) return true;
  const double g = got[worst], w = want[worst];
  return report(kernel, shape, worst, g, w, std::fabs(g - w), allowed(worst));
}

bool expect_close(const std::string& kernel, const std::string& shape, const float* got, const float* want, size_t n,
                  double atol, double rtol) {
  return expect_close_extra(kernel, shape, got, want, nullptr, n, atol, rtol);
}

bool expect_bits(const std::string& kernel, const std::string& shape, const float* got, const float* want, size_t n) {
  stats().checks++;
  for (size_t i = 0; i < n; i++) {
    if (std::memcmp(got + i, want + i, sizeof(float)) != 0)
      return report(kernel + " (bit-exact)", shape, i, got[i], want[i], std::fabs(double(got[i]) - want[i]), 0);
  }
  return true;
}

bool expect_ints(const std::string& kernel, const std::string& shape, const int32_t* got, const int32_t* want,
                 size_t n) {
  stats().checks++;
  for (size_t i = 0; i < n; i++) {
    if (got[i] != want[i]) return report(kernel, shape, i, got[i], want[i], std::abs(got[i] - want[i]), 0);
  }
  return true;
}

std::string shape_str(std::initializer_list<std::pair<const char*, int64_t>> dims) {
  std::string s;
  for (auto& d : dims) s += (s.empty() ? "" : " ") + std::string(d.first) + "=" + std::to_string(d.second);
  return s;
}

const std::vector<int64_t>& odd_sizes() {
  static const std::vector<int64_t> s{1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 65, 1000, 1031};
  return s;
}

}  // namespace cross

int main(int argc, char** argv) {
  using flashlm::Isa;
  Isa isa;
  if (!flashlm::parse_isa(FLASHLM_STR(FLASHLM_ISA_NS), &isa) || !flashlm::isa_available(isa)) {
    std::printf("FAIL: ISA %s is not available in this build or on this CPU\n", FLASHLM_STR(FLASHLM_ISA_NS));
    return 2;
  }
  const std::pair<const char*, std::function<void()>> families[] = {
      {"elementwise", cross::run_elementwise}, {"reduce", cross::run_reduce}, {"softmax", cross::run_softmax},
      {"norm", cross::run_norm},               {"gemm", cross::run_gemm},     {"attention", cross::run_attention},
      {"scan", cross::run_scan},               {"optim", cross::run_optim},   {"ternary", cross::run_ternary},
  };
  std::vector<std::string> wanted(argv + 1, argv + argc);
  for (const auto& w : wanted) {
    bool known = false;
    for (const auto& f : families) known = known || w == f.first;
    if (!known) {
      std::printf("FAIL: unknown family '%s' (elementwise reduce softmax norm gemm attention scan optim ternary)\n",
                  w.c_str());
      return 2;
    }
  }
  for (const auto& f : families) {
    bool run = wanted.empty();
    for (const auto& w : wanted) run = run || w == f.first;
    if (!run) continue;
    const int64_t before_checks = cross::stats().checks, before_fail = cross::stats().failures;
    f.second();
    std::printf("%s %s: %lld checks, %lld failed\n", FLASHLM_STR(FLASHLM_ISA_NS), f.first,
                static_cast<long long>(cross::stats().checks - before_checks),
                static_cast<long long>(cross::stats().failures - before_fail));
  }
  std::printf("%s: %s (%lld checks, %lld failed)\n", FLASHLM_STR(FLASHLM_ISA_NS),
              cross::stats().failures ? "FAIL" : "PASS", static_cast<long long>(cross::stats().checks),
              static_cast<long long>(cross::stats().failures));
  return cross::stats().failures ? 1 : 0;
}
