// The reduce kernels over a Simd vocabulary (kernels/elementwise/simd_*.h), compiled per ISA by
// avx2.cc / avx512.cc. Sums widen each float to float64 before adding; the strided forms keep one
// float64 accumulator per column and add rows in order, so they match the scalar reference exactly.

double sum_contig(const float* x, int64_t n) {
  using S = Simd;
  typename S::D a0 = S::dzero(), a1 = S::dzero(), a2 = S::dzero(), a3 = S::dzero();
  int64_t i = 0;
  for (; i + 2 * S::W <= n; i += 2 * S::W) {
    typename S::V v0 = S::load(x + i), v1 = S::load(x + i + S::W);
    a0 = S::dadd(a0, S::dlo(v0)), a1 = S::dadd(a1, S::dhi(v0));
    a2 = S::dadd(a2, S::dlo(v1)), a3 = S::dadd(a3, S::dhi(v1));
  }
  double s = S::dsum(S::dadd(S::dadd(a0, a1), S::dadd(a2, a3)));
  for (; i < n; i++) s += x[i];
  return s;
}

// Σ a[i]·b[i] in float64: each product of two floats is exact in a double, so only the sums round.
double dot_contig(const float* a, const float* b, int64_t n) {
  using S = Simd;
  typename S::D a0 = S::dzero(), a1 = S::dzero(), a2 = S::dzero(), a3 = S::dzero();
  int64_t i = 0;
  for (; i + 2 * S::W <= n; i += 2 * S::W) {
    typename S::V x0 = S::load(a + i), x1 = S::load(a + i + S::W), y0 = S::load(b + i), y1 = S::load(b + i + S::W);
    a0 = S::dfma(S::dlo(x0), S::dlo(y0), a0), a1 = S::dfma(S::dhi(x0), S::dhi(y0), a1);
    a2 = S::dfma(S::dlo(x1), S::dlo(y1), a2), a3 = S::dfma(S::dhi(x1), S::dhi(y1), a3);
  }
  double s = S::dsum(S::dadd(S::dadd(a0, a1), S::dadd(a2, a3)));
  for (; i < n; i++) s += static_cast<double>(a[i]) * b[i];
  return s;
}

void sum_strided(int64_t n, int64_t inner, int64_t cols, const float* x, float* out, double scale) {
  using S = Simd;
  double acc[kReduceTile] = {};
  for (int64_t a = 0; a < n; a++) {
    const float* row = x + a * inner;
    int64_t j = 0;
    for (; j + S::W <= cols; j += S::W) {
      typename S::V v = S::load(row + j);
      S::dstore(acc + j, S::dadd(S::dload(acc + j), S::dlo(v)));
      S::dstore(acc + j + S::WD, S::dadd(S::dload(acc + j + S::WD), S::dhi(v)));
    }
    for (; j < cols; j++) acc[j] += row[j];
  }
  for (int64_t j = 0; j < cols; j++) out[j] = static_cast<float>(acc[j] * scale);
}

// Two passes: a vector max that skips NaN (x86 max returns its second operand on NaN) while noting
// whether any NaN was seen, then a search for the first index holding the answer.
void max_contig(const float* x, int64_t n, float* out, int32_t* idx) {
  using S = Simd;
  typename S::V best = S::set1(x[0]);
  typename S::M nan = S::lt(best, best);  // all false
  int64_t i = 0;
  for (; i + S::W <= n; i += S::W) {
    typename S::V v = S::load(x + i);
    nan = S::mor(nan, S::isnan(v));
    best = S::max(v, best);
  }
  float lanes[S::W];
  S::store(lanes, best);
  float m = lanes[0];
  for (int k = 1; k < S::W; k++) m = lanes[k] > m ? lanes[k] : m;
  bool any_nan = S::any(nan) || m != m;
  for (int64_t k = i; k < n; k++) {
    any_nan = any_nan || x[k] != x[k];
    m = x[k] > m ? x[k] : m;
  }
  int64_t found = 0;
  if (any_nan) {
    while (x[found] == x[found]) found++;
  } else {
    const typename S::V vm = S::set1(m);
    int64_t k = 0;
    for (; k + S::W <= n; k += S::W) {
      uint32_t hit = S::bits(S::eq(S::load(x + k), vm));
      if (hit) break;
    }
    while (x[k] != m) k++;  // m occurs in x, so this stops at its first occurrence
    found = k;
  }
  *out = x[found];
  *idx = static_cast<int32_t>(found);
}

void max_strided(int64_t n, int64_t inner, int64_t cols, const float* x, float* out, int32_t* idx) {
  using S = Simd;
  int64_t j = 0;
  for (; j + S::W <= cols; j += S::W) {
    typename S::V best = S::load(x + j);
    typename S::I bi = S::iset1(0);
    for (int64_t a = 1; a < n; a++) {
      typename S::V v = S::load(x + a * inner + j);
      // Replace when greater, or when v is the first NaN in this column (ties keep the first index).
      typename S::M take = S::mor(S::gt(v, best), S::mandnot(S::isnan(best), S::isnan(v)));
      best = S::select(take, v, best);
      bi = S::iselect(take, S::iset1(static_cast<int32_t>(a)), bi);
    }
    S::store(out + j, best);
    S::istore(idx + j, bi);
  }
  for (; j < cols; j++) {
    float b = x[j];
    int32_t k = 0;
    for (int64_t a = 1; a < n; a++) {
      const float v = x[a * inner + j];
      if (v > b || (v != v && b == b)) b = v, k = static_cast<int32_t>(a);
    }
    out[j] = b, idx[j] = k;
  }
}
