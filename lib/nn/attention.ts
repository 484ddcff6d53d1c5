// Causal multi-head self-attention with rotate-half RoPE (spec S7, §9): q/k/v/o projections from a
// factory (BitLinear BL-B158 in the v7 family), the tiled native attention for training, and a KV cache
// for decoding that continues RoPE positions from the cache length.
import { attentionProbs, causalAttention, rope } from '../ops/attention';
import { noGrad } from '../tensor/autograd';
import { Tensor } from '../tensor/tensor';
import { Module } from './module';
import { Projection, ProjectionFactory } from './swiglu';
import { native } from '../native';

/** Keys and values of every position decoded so far (C = heads · headDim), in native.attentionDecode's per-head layouts. */
export class KVCache {
  /** Keys per head in tiles of 16 positions, transposed inside a tile: (batch, heads, ⌈capacity/16⌉, headDim, 16). */
  readonly k: Float32Array;
  /** Values per head: (batch, heads, capacity, headDim). */
  readonly v: Float32Array;
  constructor(
    readonly batch: number,
    readonly capacity: number,
    readonly channels: number,
  ) {
    const n = batch * Math.ceil(capacity / 16) * 16 * channels;
    if (!Number.isSafeInteger(n) || n > 2 ** 31) throw new RangeError(`KVCache: batch·capacity·channels (${n}) is too large`);
    this.k = new Float32Array(n);
    this.v = new Float32Array(batch * capacity * channels);
  }
}

export class CausalSelfAttention extends Module {
  readonly q_proj: Projection;
  readonly k_proj: Projection;
  readonly v_proj: Projection;
  readonly o_proj: Projection;
  readonly headDim: number;

  constructor(
    readonly dim: number,
    readonly heads: number,
    makeProjection: ProjectionFactory,
    readonly ropeBase = 10000,
  ) {
    super();
    if (!Number.isInteger(heads) || heads < 1 || dim % heads !== 0)
      throw new RangeError(`CausalSelfAttention: heads must be a positive integer dividing dim (${dim}), got ${heads}`);
    this.headDim = dim / heads;
    if (this.headDim % 2 !== 0) throw new RangeError(`CausalSelfAttention: the head dim (${this.headDim}) must be even for rotate-half RoPE`);
    this.q_proj = this.registerModule('q_proj', makeProjection(dim, dim, 'q_proj'));
    this.k_proj = this.registerModule('k_proj', makeProjection(dim, dim, 'k_proj'));
    this.v_proj = this.registerModule('v_proj', makeProjection(dim, dim, 'v_proj'));
    this.o_proj = this.registerModule('o_proj', makeProjection(dim, dim, 'o_proj'));
  }

  private qk(x: Tensor, start: number): [Tensor, Tensor] {
    const opts = { heads: this.heads, base: this.ropeBase, start };
    return [rope(this.q_proj.forward(x), opts), rope(this.k_proj.forward(x), opts)];
  }

  /** x (B, T, dim) -> (B, T, dim), positions 0 … T−1. */
  forward(x: Tensor): Tensor {
    const [q, k] = this.qk(x, 0);
    const o = causalAttention(q, k, this.v_proj.forward(x), { heads: this.heads });
    return this.o_proj.forward(o);
  }

  /** Attention probabilities (B, heads, T, T) for x (B, T, dim); for figures. */
  probs(x: Tensor): Tensor {
    return noGrad(() => {
      const [q, k] = this.qk(x, 0);
      return attentionProbs(q, k, { heads: this.heads });
    });
  }

  /**
   * x (B, t, dim) at positions start … start+t−1: appends its keys and values to `cache` and attends
   * over every cached position up to each query's own. No gradients.
   */
  decode(x: Tensor, cache: KVCache, start: number): Tensor {
    return noGrad(() => {
      const [B, t] = x.shape;
      const [q, k] = this.qk(x, start);
      const v = this.v_proj.forward(x);
      const o = Tensor.empty([B, t, this.dim]);
      native.attentionDecode(q.f32(), k.f32(), v.f32(), cache.k, cache.v, o.f32(), B, t, this.heads, this.headDim, start, cache.capacity,
        1 / Math.sqrt(this.headDim));
      q.dispose(); k.dispose(); v.dispose();
      return this.runForwardHooks([x], this.o_proj.forward(o)); // a step stands for forward(x)
    });
  }
}
