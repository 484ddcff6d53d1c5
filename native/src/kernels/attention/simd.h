// Tiled causal attention (FlashAttention-2 on CPU) and RoPE, written once over a small SIMD vocabulary.
// Included by avx2.cc / avx512.cc *inside* namespace flashlm::<isa>, after they define Vec, W, vzero,
// vset1, vload, vstore, vadd, vsub, vmul, vfma(a, b, c) = a·b + c, vmax, vmin, vround, vpow2i,
// vselect_lt, vfill_below, vfill_from and the tile sizes kRowTile, kDimTile. No #includes here.
//
// Layout trick: the lanes of a vector always run over queries (forward) or keys (backward), never over
// the head dim D, so score tiles are plain outer-product accumulations (broadcast one q/k element,
// FMA a packed row), the online-softmax max/sum are vertical (no horizontal reductions), and any D
// works without tails. Only the packed copy (Qt in the forward, Kt/Vt in the backward) is transposed.

namespace {

constexpr int kQV = 4;                 // vectors per tile row
constexpr int64_t kLanes = kQV * W;    // forward: queries per task; backward: keys per block
constexpr int64_t kBc = 64;            // forward: keys per online-softmax step
constexpr int64_t kBq = 32;            // backward: query rows per sub-block

static inline int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Cephes expf: e^x = 2^n · e^r with n = round(x·log2 e), |r| <= ln2/2, degree-5 polynomial (~1 ulp).
// x < -87 (where 2^n leaves the normal range) gives exactly 0, which covers x = -inf (masked
// scores); NaN propagates because vmax/vmin return their second operand when either is NaN.
static inline Vec vexp(Vec x) {
  const Vec xc = vmin(vset1(88.0f), vmax(vset1(-87.0f), x));
  const Vec n = vround(vmul(xc, vset1(1.44269504088896341f)));
  Vec r = vfma(n, vset1(-0.693359375f), xc);
  r = vfma(n, vset1(2.12194440e-4f), r);
  Vec p = vset1(1.9875691500e-4f);
  p = vfma(p, r, vset1(1.3981999507e-3f));
  p = vfma(p, r, vset1(8.3334519073e-3f));
  p = vfma(p, r, vset1(4.1665795894e-2f));
  p = vfma(p, r, vset1(1.6666665459e-1f));
  p = vfma(p, r, vset1(5.0000001201e-1f));
  p = vfma(p, vmul(r, r), vadd(r, vset1(1.0f)));
  return vselect_lt(x, vset1(-87.0f), vzero(), vmul(p, vpow2i(n)));
}

// out[r, lanes] = Σ_d scal[r·ld_s + d] · mat[d·ld_m + lanes], NR rows × kLanes lanes.
template <int NR>
void rows_times_mat(float* out, int64_t ld_o, const float* scal, int64_t ld_s, const float* mat, int64_t ld_m,
                    int64_t D) {
  Vec acc[NR][kQV];
  for (int r = 0; r < NR; ++r)
    for (int u = 0; u < kQV; ++u) acc[r][u] = vzero();
  for (int64_t d = 0; d < D; ++d) {
    Vec m[kQV];
    for (int u = 0; u < kQV; ++u) m[u] = vload(mat + d * ld_m + u * W);
    for (int r = 0; r < NR; ++r) {
      const Vec s = vset1(scal[r * ld_s + d]);
      for (int u = 0; u < kQV; ++u) acc[r][u] = vfma(s, m[u], acc[r][u]);
    }
  }
  for (int r = 0; r < NR; ++r)
    for (int u = 0; u < kQV; ++u) vstore(out + r * ld_o + u * W, acc[r][u]);
}

static void rows_times_mat_all(float* out, int64_t ld_o, const float* scal, int64_t ld_s, const float* mat,
                               int64_t ld_m, int64_t D, int64_t nrows) {
  int64_t r = 0;
  for (; r + kRowTile <= nrows; r += kRowTile)
    rows_times_mat<kRowTile>(out + r * ld_o, ld_o, scal + r * ld_s, ld_s, mat, ld_m, D);
  for (; r < nrows; ++r) rows_times_mat<1>(out + r * ld_o, ld_o, scal + r * ld_s, ld_s, mat, ld_m, D);
}

// acc[t, lanes] = acc[t, lanes]·alpha + Σ_r scal[r·ld_s + t] · lm[r·ld_l + lanes] for ND rows t of acc
// (alpha = nullptr: no rescale). This is P·V in the forward and dOᵀ·P, Qᵀ·dS in the backward.
template <int ND>
void outer_accum(float* acc, int64_t ld_a, const Vec* alpha, const float* scal, int64_t ld_s, const float* lm,
                 int64_t ld_l, int64_t nrows) {
  Vec a[ND][kQV];
  for (int t = 0; t < ND; ++t)
    for (int u = 0; u < kQV; ++u) {
      a[t][u] = vload(acc + t * ld_a + u * W);
      if (alpha) a[t][u] = vmul(a[t][u], alpha[u]);
    }
  for (int64_t r = 0; r < nrows; ++r) {
    Vec p[kQV];
    for (int u = 0; u < kQV; ++u) p[u] = vload(lm + r * ld_l + u * W);
    for (int t = 0; t < ND; ++t) {
      const Vec s = vset1(scal[r * ld_s + t]);
      for (int u = 0; u < kQV; ++u) a[t][u] = vfma(s, p[u], a[t][u]);
    }
  }
  for (int t = 0; t < ND; ++t)
    for (int u = 0; u < kQV; ++u) vstore(acc + t * ld_a + u * W, a[t][u]);
}

static void outer_accum_all(float* acc, int64_t ld_a, const Vec* alpha, const float* scal, int64_t ld_s,
                            const float* lm, int64_t ld_l, int64_t nrows, int64_t D) {
  int64_t d = 0;
  for (; d + kDimTile <= D; d += kDimTile)
    outer_accum<kDimTile>(acc + d * ld_a, ld_a, alpha, scal + d, ld_s, lm, ld_l, nrows);
  for (; d < D; ++d) outer_accum<1>(acc + d * ld_a, ld_a, alpha, scal + d, ld_s, lm, ld_l, nrows);
}

// out[0:NV·W] += Σ_j coef[j] · mat[j·ld_m + 0:NV·W]  (lanes over the padded head dim; dQ += dS·K).
template <int NV>
void axpy_tile(float* out, const float* coef, int64_t n, const float* mat, int64_t ld_m) {
  Vec a[NV];
  for (int v = 0; v < NV; ++v) a[v] = vload(out + v * W);
  for (int64_t j = 0; j < n; ++j) {
    const Vec c = vset1(coef[j]);
    for (int v = 0; v < NV; ++v) a[v] = vfma(c, vload(mat + j * ld_m + v * W), a[v]);
  }
  for (int v = 0; v < NV; ++v) vstore(out + v * W, a[v]);
}

static void axpy_rows(float* out, const float* coef, int64_t n, const float* mat, int64_t Dp) {
  int64_t dd = 0;
  for (; dd + 4 * W <= Dp; dd += 4 * W) axpy_tile<4>(out + dd, coef, n, mat + dd, Dp);
  switch ((Dp - dd) / W) {
    case 3: axpy_tile<3>(out + dd, coef, n, mat + dd, Dp); break;
    case 2: axpy_tile<2>(out + dd, coef, n, mat + dd, Dp); break;
    case 1: axpy_tile<1>(out + dd, coef, n, mat + dd, Dp); break;
    default: break;
  }
}

}  // namespace

int64_t attn_fwd_block_rows() { return kLanes; }

size_t attn_fwd_scratch_floats(int64_t D) { return static_cast<size_t>((2 * D + kBc + 2) * kLanes); }

// One (b, h, query block): queries i0 .. i0+nr-1 ride the lanes; keys 0 .. i0+nr-1 stream through in
// steps of kBc with the online softmax (running max m and sum l per query lane, Ot rescaled by
// alpha = exp(m_old − m_new)). The T×T score matrix never exists.
void attn_fwd_task(const float* q, const float* k, const float* v, float* o, float* lse, int64_t T, int64_t H,
                   int64_t D, float scale, int64_t b, int64_t h, int64_t qblock, float* scratch) {
  const int64_t C = H * D, base = b * T * C + h * D;
  const float *qh = q + base, *kh = k + base, *vh = v + base;  // row t at + t·C
  const int64_t i0 = qblock * kLanes, nr = imin(kLanes, T - i0);
  float* Qt = scratch;            // (D, kLanes) scale·q, lanes = queries, zero past nr
  float* Ot = Qt + D * kLanes;    // (D, kLanes) unnormalised output
  float* St = Ot + D * kLanes;    // (kBc, kLanes) scores, then probabilities
  float* ms = St + kBc * kLanes;  // (kLanes) final running max
  float* ls = ms + kLanes;        // (kLanes) final running sum
  for (int64_t l = 0; l < kLanes; ++l)
    for (int64_t d = 0; d < D; ++d) Qt[d * kLanes + l] = l < nr ? qh[(i0 + l) * C + d] * scale : 0.f;
  for (int64_t x = 0; x < D * kLanes; ++x) Ot[x] = 0.f;

  Vec m[kQV], lsum[kQV];
  for (int u = 0; u < kQV; ++u) m[u] = vset1(-__builtin_inff()), lsum[u] = vzero();
  const int64_t kend = i0 + nr;
  for (int64_t j0 = 0; j0 < kend; j0 += kBc) {
    const int64_t nk = imin(kBc, kend - j0);
    rows_times_mat_all(St, kLanes, kh + j0 * C, C, Qt, kLanes, D, nk);
    // Causal mask: key j0+j is visible to query lane l only if i0 + l >= j0 + j.
    for (int64_t j = i0 + 1 > j0 ? i0 + 1 - j0 : 0; j < nk; ++j)
      for (int u = 0; u < kQV; ++u) {
        float* s = St + j * kLanes + u * W;
        vstore(s, vfill_below(vload(s), j0 + j - i0 - u * W, -__builtin_inff()));
      }
    Vec mn[kQV], alpha[kQV], rs[kQV];
    for (int u = 0; u < kQV; ++u) mn[u] = m[u], rs[u] = vzero();
    for (int64_t j = 0; j < nk; ++j)
      for (int u = 0; u < kQV; ++u) mn[u] = vmax(mn[u], vload(St + j * kLanes + u * W));
    // Block 0 holds key 0, visible to every lane, so mn is finite from here on and alpha(−inf) = 0.
    for (int u = 0; u < kQV; ++u) alpha[u] = vexp(vsub(m[u], mn[u])), m[u] = mn[u];
    for (int64_t j = 0; j < nk; ++j)
      for (int u = 0; u < kQV; ++u) {
        float* s = St + j * kLanes + u * W;
        const Vec p = vexp(vsub(vload(s), m[u]));
        vstore(s, p);
        rs[u] = vadd(rs[u], p);
      }
    for (int u = 0; u < kQV; ++u) lsum[u] = vfma(lsum[u], alpha[u], rs[u]);
    outer_accum_all(Ot, kLanes, alpha, vh + j0 * C, C, St, kLanes, nk, D);
  }
  for (int u = 0; u < kQV; ++u) vstore(ms + u * W, m[u]), vstore(ls + u * W, lsum[u]);
  float* L = lse + (b * H + h) * T;
  for (int64_t l = 0; l < nr; ++l) {
    const float inv = 1.f / ls[l];
    L[i0 + l] = ms[l] + logf(ls[l]);
    float* orow = o + base + (i0 + l) * C;
    for (int64_t d = 0; d < D; ++d) orow[d] = Ot[d * kLanes + l] * inv;
  }
}

size_t attn_bwd_scratch_floats(int64_t T, int64_t D) {
  const int64_t Tp = round_up(T, kLanes), Dp = round_up(D, W);
  return static_cast<size_t>(2 * D * Tp + 2 * Tp * Dp + Tp + 2 * kBq * kLanes + 2 * D * kLanes);
}

// One (b, h) head, FlashAttention-2 backward by recomputation. Keys ride the lanes in blocks of kLanes;
// for each key block, query sub-blocks of kBq rows from the diagonal down recompute S and dP, then
// P = exp(S − L), dS = P ⊙ (dP − Δ); dV/dK of the block accumulate in registers-sized tiles and dQ
// accumulates in a per-head buffer, so nothing is shared between tasks (race-free, thread-count
// independent). Scale is folded into the packed K: S = q·(scale·k), dQ = Σ dS·(scale·k), dK = scale·Σ dS·q.
void attn_bwd_head(const float* q, const float* k, const float* v, const float* o, const float* lse,
                   const float* dout, float* dq, float* dk, float* dv, int64_t T, int64_t H, int64_t D, float scale,
                   int64_t b, int64_t h, float* scratch) {
  const int64_t C = H * D, base = b * T * C + h * D;
  const float *qh = q + base, *kh = k + base, *vh = v + base, *oh = o + base, *gh = dout + base;
  const int64_t Tp = round_up(T, kLanes), Dp = round_up(D, W);
  float* Kt = scratch;              // (D, Tp) scale·k, lanes = keys
  float* Vt = Kt + D * Tp;          // (D, Tp) v
  float* Kp = Vt + D * Tp;          // (Tp, Dp) scale·k, lanes = head dims
  float* dQ = Kp + Tp * Dp;         // (Tp, Dp)
  float* delta = dQ + Tp * Dp;      // (Tp) Δ_i = dO_i·O_i
  float* Pb = delta + Tp;           // (kBq, kLanes) P
  float* dSb = Pb + kBq * kLanes;   // (kBq, kLanes) dP, then dS
  float* dKt = dSb + kBq * kLanes;  // (D, kLanes)
  float* dVt = dKt + D * kLanes;    // (D, kLanes)
  for (int64_t t = 0; t < Tp; ++t) {
    const bool in = t < T;
    float dl = 0.f;
    for (int64_t d = 0; d < D; ++d) {
      Kt[d * Tp + t] = in ? scale * kh[t * C + d] : 0.f;
      Vt[d * Tp + t] = in ? vh[t * C + d] : 0.f;
      if (in) dl += gh[t * C + d] * oh[t * C + d];
    }
    for (int64_t d = 0; d < Dp; ++d) {
      Kp[t * Dp + d] = in && d < D ? scale * kh[t * C + d] : 0.f;
      dQ[t * Dp + d] = 0.f;
    }
    delta[t] = dl;
  }
  const float* L = lse + (b * H + h) * T;
  for (int64_t j0 = 0; j0 < T; j0 += kLanes) {
    for (int64_t x = 0; x < 2 * D * kLanes; ++x) dKt[x] = 0.f;  // dKt and dVt are adjacent
    for (int64_t i0 = j0; i0 < T; i0 += kBq) {
      const int64_t nq = imin(kBq, T - i0);
      rows_times_mat_all(Pb, kLanes, qh + i0 * C, C, Kt + j0, Tp, D, nq);   // S
      rows_times_mat_all(dSb, kLanes, gh + i0 * C, C, Vt + j0, Tp, D, nq);  // dP
      for (int64_t r = 0; r < nq; ++r) {
        const int64_t i = i0 + r, nvalid = i - j0 + 1;  // keys j0 .. i are visible (padding keys j >= T > i too)
        const Vec Li = vset1(L[i]), di = vset1(delta[i]);
        for (int u = 0; u < kQV; ++u) {
          float *pp = Pb + r * kLanes + u * W, *ss = dSb + r * kLanes + u * W;
          const Vec p = vfill_from(vexp(vsub(vload(pp), Li)), nvalid - u * W, 0.f);
          vstore(pp, p);
          vstore(ss, vmul(p, vsub(vload(ss), di)));
        }
        axpy_rows(dQ + i * Dp, dSb + r * kLanes, imin(nvalid, kLanes), Kp + j0 * Dp, Dp);
      }
      outer_accum_all(dVt, kLanes, nullptr, gh + i0 * C, C, Pb, kLanes, nq, D);
      outer_accum_all(dKt, kLanes, nullptr, qh + i0 * C, C, dSb, kLanes, nq, D);
    }
    const int64_t nk = imin(kLanes, T - j0);
    for (int64_t jl = 0; jl < nk; ++jl)
      for (int64_t d = 0; d < D; ++d) {
        dk[base + (j0 + jl) * C + d] = scale * dKt[d * kLanes + jl];
        dv[base + (j0 + jl) * C + d] = dVt[d * kLanes + jl];
      }
  }
  for (int64_t i = 0; i < T; ++i)
    for (int64_t d = 0; d < D; ++d) dq[base + i * C + d] = dQ[i * Dp + d];
}

// Rows row0 .. row1-1 of the (B·T) rows of x; each row holds H heads of D. Lanes over i < D/2.
void rope_rows(const float* x, float* y, const float* cos_t, const float* sin_t, int64_t row0, int64_t row1,
               int64_t T, int64_t H, int64_t D, int64_t pos0, bool inverse) {
  const int64_t half = D / 2;
  const float sign = inverse ? -1.f : 1.f;
  const Vec vsign = vset1(sign);
  for (int64_t r = row0; r < row1; ++r) {
    const int64_t p = pos0 + r % T;
    const float *c = cos_t + p * half, *s = sin_t + p * half;
    for (int64_t hh = 0; hh < H; ++hh) {
      const float* xr = x + (r * H + hh) * D;
      float* yr = y + (r * H + hh) * D;
      int64_t i = 0;
      for (; i + W <= half; i += W) {
        const Vec x1 = vload(xr + i), x2 = vload(xr + half + i), cv = vload(c + i), sv = vmul(vload(s + i), vsign);
        vstore(yr + i, vsub(vmul(x1, cv), vmul(x2, sv)));
        vstore(yr + half + i, vfma(x1, sv, vmul(x2, cv)));
      }
      for (; i < half; ++i) {
        const float x1 = xr[i], x2 = xr[i + half], sn = sign * s[i];
        yr[i] = x1 * c[i] - x2 * sn;
        yr[i + half] = x2 * c[i] + x1 * sn;
      }
    }
  }
}

// ---- decoding: one query over a KV cache ----

size_t attn_decode_scratch_floats(int64_t keys, int64_t D) {
  return static_cast<size_t>(round_up(keys, 4 * W) + round_up(D, W) + W);
}

namespace {

// Lanes of v combined into one float by `op` (through memory: the vocabulary has no horizontal ops).
template <typename Op>
static inline float vreduce(Vec v, float* tmp, Op op) {
  vstore(tmp, v);
  float r = tmp[0];
  for (int l = 1; l < W; ++l) r = op(r, tmp[l]);
  return r;
}

// acc[0 : NV·W] = Σ_j p[j]·v[j·D + 0 : NV·W] for value rows of D floats; the last vector's lanes ≥ nlast
// read as 0 (no load past a row). Four key phases (j mod 4) keep 4·NV multiply-adds in flight.
template <int NV>
void decode_pv_tile(float* acc, const float* p, int64_t keys, const float* v, int64_t D, int64_t nlast) {
  Vec a0[NV], a1[NV], a2[NV], a3[NV];
  for (int u = 0; u < NV; ++u) a0[u] = a1[u] = a2[u] = a3[u] = vzero();
  const bool full = nlast == W;
  int64_t j = 0;
  for (; j + 4 <= keys; j += 4) {
    const Vec c0 = vset1(p[j]), c1 = vset1(p[j + 1]), c2 = vset1(p[j + 2]), c3 = vset1(p[j + 3]);
    const float* r = v + j * D;
    for (int u = 0; u < NV; ++u) {
      const int64_t off = u * W;
      if (full || u < NV - 1) {
        a0[u] = vfma(c0, vload(r + off), a0[u]);
        a1[u] = vfma(c1, vload(r + D + off), a1[u]);
        a2[u] = vfma(c2, vload(r + 2 * D + off), a2[u]);
        a3[u] = vfma(c3, vload(r + 3 * D + off), a3[u]);
      } else {
        a0[u] = vfma(c0, vload_first(r + off, nlast), a0[u]);
        a1[u] = vfma(c1, vload_first(r + D + off, nlast), a1[u]);
        a2[u] = vfma(c2, vload_first(r + 2 * D + off, nlast), a2[u]);
        a3[u] = vfma(c3, vload_first(r + 3 * D + off, nlast), a3[u]);
      }
    }
  }
  for (; j < keys; ++j) {
    const Vec c = vset1(p[j]);
    for (int u = 0; u < NV; ++u)
      a0[u] = vfma(c, full || u < NV - 1 ? vload(v + j * D + u * W) : vload_first(v + j * D + u * W, nlast), a0[u]);
  }
  for (int u = 0; u < NV; ++u) vstore(acc + u * W, vadd(vadd(a0[u], a1[u]), vadd(a2[u], a3[u])));
}

}  // namespace

// o (D) = softmax_j(q·k_j·scale) · v_j over keys j < `keys` of one head. kt: the head's keys in tiles of
// kDecodeKeyTile (attention.h: tile j/16 holds D rows of 16 keys), so W keys' scores are D broadcast
// multiply-adds over contiguous memory, with no horizontal sums; v: the head's value rows (keys × D).
// scratch: attn_decode_scratch_floats(keys, D) floats.
void attn_decode_head(const float* q, const float* kt, const float* v, float* o, int64_t keys, int64_t D,
                      float scale, float* scratch) {
  constexpr int64_t KT = kDecodeKeyTile;
  const int64_t kp = round_up(keys, W);
  float* s = scratch;
  float* acc = scratch + round_up(keys, 4 * W);
  float* tmp = acc + round_up(D, W);
  const Vec vscale = vset1(scale);
  Vec vmx = vset1(-__builtin_inff());
  // 4·W keys per step (four independent sums); the last step loads only the keys that exist.
  for (int64_t j = 0; j < keys; j += 4 * W) {
    Vec a[4] = {vzero(), vzero(), vzero(), vzero()};
    const float* base[4];
    for (int u = 0; u < 4; ++u) {
      const int64_t key = j + u * W;
      base[u] = kt + (key / KT) * D * KT + key % KT;
    }
    if (j + 4 * W <= keys) {
      for (int64_t d = 0; d < D; ++d) {
        const Vec qd = vset1(q[d]);
        for (int u = 0; u < 4; ++u) a[u] = vfma(qd, vload(base[u] + d * KT), a[u]);
      }
    } else {
      for (int64_t d = 0; d < D; ++d) {
        const Vec qd = vset1(q[d]);
        for (int u = 0; u < 4; ++u) a[u] = vfma(qd, vload_first(base[u] + d * KT, keys - j - u * W), a[u]);
      }
    }
    for (int u = 0; u < 4; ++u) {
      // Lanes past the last key become -inf: they drop out of the max and give exp = 0.
      a[u] = vfill_from(vmul(a[u], vscale), keys - j - u * W, -__builtin_inff());
      vstore(s + j + u * W, a[u]);
      vmx = vmax(a[u], vmx);
    }
  }
  const float mx = vreduce(vmx, tmp, [](float x, float y) { return x > y ? x : y; });
  const Vec vm = vset1(mx);
  Vec vsum = vzero();
  for (int64_t i = 0; i < kp; i += W) {
    const Vec e = vexp(vsub(vload(s + i), vm));
    vstore(s + i, e);
    vsum = vadd(vsum, e);
  }
  const float inv = 1.f / vreduce(vsum, tmp, [](float x, float y) { return x + y; });
  int64_t d = 0;
  for (; d + 4 * W <= D; d += 4 * W) decode_pv_tile<4>(acc + d, s, keys, v + d, D, W);
  const int64_t rest = D - d;
  if (rest > 0) {
    const int64_t nv = (rest + W - 1) / W, nlast = rest - (nv - 1) * W;
    if (nv == 1) decode_pv_tile<1>(acc + d, s, keys, v + d, D, nlast);
    else if (nv == 2) decode_pv_tile<2>(acc + d, s, keys, v + d, D, nlast);
    else decode_pv_tile<3>(acc + d, s, keys, v + d, D, nlast);
  }
  for (int64_t i = 0; i < D; ++i) o[i] = acc[i] * inv;
}
