// Cross checks of the families that run on the thread pool: the blocked GEMM (through its driver),
// attention + RoPE (through their driver), causal conv / cumsum, and the optimizers. Each runs at 1
// and 2 threads. Tolerances are the jest ones (test/native/{gemm,attention,scan,optim}.test.ts);
// AdamW/SGD and the gradient scaling must match the reference bit for bit.
#include "check.h"
#include "dispatch.h"
#include "kernels/attention/attention.h"
#include "kernels/gemm/gemm.h"
#include "kernels/optim/optim.h"
#include "kernels/scan/scan.h"
#include "threads.h"

namespace cross {

namespace K = flashlm::FLASHLM_ISA_NS;
using flashlm::Isa;

namespace {

Isa isa_under_test() {
  Isa isa = Isa::scalar;
  flashlm::parse_isa(FLASHLM_STR(FLASHLM_ISA_NS), &isa);
  return isa;
}

std::string with_threads(const std::string& shape, int threads) {
  return shape + " threads=" + std::to_string(threads);
}

}  // namespace

void run_gemm() {
  const int64_t shapes[][3] = {{1, 1, 1},    {7, 15, 16},  {17, 33, 31}, {16, 17, 1},  {1, 33, 17},  {33, 1, 7},
                               {15, 7, 33},  {31, 16, 15}, {9, 13, 5},   {65, 97, 300}, {130, 50, 600}, {8, 12, 1031}};
  int seed = 1;
  for (auto& s : shapes) {
    const int64_t M = s[0], N = s[1], Kd = s[2];
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++)
        for (float beta : {0.0f, 1.0f, -0.5f})
          for (int64_t batch : {int64_t(1), int64_t(2)}) {
            const auto a = uniform(batch * M * Kd, seed++, -1, 1), b = uniform(batch * Kd * N, seed++, -1, 1);
            const auto c0 = uniform(batch * M * N, seed++, -1, 1);
            flashlm::SgemmArgs g{ta != 0, tb != 0, batch, M, N, Kd, a.data(), M * Kd, ta ? M : Kd, b.data(), Kd * N,
                                 tb ? Kd : N, nullptr, M * N, N, beta};
            std::vector<float> want = c0;
            g.c = want.data();
            flashlm::sgemm_ref(g);
            for (int threads : {1, 2}) {
              std::vector<float> got = c0;
              g.c = got.data();
              flashlm::set_thread_count(threads);
              flashlm::set_active_isa(isa_under_test());
              flashlm::sgemm(g);
              const std::string shape =
                  shape_str({{"M", M}, {"N", N}, {"K", Kd}, {"ta", ta}, {"tb", tb}, {"batch", batch}}) +
                                        " beta=" + std::to_string(beta);
              expect_close("sgemm", with_threads(shape, threads), got, want, 1e-7 * std::max<int64_t>(1, Kd), 1e-5);
            }
          }
  }
  // The 16-bit head product (gemv_half, 1..5 rows of x, both formats) against the double reference,
  // and each row's bits equal to that row alone (a batch decodes as each sequence alone).
  const int64_t half_shapes[][3] = {{1, 1, 1}, {1, 7, 7}, {2, 33, 33}, {3, 5, 16}, {4, 9, 31}, {5, 130, 64}, {1, 1031, 47}, {3, 17, 1031}};
  for (auto& s : half_shapes) {
    const int64_t M = s[0], N = s[1], Kd = s[2];
    for (flashlm::HalfFormat f : {flashlm::HalfFormat::f16, flashlm::HalfFormat::bf16}) {
      const auto x = uniform(M * Kd, seed++, -1, 1), wf = uniform(N * Kd, seed++, -1, 1);
      std::vector<uint16_t> w(wf.size());
      flashlm::f32_to_half(f, wf.data(), static_cast<int64_t>(wf.size()), w.data());
      std::vector<float> want(M * N);
      flashlm::gemv_half_ref(f, x.data(), M, w.data(), N, Kd, want.data());
      for (int threads : {1, 2}) {
        flashlm::set_thread_count(threads);
        flashlm::set_active_isa(isa_under_test());
        std::vector<float> got(M * N);
        flashlm::gemv_half(f, x.data(), M, w.data(), N, Kd, got.data());
        const std::string shape = with_threads(shape_str({{"M", M}, {"N", N}, {"K", Kd}}) +
                                                   (f == flashlm::HalfFormat::f16 ? " f16" : " bf16"), threads);
        expect_close("gemv_half", shape, got, want, 1e-7 * std::max<int64_t>(1, Kd), 1e-5);
        for (int64_t i = 0; i < M; ++i) {
          std::vector<float> alone(N);
          flashlm::gemv_half(f, x.data() + i * Kd, 1, w.data(), N, Kd, alone.data());
          expect_bits("gemv_half row alone", shape + " row=" + std::to_string(i), alone.data(), got.data() + i * N, N);
        }
      }
    }
  }
}

void run_attention() {
  struct Shape { int64_t B, T, H, D; };
  const Shape shapes[] = {{1, 1, 1, 1},  {2, 7, 3, 7},   {1, 15, 2, 8},  {1, 16, 1, 16}, {2, 17, 2, 17}, {1, 31, 3, 32},
                          {1, 33, 2, 64}, {1, 65, 1, 33}, {2, 130, 2, 64}, {1, 257, 1, 32}, {1, 40, 2, 5}};
  const Isa isa = isa_under_test();
  for (const Shape& s : shapes) {
    const size_t n = s.B * s.T * s.H * s.D, nl = s.B * s.H * s.T;
    const uint64_t seed = s.T + 100 * s.D;
    const auto q = normal(n, seed), k = normal(n, seed + 1), v = normal(n, seed + 2), dout = normal(n, seed + 3);
    const float scale = 1.0f / std::sqrt(static_cast<float>(s.D));
    std::vector<float> o_r(n), lse_r(nl), dq_r(n), dk_r(n), dv_r(n);
    flashlm::set_thread_count(1);
    flashlm::attention_forward(Isa::scalar, q.data(), k.data(), v.data(), o_r.data(), lse_r.data(), s.B, s.T, s.H, s.D,
                               scale);
    flashlm::attention_backward(Isa::scalar, q.data(), k.data(), v.data(), o_r.data(), lse_r.data(), dout.data(),
                                dq_r.data(), dk_r.data(), dv_r.data(), s.B, s.T, s.H, s.D, scale);
    const std::string shape = shape_str({{"B", s.B}, {"T", s.T}, {"H", s.H}, {"D", s.D}});
    for (int threads : {1, 2}) {
      flashlm::set_thread_count(threads);
      std::vector<float> o(n), lse(nl), dq(n), dk(n), dv(n);
      flashlm::attention_forward(isa, q.data(), k.data(), v.data(), o.data(), lse.data(), s.B, s.T, s.H, s.D, scale);
      // The backward reads the reference's o and lse, so only the backward kernel is compared.
      flashlm::attention_backward(isa, q.data(), k.data(), v.data(), o_r.data(), lse_r.data(), dout.data(), dq.data(),
                                  dk.data(), dv.data(), s.B, s.T, s.H, s.D, scale);
      const std::string sh = with_threads(shape, threads);
      expect_close("attention_forward o", sh, o, o_r, 2e-5, 1e-4);
      expect_close("attention_forward lse", sh, lse, lse_r, 2e-5, 1e-4);
      expect_close("attention_backward dq", sh, dq, dq_r, 2e-4, 1e-3);
      expect_close("attention_backward dk", sh, dk, dk_r, 2e-4, 1e-3);
      expect_close("attention_backward dv", sh, dv, dv_r, 2e-4, 1e-3);
    }
  }
  // Decoding over a KV cache: this ISA's attn_decode_head against the portable one (the scalar ISA's),
  // for head dims around the vector width, prefill and single steps, and key counts around 4·W.
  struct DecodeShape { int64_t B, t, H, D, start; };
  const DecodeShape decode_shapes[] = {{1, 1, 1, 1, 0},  {2, 3, 2, 7, 4},   {1, 1, 3, 16, 15}, {1, 1, 2, 33, 63},
                                       {2, 2, 2, 64, 64}, {1, 1, 1, 130, 9}, {1, 5, 2, 32, 1030}};
  for (const DecodeShape& s : decode_shapes) {
    const int64_t C = s.H * s.D, capacity = s.start + s.t + 3, n = s.B * s.t * C, nc = s.B * capacity * C;
    const uint64_t seed = 7 * s.D + s.start;
    const auto q = normal(n, seed), kn = normal(n, seed + 1), vn = normal(n, seed + 2);
    const auto kc0 = normal(flashlm::decode_k_cache_floats(s.B, capacity, C), seed + 3), vc0 = normal(nc, seed + 4);
    const float scale = 1.0f / std::sqrt(static_cast<float>(s.D));
    std::vector<float> kc_r = kc0, vc_r = vc0, o_r(n);
    flashlm::set_thread_count(1);
    flashlm::set_active_isa(Isa::scalar);
    flashlm::attention_decode(q.data(), kn.data(), vn.data(), kc_r.data(), vc_r.data(), o_r.data(), s.B, s.t, s.H, s.D,
                              s.start, capacity, scale);
    const std::string shape = shape_str({{"B", s.B}, {"t", s.t}, {"H", s.H}, {"D", s.D}, {"start", s.start}});
    for (int threads : {1, 2}) {
      flashlm::set_thread_count(threads);
      flashlm::set_active_isa(isa);
      std::vector<float> kc = kc0, vc = vc0, o(n);
      flashlm::attention_decode(q.data(), kn.data(), vn.data(), kc.data(), vc.data(), o.data(), s.B, s.t, s.H, s.D,
                                s.start, capacity, scale);
      const std::string sh = with_threads(shape, threads);
      expect_close("attention_decode o", sh, o, o_r, 2e-5, 1e-4);
      expect_close("attention_decode k cache", sh, kc, kc_r, 0, 0);
      expect_close("attention_decode v cache", sh, vc, vc_r, 0, 0);
    }
  }
  for (int64_t D : {2, 4, 6, 8, 14, 16, 18, 30, 32, 34, 62, 64, 66, 130}) {
    const int64_t B = 2, T = 9, H = 3, pos0 = 5, P = pos0 + T;
    std::vector<float> cos_t(P * D / 2), sin_t(P * D / 2);
    flashlm::rope_table_ref(cos_t.data(), sin_t.data(), P, D, 10000.0);
    const auto x = normal(B * T * H * D, D);
    for (bool inverse : {false, true}) {
      std::vector<float> want(x.size());
      flashlm::rope_ref(x.data(), want.data(), cos_t.data(), sin_t.data(), B, T, H, D, pos0, inverse);
      for (int threads : {1, 2}) {
        flashlm::set_thread_count(threads);
        std::vector<float> got(x.size());
        flashlm::rope(isa_under_test(), x.data(), got.data(), cos_t.data(), sin_t.data(), B, T, H, D, pos0, inverse);
        const std::string sh = with_threads(shape_str({{"B", B}, {"T", T}, {"H", H}, {"D", D}}), threads);
        expect_close(inverse ? "rope inverse" : "rope", sh, got, want, 1e-6, 1e-5);
      }
    }
  }
}

void run_scan() {
  const int64_t conv_shapes[][3] = {{1, 1, 8}, {2, 5, 8}, {1, 130, 8}, {2, 9, 3}, {1, 20, 1}, {1, 70, 5}};
  for (auto& s : conv_shapes) {
    for (int64_t C : {1, 3, 4, 5, 7, 15, 16, 17, 31, 33, 1000}) {
      const int64_t B = s[0], T = s[1], Kw = s[2], n = B * T * C;
      const auto x = uniform(n, 11 + C, -1, 1), w = uniform(C * Kw, 12, -1, 1), dy = uniform(n, 13, -1, 1);
      std::vector<float> y_r(n), dx_r(n), dw_r(C * Kw);
      flashlm::causal_conv1d_forward_ref(x.data(), w.data(), y_r.data(), B, T, C, Kw);
      flashlm::causal_conv1d_backward_ref(x.data(), w.data(), dy.data(), dx_r.data(), dw_r.data(), B, T, C, Kw);
      for (int threads : {1, 2}) {
        flashlm::set_thread_count(threads);
        std::vector<float> y(n), dx(n), dw(C * Kw);
        K::causal_conv1d_forward(x.data(), w.data(), y.data(), B, T, C, Kw);
        K::causal_conv1d_backward(x.data(), w.data(), dy.data(), dx.data(), dw.data(), B, T, C, Kw);
        const std::string sh = with_threads(shape_str({{"B", B}, {"T", T}, {"C", C}, {"K", Kw}}), threads);
        expect_close("causal_conv1d_forward", sh, y, y_r, 2e-6, 1e-5);
        expect_close("causal_conv1d_backward dx", sh, dx, dx_r, 2e-6, 1e-5);
        expect_close("causal_conv1d_backward dw", sh, dw, dw_r, 2e-5, 1e-5);
      }
    }
  }
  for (int64_t C : {1, 3, 4, 5, 7, 15, 16, 17, 31, 33, 257, 513, 1000}) {
    for (int64_t T : {1, 3, 50}) {
      const int64_t B = 2, n = B * T * C;
      const auto x = uniform(n, 51 + C, -1, 1);
      for (bool mean : {false, true}) {
        std::vector<float> f_r(n), b_r(n);
        flashlm::cumsum_forward_ref(x.data(), f_r.data(), B, T, C, mean);
        flashlm::cumsum_backward_ref(x.data(), b_r.data(), B, T, C, mean);
        for (int threads : {1, 2}) {
          flashlm::set_thread_count(threads);
          std::vector<float> f(n), b(n);
          K::cumsum_forward(x.data(), f.data(), B, T, C, mean);
          K::cumsum_backward(x.data(), b.data(), B, T, C, mean);
          const std::string sh = with_threads(shape_str({{"B", B}, {"T", T}, {"C", C}, {"mean", mean}}), threads);
          expect_close("cumsum_forward", sh, f, f_r, 1e-7, 1.5e-7);
          expect_close("cumsum_backward", sh, b, b_r, 1e-7, 1.5e-7);
        }
      }
    }
  }
}

void run_optim() {
  std::vector<int64_t> sizes = odd_sizes();
  sizes.push_back(70001);  // above the pool's 65536-element chunk
  sizes.push_back(200003);
  for (int64_t n : sizes) {
    const auto p0 = uniform(n, n, -1, 1), g = uniform(n, n + 1, -3, 3), m0 = uniform(n, n + 2, -0.1f, 0.1f);
    auto v0 = uniform(n, n + 3, 0, 0.01f);
    struct H { double lr, b1, b2, eps, wd; int64_t step; double scale; };
    for (const H& h : {H{1e-3, 0.9, 0.999, 1e-8, 0.01, 1, 1.0}, H{3e-2, 0.3, 0.95, 1e-6, 0.1, 7, 0.5},
                       H{1e-4, 0.99, 0.98, 1e-8, 0, 1000, 1.0}}) {
      const flashlm::AdamWScalars s = flashlm::adamw_scalars(h.lr, h.b1, h.b2, h.eps, h.wd, h.step, h.scale);
      std::vector<float> pr = p0, mr = m0, vr = v0;
      flashlm::ref::adamw_step(pr.data(), g.data(), mr.data(), vr.data(), n, s);
      for (int threads : {1, 2}) {
        flashlm::set_thread_count(threads);
        std::vector<float> pk = p0, mk = m0, vk = v0;
        K::adamw_step(pk.data(), g.data(), mk.data(), vk.data(), n, s);
        const std::string sh =
            with_threads(shape_str({{"n", n}, {"step", h.step}}) + " beta1=" + std::to_string(h.b1), threads);
        expect_bits("adamw_step param", sh, pk.data(), pr.data(), n);
        expect_bits("adamw_step m", sh, mk.data(), mr.data(), n);
        expect_bits("adamw_step v", sh, vk.data(), vr.data(), n);
      }
    }
    const auto buf0 = uniform(n, n + 4, -0.5f, 0.5f);
    struct S { float scale, wd, mu, damp, lr; bool nesterov, first; };
    for (const S& h : {S{1, 0, 0, 0, 0.1f, false, false}, S{1, 1e-3f, 0.9f, 0, 0.05f, true, false},
                       S{0.5f, 1e-3f, 0.9f, 0.1f, 0.05f, false, false}, S{1, 0, 0.9f, 0, 0.1f, false, true}}) {
      const flashlm::SgdScalars s{h.scale, h.wd, h.mu, 1.0f - h.damp, -h.lr, h.nesterov, h.first};
      std::vector<float> pr = p0, br = buf0;
      flashlm::ref::sgd_step(pr.data(), g.data(), br.data(), n, s);
      for (int threads : {1, 2}) {
        flashlm::set_thread_count(threads);
        std::vector<float> pk = p0, bk = buf0;
        K::sgd_step(pk.data(), g.data(), bk.data(), n, s);
        const std::string sh = with_threads(shape_str({{"n", n}, {"nesterov", h.nesterov}, {"first", h.first}}) +
                                                " momentum=" + std::to_string(h.mu), threads);
        expect_bits("sgd_step param", sh, pk.data(), pr.data(), n);
        expect_bits("sgd_step buf", sh, bk.data(), br.data(), n);
      }
    }
    // Sum of squares: float64 in another order; 1e-12 relative, as the jest test allows vs float64 JS.
    const int64_t blk = std::min<int64_t>(n, flashlm::kSumsqBlock);
    const double ssr = flashlm::ref::grad_sumsq_block(g.data(), blk), ssk = K::grad_sumsq_block(g.data(), blk);
    const float err = static_cast<float>(std::fabs(ssk - ssr) / ssr), zero = 0;
    expect_close("grad_sumsq_block (relative error)", shape_str({{"n", blk}}), &err, &zero, 1, 1e-12, 0);
    std::vector<float> xr = g, xk = g;
    flashlm::ref::grad_scale_inplace(xr.data(), n, 0.37f);
    for (int threads : {1, 2}) {
      flashlm::set_thread_count(threads);
      xk = g;
      K::grad_scale_inplace(xk.data(), n, 0.37f);
      expect_bits("grad_scale_inplace", with_threads(shape_str({{"n", n}}), threads), xk.data(), xr.data(), n);
    }
  }
}

}  // namespace cross
