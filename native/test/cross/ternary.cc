// Cross checks of the ternary family: the int8 × ternary micro-kernels (every table the ISA has; for
// NEON both the SDOT and the baseline vmull kernels when the CPU runs SDOT), activation quantization,
// packing, and the threaded driver (i8 GEMM with int32 and rescaled f32 outputs, f32 linear forward
// and backward-input). Integer paths must equal the reference exactly, as test/native/ternary.test.ts
// requires; the f32 paths (dequantize + GEMM) use the GEMM tolerance.
#include <cstring>

#include "check.h"
#include "dispatch.h"
#include "kernels/ternary/ternary.h"
#include "threads.h"
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

namespace cross {

namespace K = flashlm::FLASHLM_ISA_NS;
using flashlm::Isa;

namespace {

std::vector<std::pair<const char*, const flashlm::TernaryKernels*>> tables() {
  std::vector<std::pair<const char*, const flashlm::TernaryKernels*>> t;
#if defined(__aarch64__)
  t.push_back({"baseline", &K::ternary_kernels_baseline()});
#if defined(__linux__)
  if (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) t.push_back({"dotprod", &K::ternary_kernels_dotprod()});
  else std::printf("note: this CPU has no SDOT (HWCAP_ASIMDDP): only the baseline ternary kernel is checked\n");
#endif
#else
  t.push_back({"table", &K::ternary_kernels()});
#endif
  return t;
}

std::vector<int8_t> random_codes(int64_t n, uint64_t seed) {
  Rng r(seed);
  std::vector<int8_t> c(n);
  for (auto& v : c) v = static_cast<int8_t>(static_cast<int>(r.next() % 3) - 1);
  return c;
}

// Activations with the extremes -128 and 127 mixed in, as the jest test uses.
std::vector<int8_t> random_acts(int64_t n, uint64_t seed) {
  Rng r(seed);
  std::vector<int8_t> x(n);
  for (auto& v : x) {
    const uint64_t u = r.next();
    v = u % 7 == 0 ? -128 : u % 7 == 1 ? 127 : static_cast<int8_t>(static_cast<int>((u >> 8) % 256) - 128);
  }
  return x;
}

}  // namespace

void run_ternary() {
  const Isa isa = [] {
    Isa i = Isa::scalar;
    flashlm::parse_isa(FLASHLM_STR(FLASHLM_ISA_NS), &i);
    return i;
  }();
  const int64_t shapes[][3] = {{1, 1, 1},  {3, 5, 7},    {7, 33, 33},  {5, 40, 100}, {2, 32, 16}, {4, 64, 32},
                               {9, 70, 17}, {17, 33, 1031}, {33, 96, 48}, {64, 31, 250}};
  for (auto& sh : shapes) {
    const int64_t m = sh[0], n = sh[1], k = sh[2];
    const std::string shape = shape_str({{"m", m}, {"n", n}, {"k", k}});
    const auto codes = random_codes(n * k, n * 1000 + k);
    const auto x = random_acts(m * k, m * 7 + k);
    std::vector<uint8_t> packed(flashlm::ternary_packed_bytes(n, k)), packed_k(packed.size());
    flashlm::ternary_pack_ref(codes.data(), n, k, packed.data());
    flashlm::set_active_isa(isa);
    flashlm::ternary_pack(codes.data(), n, k, packed_k.data());
    stats().checks++;
    if (packed_k != packed) {
      std::printf("FAIL ternary_pack [%s]: packed bytes differ\n", shape.c_str());
      stats().failures++;
    }

    std::vector<int32_t> rowsum(m, 0);
    for (int64_t i = 0; i < m; i++)
      for (int64_t c = 0; c < k; c++) rowsum[i] += x[i * k + c];
    const auto xscale = uniform(m, m + 1, 0.01f, 1), colscale = uniform(n, n + 2, 0.01f, 1);
    std::vector<int32_t> want_i(m * n);
    std::vector<float> want_f(m * n);
    flashlm::I8TernaryArgs a{x.data(), m, k, packed.data(), n, rowsum.data(), want_i.data(), nullptr,
                             xscale.data(), colscale.data(), true};
    const int64_t panels = flashlm::ternary_panels(n);
    flashlm::i8_ternary_block_ref(a, 0, m, 0, panels);
    a.out_i32 = nullptr, a.out_f32 = want_f.data();
    flashlm::i8_ternary_block_ref(a, 0, m, 0, panels);
    for (auto& t : tables()) {
      std::vector<int32_t> got_i(m * n, -7);
      std::vector<float> got_f(m * n, -7.0f);
      a.out_i32 = got_i.data(), a.out_f32 = nullptr;
      // Two calls over row and panel ranges, as the driver splits work.
      t.second->i8_block(a, 0, m / 2, 0, panels);
      t.second->i8_block(a, m / 2, m, 0, panels);
      expect_ints(std::string("i8_block int32 ") + t.first, shape, got_i.data(), want_i.data(), m * n);
      a.out_i32 = nullptr, a.out_f32 = got_f.data();
      t.second->i8_block(a, 0, m, 0, (panels + 1) / 2);
      t.second->i8_block(a, 0, m, (panels + 1) / 2, panels);
      expect_bits(std::string("i8_block rescaled f32 ") + t.first, shape, got_f.data(), want_f.data(), m * n);
    }
    for (int threads : {1, 2}) {
      flashlm::set_thread_count(threads);
      std::vector<int32_t> got(m * n, -7);
      flashlm::I8TernaryArgs d{x.data(), m, k, packed.data(), n, nullptr, got.data(), nullptr, nullptr, nullptr, false};
      flashlm::i8_ternary_gemm(d);
      expect_ints("i8_ternary_gemm (driver)", shape + " threads=" + std::to_string(threads), got.data(),
                  want_i.data(), m * n);
    }

    // Quantization: exact (correctly rounded division, round half to even, clamp), scales bit for bit.
    auto xf = normal(m * k, m * 13 + k, 3.0f);
    if (m * k > 4) xf[1] = 0.5f * 127.0f, xf[2] = -2.5f;  // ties
    std::vector<int8_t> q_r(m * k), q_k(m * k);
    std::vector<float> s_r(m), s_k(m);
    flashlm::quantize_activations_i8_rows(xf.data(), 0, m, k, 1e-5f, q_r.data(), s_r.data());
    K::ternary_kernels().quantize_rows(xf.data(), 0, m, k, 1e-5f, q_k.data(), s_k.data());
    expect_bits("quantize_rows scale", shape, s_k.data(), s_r.data(), m);
    std::vector<int32_t> qi_r(q_r.begin(), q_r.end()), qi_k(q_k.begin(), q_k.end());
    expect_ints("quantize_rows q", shape, qi_k.data(), qi_r.data(), m * k);

    // f32 paths through the driver vs the scalar driver (dequantize + GEMM or the ternary-aware kernel).
    const auto xin = normal(m * k, m * 17 + k), gin = normal(m * n, m * 19 + n), ws = uniform(n, n + 5, 0.1f, 1);
    for (int method : {flashlm::kF32Auto, flashlm::kF32Aware, flashlm::kF32Gemm}) {
      std::vector<float> f_r(m * n), f_k(m * n), b_r(m * k), b_k(m * k);
      flashlm::set_active_isa(Isa::scalar);
      flashlm::f32_ternary_linear(xin.data(), m, packed.data(), n, k, ws.data(), true, f_r.data(), method);
      flashlm::ternary_linear_backward_input(gin.data(), m, packed.data(), n, k, ws.data(), true, 0.7f, b_r.data(),
                                             method);
      flashlm::set_active_isa(isa);
      flashlm::f32_ternary_linear(xin.data(), m, packed.data(), n, k, ws.data(), true, f_k.data(), method);
      flashlm::ternary_linear_backward_input(gin.data(), m, packed.data(), n, k, ws.data(), true, 0.7f, b_k.data(),
                                             method);
      const std::string s2 = shape + " method=" + std::to_string(method);
      expect_close("f32_ternary_linear", s2, f_k, f_r, 1e-7 * std::max<int64_t>(1, k), 1e-5);
      expect_close("ternary_linear_backward_input", s2, b_k, b_r, 1e-7 * std::max<int64_t>(1, n), 1e-5);
    }
  }
}

}  // namespace cross
