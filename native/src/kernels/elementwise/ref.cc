// Scalar reference for the elementwise family: the oracle the SIMD kernels are tested against. Math
// is done in double with libm and rounded once to float, so it is as accurate as float output allows.
// Limits are handled explicitly where x*f(x) would be inf*0: silu(-inf) = gelu(-inf) = -0.
#include <cmath>
#include <limits>

#include "kernels/elementwise/elementwise.h"

namespace flashlm {

namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

template <BinaryOp op>
inline float binary_one(float a, float b) {
  switch (op) {
    case BinaryOp::add: return a + b;
    case BinaryOp::sub: return a - b;
    case BinaryOp::mul: return a * b;
    case BinaryOp::div: return a / b;
    case BinaryOp::maximum: return a != a ? a : (b != b ? b : (a > b ? a : b));
    case BinaryOp::minimum: return a != a ? a : (b != b ? b : (a < b ? a : b));
  }
  return 0.0f;
}

template <BinaryOp op>
void binary_loop(int64_t n, const float* a, int64_t sa, const float* b, int64_t sb, float* out) {
  for (int64_t i = 0; i < n; i++) out[i] = binary_one<op>(a[i * sa], b[i * sb]);
}

// sigmoid without overflow: for x < 0 use e^x / (1 + e^x), so sigmoid(-100) is the denormal it is.
inline double sigmoid_d(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

inline double silu_d(double x) {
  const double s = sigmoid_d(x);
  return s == 0.0 ? -0.0 : x * s;
}

// Phi(x), the standard normal CDF, via erfc so the left tail keeps its relative accuracy.
inline double normal_cdf_d(double x) { return 0.5 * std::erfc(-x * kInvSqrt2); }

inline double gelu_d(double x) {
  const double cdf = normal_cdf_d(x);
  return cdf == 0.0 ? -0.0 : x * cdf;
}

inline double gelu_grad_d(double x) {
  const double pdf = kInvSqrt2Pi * std::exp(-0.5 * x * x);
  return pdf == 0.0 ? normal_cdf_d(x) : normal_cdf_d(x) + x * pdf;
}

inline double silu_grad_d(double x) {
  const double s = sigmoid_d(x), c = sigmoid_d(-x);  // c = 1 - s without cancellation
  return s == 0.0 ? 0.0 : s * (1.0 + (c == 0.0 ? 0.0 : x * c));
}

inline float relu_f(float x) { return x != x ? x : (x > 0.0f ? x : 0.0f); }

}  // namespace

BackwardSrc unary_backward_src(UnaryOp op) {
  switch (op) {
    case UnaryOp::sigmoid: case UnaryOp::tanh: case UnaryOp::exp: case UnaryOp::sqrt: case UnaryOp::rsqrt:
      return BackwardSrc::y;
    case UnaryOp::neg: case UnaryOp::affine:
      return BackwardSrc::none;
    default:
      return BackwardSrc::x;
  }
}

void binary_row_ref(BinaryOp op, int64_t n, const float* a, int64_t sa, const float* b, int64_t sb, float* out) {
  switch (op) {
    case BinaryOp::add: return binary_loop<BinaryOp::add>(n, a, sa, b, sb, out);
    case BinaryOp::sub: return binary_loop<BinaryOp::sub>(n, a, sa, b, sb, out);
    case BinaryOp::mul: return binary_loop<BinaryOp::mul>(n, a, sa, b, sb, out);
    case BinaryOp::div: return binary_loop<BinaryOp::div>(n, a, sa, b, sb, out);
    case BinaryOp::maximum: return binary_loop<BinaryOp::maximum>(n, a, sa, b, sb, out);
    case BinaryOp::minimum: return binary_loop<BinaryOp::minimum>(n, a, sa, b, sb, out);
  }
}

void unary_forward_ref(UnaryOp op, int64_t n, const float* x, float* y, float alpha, float beta) {
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    const double d = v;
    float r = 0.0f;
    switch (op) {
      case UnaryOp::silu: r = static_cast<float>(silu_d(d)); break;
      case UnaryOp::gelu: r = static_cast<float>(gelu_d(d)); break;
      case UnaryOp::sigmoid: r = static_cast<float>(sigmoid_d(d)); break;
      case UnaryOp::tanh: r = static_cast<float>(std::tanh(d)); break;
      case UnaryOp::relu: r = relu_f(v); break;
      case UnaryOp::relu2: { const float p = relu_f(v); r = p * p; break; }
      case UnaryOp::exp: r = static_cast<float>(std::exp(d)); break;
      case UnaryOp::log: r = static_cast<float>(std::log(d)); break;
      case UnaryOp::neg: r = -v; break;
      case UnaryOp::sqrt: r = std::sqrt(v); break;
      case UnaryOp::rsqrt: r = static_cast<float>(1.0 / std::sqrt(d)); break;
      case UnaryOp::square: r = v * v; break;
      case UnaryOp::affine: r = alpha * v + beta; break;
    }
    y[i] = r;
  }
}

void unary_backward_ref(UnaryOp op, int64_t n, const float* src, const float* g, float* gi, float alpha) {
  for (int64_t i = 0; i < n; i++) {
    const float gv = g[i];
    const float s = (op == UnaryOp::neg || op == UnaryOp::affine) ? 0.0f : src[i];
    float r = 0.0f;
    switch (op) {
      case UnaryOp::silu: r = static_cast<float>(gv * silu_grad_d(s)); break;
      case UnaryOp::gelu: r = static_cast<float>(gv * gelu_grad_d(s)); break;
      case UnaryOp::sigmoid: r = gv * (s * (1.0f - s)); break;           // s = y
      case UnaryOp::tanh: r = gv * (1.0f - s * s); break;                // s = y
      case UnaryOp::relu: r = s > 0.0f ? gv : 0.0f; break;
      case UnaryOp::relu2: r = gv * (2.0f * relu_f(s)); break;
      case UnaryOp::exp: r = gv * s; break;                              // s = y
      case UnaryOp::log: r = gv / s; break;
      case UnaryOp::neg: r = -gv; break;
      case UnaryOp::sqrt: r = gv * (0.5f / s); break;                    // s = y
      case UnaryOp::rsqrt: r = gv * (-0.5f * s * s * s); break;          // s = y
      case UnaryOp::square: r = gv * (2.0f * s); break;
      case UnaryOp::affine: r = gv * alpha; break;
    }
    gi[i] = r;
  }
}

void swiglu_forward_ref(int64_t n, const float* gate, const float* up, float* out) {
  for (int64_t i = 0; i < n; i++) out[i] = static_cast<float>(silu_d(gate[i]) * static_cast<double>(up[i]));
}

void swiglu_backward_ref(int64_t n, const float* gate, const float* up, const float* g, float* dgate, float* dup) {
  for (int64_t i = 0; i < n; i++) {
    const double gv = g[i], u = up[i], x = gate[i];
    const float dg = static_cast<float>(gv * u * silu_grad_d(x));
    const float du = static_cast<float>(gv * silu_d(x));
    dgate[i] = dg;
    dup[i] = du;
  }
}

}  // namespace flashlm
