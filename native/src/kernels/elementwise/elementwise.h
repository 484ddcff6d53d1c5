// Elementwise kernels: broadcast binary arithmetic (one strided row at a time), unary activations
// forward + backward, and fused SwiGLU. Declares the scalar reference (*_ref, the oracle, plain
// double-precision libm math) and the avx2:: / avx512:: / neon:: versions; bind/elementwise.cc walks shapes,
// threads and dispatches. Vector math (exp, log, erfc, tanh) and its accuracy: vec_math.inl.
#pragma once
#include <cstdint>

namespace flashlm {

enum class BinaryOp : int { add, sub, mul, div, maximum, minimum };

// y = f(x). `alpha`/`beta` are used only by affine (y = alpha*x + beta).
enum class UnaryOp : int { silu, gelu, sigmoid, tanh, relu, relu2, exp, log, neg, sqrt, rsqrt, square, affine };

// Which tensor a unary backward reads as `src`: the forward input x, its output y, or nothing.
enum class BackwardSrc : int { x, y, none };
BackwardSrc unary_backward_src(UnaryOp op);

// out[i] = a[i*sa] op b[i*sb] for i < n. Strides are in elements and may be 0 (broadcast); the
// SIMD versions vectorise when sa, sb are each 0 or 1 and fall back to scalar otherwise.
// maximum/minimum propagate NaN (as PyTorch).
void binary_row_ref(BinaryOp op, int64_t n, const float* a, int64_t sa, const float* b, int64_t sb, float* out);
// y[i] = f(x[i]); y may equal x.
void unary_forward_ref(UnaryOp op, int64_t n, const float* x, float* y, float alpha, float beta);
// gi[i] = g[i] * f'(x[i]), where src is x or y as unary_backward_src says (unused for `none`).
// gi may equal g.
void unary_backward_ref(UnaryOp op, int64_t n, const float* src, const float* g, float* gi, float alpha);
// out = silu(gate) * up (the SwiGLU FFN's hidden activation).
void swiglu_forward_ref(int64_t n, const float* gate, const float* up, float* out);
// dgate = g * up * silu'(gate), dup = g * silu(gate).
void swiglu_backward_ref(int64_t n, const float* gate, const float* up, const float* g, float* dgate, float* dup);

#define FLASHLM_ELEMENTWISE_DECLS                                                                            \
  void binary_row(BinaryOp op, int64_t n, const float* a, int64_t sa, const float* b, int64_t sb, float* out); \
  void unary_forward(UnaryOp op, int64_t n, const float* x, float* y, float alpha, float beta);               \
  void unary_backward(UnaryOp op, int64_t n, const float* src, const float* g, float* gi, float alpha);       \
  void swiglu_forward(int64_t n, const float* gate, const float* up, float* out);                             \
  void swiglu_backward(int64_t n, const float* gate, const float* up, const float* g, float* dgate, float* dup);

namespace avx2 { FLASHLM_ELEMENTWISE_DECLS }
namespace avx512 { FLASHLM_ELEMENTWISE_DECLS }
namespace neon { FLASHLM_ELEMENTWISE_DECLS }
#undef FLASHLM_ELEMENTWISE_DECLS

}  // namespace flashlm
