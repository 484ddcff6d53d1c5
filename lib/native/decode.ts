// Native surface: the fused decode block (native/src/bind/decode.cc, kernels/decode/block.h): one
// BitNet b1.58 transformer block of the v7 family for decoding over a KV cache, in one call. It runs the
// same kernels as the separate ops (rmsNormForward, quantizeActivationsI8, i8TernaryLinear, ropeForward,
// attentionDecode, swigluForward, binary add), so its result equals theirs bit for bit.

export interface DecodeNative {
  /**
   * x (B·t, dim) += attn(rmsNorm(x)); x += mlp(rmsNorm(x)), in place, for positions start .. start+t−1,
   * appending the new keys and values to kCache / vCache (attentionDecode's layouts; KVCache allocates them). Projections in the order
   * q, k, v, o, gate, up, down: packed[i] as ternaryPack writes it, wScale[i] (1 or n values) and
   * alpha[i], all BL-B158 with int8 activations (absmax per row, ε actEps). cos / sin are the RoPE
   * tables (native.ropeTable) covering positions < start + t; scale multiplies q·k. Throws RangeError
   * for an activation that is not finite, as quantizeActivationsI8 does.
   * @example native.decodeBlock(x, an, mn, packed, wScale, alpha, kc, vc, cos, sin, 1, 1, 8, 768, pos, 256, 1e-6, 1e-5, 1 / Math.sqrt(32));
   */
  decodeBlock(
    x: Float32Array, attnNorm: Float32Array, mlpNorm: Float32Array, packed: Uint8Array[], wScale: Float32Array[], alpha: Float32Array,
    kCache: Float32Array, vCache: Float32Array, cos: Float32Array, sin: Float32Array,
    B: number, t: number, heads: number, hidden: number, start: number, capacity: number, normEps: number, actEps: number, scale: number,
  ): void;
}
