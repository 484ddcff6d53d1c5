// Ternary family, internal interface (no N-API): 2-bit packing of {-1,0,+1} weights, BL-B158 int8
// activation quantization (spec §9), int8 × ternary GEMM with int32 accumulators and a fused f32
// rescale, and the f32 paths (dequantize + f32 GEMM) for variants without activation quantization.
// bind/ternary.cc validates; driver.cc threads and dispatches; ref.cc is the scalar oracle;
// avx2.cc / avx512.cc / neon.cc hold the micro-kernels.
//
// Shapes: weights W are (N = out, K = in) like PyTorch, activations x (M, K), outputs (M, N).
//
// PACKED LAYOUT (ternary_packed_bytes(N, K) = ceil(N/32) · ceil(K/16) · 128 bytes).
// A weight w ∈ {-1,0,+1} is stored as the unsigned code c = w + 1 ∈ {0,1,2}, so the kernels can use
// u8(code) × s8(x) multiply-adds (VNNI vpdpbusd, AVX2 vpmaddubsw) and remove the offset afterwards:
// Σ_k w·x = Σ_k c·x − Σ_k x (the activation row sum). Columns are grouped in panels of 32 (the
// micro-kernel's NR), K in blocks of 16; panel p, block b is 128 contiguous bytes at
// (p·ceil(K/16) + b)·128, made of two 64-byte halves h = 0 (columns 0..15) and h = 1 (16..31).
// In a half, byte 4·j + t holds, at bits [2s, 2s+1], the code of column n = 32p + 16h + j and
// k = 16b + 4s + t (j < 16, s, t < 4). So one 64-byte load, shifted right by 2s and masked with 3
// in every byte, is exactly the vpdpbusd operand for k-group s: 16 lanes (columns) × 4 k each.
// Padding (n ≥ N or k ≥ K) holds code 1 (w = 0). Any K ≥ 1 is handled: the last partial K block is
// run from a zero-padded copy of the activations, so K a multiple of 16 runs at full speed and any
// other K pays only for one padded block per row.
//
// Accumulator bound: |Σ_k c·x| ≤ 2·128·K, so int32 is exact for K < 2^22; the binding enforces it.
#pragma once
#include <cstdint>

namespace flashlm {

constexpr int64_t kTernaryPanel = 32;       // columns per panel
constexpr int64_t kTernaryKBlock = 16;      // k per block
constexpr int64_t kTernaryBlockBytes = 128;  // 32 × 16 codes × 2 bits
constexpr int64_t kTernaryMaxK = INT64_C(1) << 22;

inline int64_t ternary_panels(int64_t n) { return (n + kTernaryPanel - 1) / kTernaryPanel; }
inline int64_t ternary_kblocks(int64_t k) { return (k + kTernaryKBlock - 1) / kTernaryKBlock; }
inline int64_t ternary_packed_bytes(int64_t n, int64_t k) {
  return ternary_panels(n) * ternary_kblocks(k) * kTernaryBlockBytes;
}
// Byte offset and bit shift of element (row n, column k) of the weight matrix in the packed buffer.
inline int64_t ternary_code_byte(int64_t k_total, int64_t n, int64_t k) {
  const int64_t p = n / 32, j = n % 32, b = k / 16, kk = k % 16;
  return (p * ternary_kblocks(k_total) + b) * 128 + (j / 16) * 64 + (j % 16) * 4 + (kk % 4);
}
inline int ternary_code_shift(int64_t k) { return static_cast<int>(2 * ((k % 16) / 4)); }

// ---- scalar reference (ref.cc), serial and plain: the oracle every SIMD kernel must match ----

// Returns the index of the first code outside {-1,0,1}, or -1 (then `out` is fully written).
int64_t ternary_pack_ref(const int8_t* codes, int64_t n, int64_t k, uint8_t* out);
void ternary_unpack_ref(const uint8_t* packed, int64_t n, int64_t k, int8_t* out);
// Rows [m0, m1): s_i = max(max_j |x_ij|, eps) / 127 (f32), q_ij = clamp(nearbyint(x_ij / s_i), -128, 127)
// with the default rounding mode (ties to even, as torch.round). The caller checked finiteness.
void quantize_activations_i8_rows(const float* x, int64_t m0, int64_t m1, int64_t k, float eps, int8_t* q,
                                  float* scale);
// out (M×N) = Σ_k x·w computed directly from the codes (no offset trick).
void i8_ternary_matmul_ref(const int8_t* x, int64_t m, const uint8_t* packed, int64_t n, int64_t k, int32_t* out);
// wscale has 1 or N entries (scale_per_row).
void ternary_dequantize_ref(const uint8_t* packed, int64_t n, int64_t k, const float* wscale, bool scale_per_row,
                            float mul, float* out);

// ---- the int8 × ternary GEMM as the micro-kernels see it ----
struct I8TernaryArgs {
  const int8_t* x;      // (M, K)
  int64_t m, k;
  const uint8_t* packed;  // layout above
  int64_t n;
  const int32_t* rowsum;  // (M): Σ_k x_ik, removes the +1 code offset
  int32_t* out_i32;       // exactly one of out_i32 / out_f32 is set
  float* out_f32;
  const float* xscale;    // (M), f32 output only
  const float* colscale;  // N entries (wScale_j·α) or 1 (colscale_per_n false), f32 output only
  bool colscale_per_n;
};
// The f32 store is float(acc) * (xscale_i * colscale_j), in that order in every ISA, so ISAs agree
// bit for bit on the rescaled output too.
inline float ternary_rescale(int32_t acc, float xscale, float colscale) {
  return static_cast<float>(acc) * (xscale * colscale);
}
// Rows [m0, m1) × panels [p0, p1) of the output.
void i8_ternary_block_ref(const I8TernaryArgs& a, int64_t m0, int64_t m1, int64_t p0, int64_t p1);

// f32 × ternary, ternary-aware (codes decoded to ±1 in registers, never to a float matrix):
//   forward:  out (M×N) = x (M×K)·W̃ᵀ, then ·wscale_j·mul at the store;
//   backward: out (M×K) = x (M×N)·(W̃·wscale·mul) with a per-tensor wscale (scale_per_row false:
//             the driver folds per-row scales into x first), folded into the decoded weights.
struct F32TernaryArgs {
  const float* x;
  int64_t m, k;
  const uint8_t* packed;
  int64_t n;
  const float* wscale;  // 1 or N entries
  bool scale_per_row;
  float mul;
  float* out;
};

struct TernaryKernels {
  void (*i8_block)(const I8TernaryArgs& a, int64_t m0, int64_t m1, int64_t p0, int64_t p1);
  int mr;  // rows per micro-tile: M blocks are cut at multiples of it
  // Optional (nullptr: the driver uses dequantize + sgemm). Forward: rows × 32-column panels;
  // backward: rows × 32-wide chunks of K.
  void (*f32_fwd_block)(const F32TernaryArgs& a, int64_t m0, int64_t m1, int64_t p0, int64_t p1);
  void (*f32_bwd_block)(const F32TernaryArgs& a, int64_t m0, int64_t m1, int64_t c0, int64_t c1);
  // Same contract as quantize_activations_i8_rows (exact: max, division and round-half-even are
  // correctly rounded in every ISA, so results equal the reference bit for bit).
  void (*quantize_rows)(const float* x, int64_t m0, int64_t m1, int64_t k, float eps, int8_t* q, float* scale);
};
namespace avx2 {
const TernaryKernels& ternary_kernels();
}
namespace avx512 {
const TernaryKernels& ternary_kernels();  // needs VNNI: the driver checks cpu_features().avx512_vnni
}
namespace neon {
const TernaryKernels& ternary_kernels();  // the SDOT kernel where HWCAP_ASIMDDP says so, else the baseline one
const TernaryKernels& ternary_kernels_dotprod();   // armv8.2-a dotprod (the caller checked the CPU has it)
const TernaryKernels& ternary_kernels_baseline();  // armv8-a: vmull_s8 + vpadalq_s16
}

// ---- driver.cc: threaded, dispatched on active_isa(); return false if interrupted ----
// Codes already checked to be in {-1,0,1}. The scalar ISA runs the reference.
void ternary_pack(const int8_t* codes, int64_t n, int64_t k, uint8_t* out);
void ternary_unpack(const uint8_t* packed, int64_t n, int64_t k, int8_t* out);
bool quantize_activations_i8(const float* x, int64_t m, int64_t k, float eps, int8_t* q, float* scale);
bool i8_ternary_gemm(const I8TernaryArgs& a);
// Several products of the same int8 rows (x, m, k, xscale equal in all; q/k/v or gate/up of a block) as
// one pool job over all their panels: each output is computed exactly as i8_ternary_gemm computes it.
bool i8_ternary_gemm_group(const I8TernaryArgs* args, int count);
bool ternary_dequantize(const uint8_t* packed, int64_t n, int64_t k, const float* wscale, bool scale_per_row,
                        float mul, float* out);
// f32 path choice: kF32Auto (by shape, see driver.cc), kF32Aware (the ternary-aware kernel; falls
// back to GEMM where the ISA has none), kF32Gemm (dequantize + f32 GEMM).
constexpr int kF32Auto = 0, kF32Aware = 1, kF32Gemm = 2;
// out (M×N) = x (M×K) · (W̃·s)ᵀ.
bool f32_ternary_linear(const float* x, int64_t m, const uint8_t* packed, int64_t n, int64_t k, const float* wscale,
                        bool scale_per_row, float* out, int method);
// out (M×K) = g (M×N) · (W̃·s·α).
bool ternary_linear_backward_input(const float* g, int64_t m, const uint8_t* packed, int64_t n, int64_t k,
                                   const float* wscale, bool scale_per_row, float alpha, float* out, int method);

}  // namespace flashlm
