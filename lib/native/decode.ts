// Native surface: the fused decode of the v7 family (native/src/bind/decode.cc, decode_model.cc;
// kernels/decode/): one BitNet b1.58 transformer block over a KV cache in one call, and a whole model
// step (embedding, blocks, final norm, tied head) through a plan that binds the weights once. Both run
// the same kernels as the separate ops (rmsNormForward, quantizeActivationsI8, i8TernaryLinear,
// ropeForward, attentionDecode, swigluForward, binary add, gemm / gemvHalf), so their results equal
// theirs bit for bit.

import type { HalfFormat } from './gemm';

/** An opaque handle from decodePlan: it holds every array it was given until it is collected. */
export type DecodePlan = { readonly __decodePlan: unique symbol };

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

  /**
   * Binds a whole v7-family model for decodeStep, checking every array once: embed (vocab·dim, also the
   * tied head), head16 (its 16-bit copy in headFormat, used for single-token steps, or null), the final RMSNorm,
   * per block (L of them) its norms, caches (KVCache layouts) and, 7 per block in the order q, k, v, o,
   * gate, up, down, the packed weights, weight scales and alphas; cos / sin cover `capacity` positions.
   * @example const plan = native.decodePlan(E, null, 'f16', g, 1e-6, an, mn, packed, wScale, alpha, kcs, vcs, cos, sin, 1, 8, 768, 256, 1e-6, 1e-5, 1 / Math.sqrt(32));
   */
  decodePlan(
    embed: Float32Array, head16: Uint16Array | null, headFormat: HalfFormat, finalNorm: Float32Array, finalEps: number,
    attnNorms: Float32Array[], mlpNorms: Float32Array[], packed: Uint8Array[], wScale: Float32Array[], alpha: Float32Array,
    kCaches: Float32Array[], vCaches: Float32Array[], cos: Float32Array, sin: Float32Array,
    batch: number, heads: number, hidden: number, capacity: number, normEps: number, actEps: number, scale: number,
  ): DecodePlan;

  /**
   * One decode step of a planned model: logits (batch·t, vocab) for tokens (batch·t ids) at positions
   * start .. start+t−1, whose keys and values join the caches.
   * @example native.decodeStep(plan, Int32Array.of(42), 1, position, logits);
   */
  decodeStep(plan: DecodePlan, tokens: Int32Array, t: number, start: number, logits: Float32Array): void;
}
