// v7 "ECLIPSE" (spec §9): a BitNet b1.58 transformer — tied embedding, pre-norm blocks of RMSNorm →
// BL-B158 Q/K/V/O with rotate-half RoPE and causal multi-head attention, RMSNorm → SwiGLU with BL-B158
// projections, a final RMSNorm and the tied head. No code of the original exists, so this file is built
// from the design text; what the text leaves open is marked "ours". Three registered configs: `v7` (the
// spec's), `v7-ts` (ours, ~33M with the LLaMA 32K vocabulary) and `bitnet-bench` (the benchmark model).
import { linear } from '../ops/matmul';
import { BitLinear } from '../nn/bitlinear';
import { CausalSelfAttention, KVCache } from '../nn/attention';
import { Embedding } from '../nn/embedding';
import { ModuleList, Module } from '../nn/module';
import { RMSNorm } from '../nn/rmsnorm';
import { SwiGLU, ProjectionFactory } from '../nn/swiglu';
import { add } from '../ops/elementwise';
import { Generator } from '../random';
import { noGrad } from '../tensor/autograd';
import { Tensor } from '../tensor/tensor';
import { ShapeError } from '../errors';
import { checkTokens } from './checks';
import { DecodeState, LanguageModel, ModelConfig } from './language_model';
import { registerModel } from './registry';
import { native } from '../native';
import type { HalfFormat } from '../native/gemm';
import { decodeBlockFused, decodeModelFused, decodeNextFused, Head16 } from './eclipse_decode';

export interface EclipseConfig extends ModelConfig {
  /** Model width d. */
  dim: number;
  /** Number of blocks. */
  layers: number;
  /** Attention heads (head dim = dim / heads, even). */
  heads: number;
  /** SwiGLU hidden width. */
  hidden: number;
  /** RMSNorm ε — ours: 1e-6 (the spec leaves it open; S2's value for the other versions). */
  normEps: number;
  /** RoPE base θ (spec: 10000). */
  ropeBase: number;
  /** Embedding init std — ours: 0.02 (GPT-2's; the spec gives none). BitLinear latents: U(±1/√in), nn.Linear's. */
  embedStd: number;
}

/** One pre-norm block: x += attn(norm(x)); x += mlp(norm(x)). */
export class EclipseBlock extends Module {
  readonly attn_norm: RMSNorm;
  readonly attn: CausalSelfAttention;
  readonly mlp_norm: RMSNorm;
  readonly mlp: SwiGLU;

  constructor(config: EclipseConfig, makeProjection: ProjectionFactory) {
    super();
    this.attn_norm = this.registerModule('attn_norm', new RMSNorm(config.dim, config.normEps));
    this.attn = this.registerModule('attn', new CausalSelfAttention(config.dim, config.heads, makeProjection, config.ropeBase));
    this.mlp_norm = this.registerModule('mlp_norm', new RMSNorm(config.dim, config.normEps));
    this.mlp = this.registerModule('mlp', new SwiGLU(config.dim, config.hidden, makeProjection));
  }

  /** x (B, T, d) -> (B, T, d) */
  forward(x: Tensor): Tensor {
    const h = add(x, this.attn.forward(this.attn_norm.forward(x)));
    return add(h, this.mlp.forward(this.mlp_norm.forward(h)));
  }

  /** The same for positions start … start+t−1 with the layer's KV cache. */
  decode(x: Tensor, cache: KVCache, start: number): Tensor {
    const h = add(x, this.attn.decode(this.attn_norm.forward(x), cache, start));
    return this.runForwardHooks([x], add(h, this.mlp.forward(this.mlp_norm.forward(h)))); // a step stands for forward(x)
  }
}

class EclipseDecodeState implements DecodeState {
  position = 0;
  constructor(
    readonly batch: number,
    readonly capacity: number,
    public caches: KVCache[] | null,
  ) {}
  dispose(): void {
    this.caches = null;
  }
}

/** The tied head's precision in single-token decode steps (EclipseModel.setDecodeHead). */
export type DecodeHeadPrecision = 'f16' | 'bf16' | 'f32';

export class EclipseModel extends LanguageModel<EclipseConfig> {
  readonly embed_tokens: Embedding;
  readonly layers: ModuleList<EclipseBlock>;
  readonly norm: RMSNorm;

  constructor(name: string, config: EclipseConfig, seed: number) {
    super(name, config);
    checkConfig(name, config);
    const generator = new Generator(seed);
    const makeProjection: ProjectionFactory = (inF, outF) => new BitLinear(inF, outF, { quantizer: 'BL-B158', generator });
    this.embed_tokens = this.registerModule('embed_tokens', new Embedding(config.vocabSize, config.dim, { std: config.embedStd, generator }));
    this.layers = this.registerModule('layers', new ModuleList<EclipseBlock>());
    for (let i = 0; i < config.layers; i++) this.layers.push(new EclipseBlock(config, makeProjection));
    this.norm = this.registerModule('norm', new RMSNorm(config.dim, config.normEps));
  }

  /** The tied head: logits = norm(h)·Eᵀ. */
  private head(h: Tensor): Tensor {
    return linear(this.norm.forward(h), this.embed_tokens.weight);
  }

  /** Which head decode() reads at single-token steps: 'f16' (the default), 'bf16' or 'f32' (see setDecodeHead). */
  get decodeHead(): DecodeHeadPrecision {
    return this.decodeHeadPrecision;
  }

  private decodeHeadPrecision: DecodeHeadPrecision = 'f16';
  private head16: { version: number; format: HalfFormat; data: Uint16Array | null } | null = null;

  /**
   * The precision of the tied head in single-token decode steps. The v7 design stores the embedding,
   * which is also the head, in FP16 and computes in FP16 over FP32 master weights (spec §9), so by
   * default decode() reads an IEEE half copy of it: half the bytes, and at batch 1 the head is a
   * memory-bound V×d product (98 MB a token for v7 in f32). Each weight then moves by ≤ 2⁻¹¹
   * relatively, so a logit by ≤ 2⁻¹¹·Σ|n_d·E_jd|. Training, forward(), evaluation and prefills
   * (several tokens a step) keep the f32 head; every sequence of a batch step reads the same copy, so a
   * batch decodes each sequence as it would alone.
   * - 'f32': the f32 weights: decode() then equals forward() up to float rounding.
   * - 'bf16': a bfloat16 copy (f32's range, ≤ 2⁻⁹ relatively).
   * The copy is rebuilt when the embedding changes. An embedding with a weight ≥ 65520 in magnitude
   * has no f16 copy: decode then reads the f32 head, and says so once.
   *
   * @example const m = flashlm.models.create('v7'); m.setDecodeHead('f32'); await flashlm.generate(m, tok, 'Once');
   */
  setDecodeHead(precision: DecodeHeadPrecision): void {
    if (precision !== 'f16' && precision !== 'bf16' && precision !== 'f32')
      throw new TypeError(`${this.name}.setDecodeHead: precision must be 'f16', 'bf16' or 'f32', got ${String(precision)}`);
    this.decodeHeadPrecision = precision;
    this.head16 = null;
  }

  /** The 16-bit copy of the head that setDecodeHead chose (rebuilt when E changed), or null for the f32 head. */
  private headHalf(): Head16 | null {
    const format = this.decodeHeadPrecision;
    if (format === 'f32') return null;
    const E = this.embed_tokens.weight;
    if (this.head16 === null || this.head16.version !== E.version || this.head16.format !== format) {
      const data = new Uint16Array(E.size);
      const overflowed = native.halfFromF32(E.f32(), data, format);
      if (overflowed > 0)
        console.warn(`${this.name}: ${overflowed} embedding weights exceed f16's range (|w| ≥ 65520), so decode reads the f32 head; setDecodeHead('bf16') keeps a 16-bit copy`);
      this.head16 = { version: E.version, format, data: overflowed > 0 ? null : data };
    }
    return this.head16.data === null ? null : { data: this.head16.data, format };
  }

  /** The decode head: norm(h)·Eᵀ, with the 16-bit copy of E at a single-token step. */
  private decodeHeadLogits(h: Tensor): Tensor {
    // A prefill reads the f32 head once through the blocked GEMM; the 16-bit kernel reads its copy once
    // per 4 rows, which pays for the few rows of a decode step.
    const half = this.headHalf();
    if (half === null || h.shape[1] !== 1) return this.head(h);
    const n = this.norm.forward(h);
    const [V, d] = this.embed_tokens.weight.shape;
    const out = Tensor.empty([...h.shape.slice(0, -1), V]);
    native.gemvHalf(n.f32(), n.size / d, half.data, V, d, out.f32(), half.format);
    return out;
  }

  forward(tokens: Tensor): Tensor {
    checkTokens(this, tokens, 'forward');
    let h = this.embed_tokens.forward(tokens);
    for (const block of this.layers) h = block.forward(h);
    return this.head(h);
  }

  createDecodeState(batch: number, capacity: number): DecodeState {
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`${this.name}.createDecodeState: batch must be a positive integer, got ${batch}`);
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`${this.name}.createDecodeState: capacity must be a positive integer, got ${capacity}`);
    const caches = [...this.layers].map(() => new KVCache(batch, capacity, this.config.dim));
    return new EclipseDecodeState(batch, capacity, caches);
  }

  decode(tokens: Tensor, state: DecodeState): Tensor {
    if (!(state instanceof EclipseDecodeState) || state.caches === null)
      throw new TypeError(`${this.name}.decode: state must be a live state from this model's createDecodeState()`);
    checkTokens(this, tokens, 'decode', state);
    const caches = state.caches;
    return noGrad(() => {
      const fused = decodeModelFused(this, tokens, caches, state.position, this.headHalf());
      if (fused !== null) {
        state.position += tokens.shape[1];
        return this.runForwardHooks([tokens], fused); // a step stands for forward(tokens)
      }
      let h = this.embed_tokens.forward(tokens); // a fresh tensor: the fused blocks update it in place
      const [B, t] = tokens.shape;
      let i = 0;
      for (const block of this.layers) {
        const cache = caches[i++];
        if (!decodeBlockFused(block, h.f32(), B, t, cache, state.position)) h = block.decode(h, cache, state.position);
      }
      state.position += tokens.shape[1];
      return this.runForwardHooks([tokens], this.decodeHeadLogits(h));
    });
  }

  /**
   * decode() for one token per sequence, written into out (batch × V): the whole fused step straight
   * into the caller's buffer, without the tensors (the generate loop's path). The same logits as decode().
   *
   * @example model.decodeNextInto(Int32Array.of(42), state, logits);
   */
  override decodeNextInto(tokens: Int32Array, state: DecodeState, out: Float32Array): void {
    const where = `${this.name}.decodeNextInto`;
    if (!(state instanceof EclipseDecodeState) || state.caches === null)
      throw new TypeError(`${where}: state must be a live state from this model's createDecodeState()`);
    if (!(tokens instanceof Int32Array) || tokens.length !== state.batch)
      throw new ShapeError(`${where}: tokens must be an Int32Array of the state's batch (${state.batch}) ids, got ${tokens instanceof Int32Array ? tokens.length : typeof tokens}`);
    const V = this.config.vocabSize;
    if (!(out instanceof Float32Array) || out.length < state.batch * V)
      throw new RangeError(`${where}: out must be a Float32Array of batch × vocabSize = ${state.batch * V} logits`);
    if (state.position + 1 > state.capacity) throw new RangeError(`${where}: the decode state is full (capacity ${state.capacity})`);
    for (let b = 0; b < tokens.length; b++)
      if (!(tokens[b] >= 0 && tokens[b] < V)) throw new RangeError(`${where}: tokens[${b}] = ${tokens[b]} is not a token id in [0, ${V})`);
    // A hook on the model itself runs through decode(), like the hooks the fused step checks for inside.
    if (!this.hasForwardHooks && decodeNextFused(this, tokens, state.caches, state.position, this.headHalf(), out)) state.position += 1;
    else super.decodeNextInto(tokens, state, out);
  }

  /**
   * What the module display tree (lib/viz displayables) shows at the top: ternary and per-token counts
   * and the shape of this config.
   *
   * @example flashlm.models.create('bitnet-bench').describe().note // 'd256 × 6 blocks, 8 heads, …'
   */
  describe(): { ternary: number; activePerToken: number; note: string } {
    const { ternary, activePerToken } = this.parameterCounts();
    const { dim, layers, heads, hidden, vocabSize, contextLength } = this.config;
    return { ternary, activePerToken, note: `d${dim} × ${layers} blocks, ${heads} heads, SwiGLU ${hidden}, V${vocabSize}, T${contextLength}, tied head` };
  }

  override attentionProbs(tokens: Tensor, layer: number): Tensor {
    checkTokens(this, tokens, 'attentionProbs');
    if (!Number.isInteger(layer) || layer < 0 || layer >= this.config.layers)
      throw new RangeError(`${this.name}.attentionProbs: layer must be an integer in [0, ${this.config.layers}), got ${layer}`);
    return noGrad(() => {
      let h = this.embed_tokens.forward(tokens);
      for (let i = 0; i < layer; i++) h = this.layers.at(i).forward(h);
      const block = this.layers.at(layer);
      return block.attn.probs(block.attn_norm.forward(h));
    });
  }
}

function checkConfig(name: string, c: EclipseConfig): void {
  for (const key of ['vocabSize', 'contextLength', 'dim', 'layers', 'heads', 'hidden'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new RangeError(`${name}: config.${key} must be a positive integer, got ${c[key]}`);
  }
  if (c.dim % c.heads !== 0 || (c.dim / c.heads) % 2 !== 0)
    throw new RangeError(`${name}: config.heads (${c.heads}) must divide dim (${c.dim}) into an even head dim`);
}

/** Parameters of a config as the spec counts them (no α scalars): V·d + L·(4d² + 3dh + 2d) + d. */
export function eclipseSpecParameters(c: Pick<EclipseConfig, 'vocabSize' | 'dim' | 'layers' | 'hidden'>): number {
  return c.vocabSize * c.dim + c.layers * (4 * c.dim * c.dim + 3 * c.dim * c.hidden + 2 * c.dim) + c.dim;
}

const COMMON = { normEps: 1e-6, ropeBase: 10000, embedStd: 0.02 };
const TEST = { vocabSize: 64, contextLength: 16, dim: 16, layers: 2, heads: 2, hidden: 32 };

/** Registers one config of the family under `name`. */
function registerEclipse(name: string, description: string, defaults: EclipseConfig, specParameters: number): void {
  registerModel<EclipseConfig>({
    name, description, defaults, specParameters, testOverrides: TEST,
    build: (n, config, seed) => new EclipseModel(n, config, seed),
  });
}

const V7: EclipseConfig = { vocabSize: 32000, contextLength: 1024, dim: 768, layers: 12, heads: 12, hidden: 2048, ...COMMON };
registerEclipse('v7', 'v7 "ECLIPSE": BitNet b1.58 transformer, 12 × d768, LLaMA 32K vocab (spec §9)', V7, 109_529_856);

// Ours: the spec names v7-TS "33M" without a config. d512 × 6 blocks, 8 heads of 64, SwiGLU 1152, T512
// with the 32K vocabulary gives 33,298,944 parameters (+ 42 α), about half of them the embedding.
const V7_TS: EclipseConfig = { vocabSize: 32000, contextLength: 512, dim: 512, layers: 6, heads: 8, hidden: 1152, ...COMMON };
registerEclipse('v7-ts', 'v7-TS: the ECLIPSE family at ~33M (our config: d512 × 6, SwiGLU 1152, T512), LLaMA 32K vocab', V7_TS, 33_298_944);

const BENCH: EclipseConfig = { vocabSize: 4096, contextLength: 256, dim: 256, layers: 6, heads: 8, hidden: 768, ...COMMON };
registerEclipse('bitnet-bench', 'bitnet-bench: the ECLIPSE family at V4096, d256 × 6, 8 heads, SwiGLU 768, T256 (the benchmark and default model)', BENCH, 6_163_712);
