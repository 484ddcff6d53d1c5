// Native surface: causal multi-head attention and rotate-half RoPE (native/src/bind/attention.cc,
// kernels in native/src/kernels/attention/; spec S7). Shapes: B batch, T time, H heads, D head dim;
// q, k, v, o and their gradients are (B, T, H, D) — a linear layer's (B, T, C) output, C = H·D.
// Every function writes all elements of its outputs and throws TypeError/RangeError on bad arguments.

export interface AttentionNative {
  /**
   * Causal attention forward, FlashAttention-2 style (never materialises T×T):
   * o = softmax(q·kᵀ·scale, keys j > i masked)·v, and lse = per-row logsumexp of the scaled scores
   * (natural log), saved for the backward.
   * q, k, v, o: (B, T, H, D); lse: (B, H, T). Outputs must not overlap inputs.
   * @example native.attentionForward(q, k, v, o, lse, 2, 128, 4, 64, 1 / 8)
   */
  attentionForward(
    q: Float32Array, k: Float32Array, v: Float32Array, o: Float32Array, lse: Float32Array,
    B: number, T: number, H: number, D: number, scale: number,
  ): void;

  /**
   * Causal attention backward by recomputation from q, k, v, o, lse and dout = dL/do; overwrites
   * dq, dk, dv (all (B, T, H, D)). Deterministic: results do not depend on the thread count.
   * @example native.attentionBackward(q, k, v, o, lse, dout, dq, dk, dv, 2, 128, 4, 64, 1 / 8)
   */
  attentionBackward(
    q: Float32Array, k: Float32Array, v: Float32Array, o: Float32Array, lse: Float32Array, dout: Float32Array,
    dq: Float32Array, dk: Float32Array, dv: Float32Array,
    B: number, T: number, H: number, D: number, scale: number,
  ): void;

  /**
   * Decoding over a KV cache: writes kNew/vNew (B, t, H, D) into the caches at positions
   * start .. start+t−1, then o (B, t, H, D) = causal attention of q over positions ≤ its own. The caches
   * are per head: vCache (B, H, capacity, D); kCache (B, H, ⌈capacity/16⌉, D, 16), keys in tiles of 16
   * positions, transposed inside a tile (key j: tile ⌊j/16⌋, lane j mod 16). KVCache allocates both.
   * @example native.attentionDecode(q, k, v, kc, vc, o, 1, 1, 8, 32, 10, 256, 1 / Math.sqrt(32))
   */
  attentionDecode(
    q: Float32Array, kNew: Float32Array, vNew: Float32Array, kCache: Float32Array, vCache: Float32Array, o: Float32Array,
    B: number, t: number, H: number, D: number, start: number, capacity: number, scale: number,
  ): void;
  /**
   * The causal attention probabilities p (B, H, T, T), zeros above the diagonal: O(T²) memory, meant
   * for attention-map figures on small inputs. Scalar code at every ISA.
   * @example native.attentionProbs(q, k, p, 1, 16, 4, 64, 1 / 8)
   */
  attentionProbs(
    q: Float32Array, k: Float32Array, p: Float32Array, B: number, T: number, H: number, D: number, scale: number,
  ): void;

  /**
   * Fills the RoPE tables cos, sin (P, D/2) for positions 0..P-1: angle(p, i) = p·base^(−2i/D), computed
   * in double. D must be even.
   * @example native.ropeTable(cos, sin, 1024, 64, 10000)
   */
  ropeTable(cos: Float32Array, sin: Float32Array, P: number, D: number, base: number): void;

  /**
   * Rotate-half RoPE on (B, T, H, D) at positions pos0 + t (tables must cover pos0 + T rows):
   * y_i = x_i cos − x_{i+D/2} sin, y_{i+D/2} = x_{i+D/2} cos + x_i sin. y may be x itself (in place).
   * @example native.ropeForward(x, y, cos, sin, 2, 128, 4, 64, 0)
   */
  ropeForward(
    x: Float32Array, y: Float32Array, cos: Float32Array, sin: Float32Array,
    B: number, T: number, H: number, D: number, pos0: number,
  ): void;

  /**
   * RoPE backward: dx = Rᵀ·dy, the inverse rotation (same tables, same pos0). dx may be dy itself.
   * @example native.ropeBackward(dy, dx, cos, sin, 2, 128, 4, 64, 0)
   */
  ropeBackward(
    dy: Float32Array, dx: Float32Array, cos: Float32Array, sin: Float32Array,
    B: number, T: number, H: number, D: number, pos0: number,
  ): void;
}
