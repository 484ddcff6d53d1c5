// v4 "Bolt" (spec §3): no attention and no positions. Pre-norm blocks of a gated causal-conv mixer
// ([g, v] = Up x, first half the gate; Down(conv_k(v) ⊙ σ(g))) and a SwiGLU, every projection BL-T
// (per-tensor absmean, s = mean|W| + 1e-8), a final RMSNorm and the head tied to the embedding.
// Registered as `v4-bolt` (the small config, 4,364,736 parameters) and `v4-bolt-large` (16,847,232).
import { linear } from '../ops/matmul';
import { mul, sigmoid, add } from '../ops/elementwise';
import { split } from '../ops/movement';
import { BitLinear, InitSource } from '../nn/bitlinear';
import { CausalDepthwiseConv } from '../nn/causal_conv';
import { Embedding } from '../nn/embedding';
import { Module, ModuleList } from '../nn/module';
import { RMSNorm } from '../nn/rmsnorm';
import { SwiGLU, ProjectionFactory } from '../nn/swiglu';
import { Generator } from '../random';
import { noGrad } from '../tensor/autograd';
import { Tensor } from '../tensor/tensor';
import { checkTokens } from './checks';
import { DecodeState, LanguageModel, ModelConfig } from './language_model';
import { registerModel } from './registry';

export interface BoltConfig extends ModelConfig {
  /** Model width d. */
  dim: number;
  /** Number of BoltBlocks. */
  layers: number;
  /** SwiGLU hidden width h. */
  hidden: number;
  /** Causal depthwise conv width k (spec: 8). */
  kernelSize: number;
  /** RMSNorm ε (spec S2: 1e-6). */
  normEps: number;
  /** Embedding init std (spec: 0.02). */
  embedStd: number;
}

/** Gated causal-conv mixer (GatedConvMixer): Down(conv_k(v) ⊙ σ(g)) with [g, v] = Up(x). */
export class GatedConvMixer extends Module {
  readonly up_proj: BitLinear;
  readonly conv: CausalDepthwiseConv;
  readonly down_proj: BitLinear;

  constructor(dim: number, kernelSize: number, makeProjection: ProjectionFactory, generator: InitSource) {
    super();
    this.up_proj = this.registerModule('up_proj', makeProjection(dim, 2 * dim, 'up_proj') as BitLinear);
    this.conv = this.registerModule('conv', new CausalDepthwiseConv(dim, kernelSize, { generator }));
    this.down_proj = this.registerModule('down_proj', makeProjection(dim, dim, 'down_proj') as BitLinear);
  }

  /** (B, T, d) -> (B, T, d) */
  forward(x: Tensor): Tensor {
    const [g, v] = split(this.up_proj.forward(x), 2, -1); // the first half is the gate (spec §3)
    return this.down_proj.forward(mul(this.conv.forward(v), sigmoid(g)));
  }

  /** The same for t new steps, with the conv's carried inputs `state` (updated in place). */
  step(x: Tensor, state: Tensor): Tensor {
    const [g, v] = split(this.up_proj.forward(x), 2, -1);
    return this.runForwardHooks([x], this.down_proj.forward(mul(this.conv.step(v, state), sigmoid(g)))); // stands for forward(x)
  }
}

/** x += Mixer(RMSNorm x); x += SwiGLU(RMSNorm x). */
export class BoltBlock extends Module {
  readonly mixer_norm: RMSNorm;
  readonly mixer: GatedConvMixer;
  readonly mlp_norm: RMSNorm;
  readonly mlp: SwiGLU;

  constructor(config: BoltConfig, makeProjection: ProjectionFactory, generator: InitSource) {
    super();
    this.mixer_norm = this.registerModule('mixer_norm', new RMSNorm(config.dim, config.normEps));
    this.mixer = this.registerModule('mixer', new GatedConvMixer(config.dim, config.kernelSize, makeProjection, generator));
    this.mlp_norm = this.registerModule('mlp_norm', new RMSNorm(config.dim, config.normEps));
    this.mlp = this.registerModule('mlp', new SwiGLU(config.dim, config.hidden, makeProjection));
  }

  forward(x: Tensor): Tensor {
    const h = add(x, this.mixer.forward(this.mixer_norm.forward(x)));
    return add(h, this.mlp.forward(this.mlp_norm.forward(h)));
  }

  step(x: Tensor, state: Tensor): Tensor {
    const h = add(x, this.mixer.step(this.mixer_norm.forward(x), state));
    return this.runForwardHooks([x], add(h, this.mlp.forward(this.mlp_norm.forward(h)))); // stands for forward(x)
  }
}

/** Per-sequence conv inputs of every block; no KV cache, so the cost per token does not grow. */
class BoltDecodeState implements DecodeState {
  position = 0;
  constructor(
    readonly batch: number,
    readonly capacity: number,
    public convStates: Tensor[] | null,
  ) {}
  dispose(): void {
    for (const s of this.convStates ?? []) s.dispose();
    this.convStates = null;
  }
}

export class BoltModel extends LanguageModel<BoltConfig> {
  readonly embed_tokens: Embedding;
  readonly layers: ModuleList<BoltBlock>;
  readonly norm: RMSNorm;

  constructor(name: string, config: BoltConfig, seed: number) {
    super(name, config);
    checkConfig(name, config);
    const generator = new Generator(seed);
    // S1: BL-T with v4's ε (mean|W| + 1e-8, the quantizer's default); init kaiming fan_out, std sqrt(2/out).
    const makeProjection: ProjectionFactory = (inF, outF) => new BitLinear(inF, outF, { quantizer: 'BL-T', init: 'kaiming-fan-out', generator });
    this.embed_tokens = this.registerModule('embed_tokens', new Embedding(config.vocabSize, config.dim, { std: config.embedStd, generator }));
    this.layers = this.registerModule('layers', new ModuleList<BoltBlock>());
    for (let i = 0; i < config.layers; i++) this.layers.push(new BoltBlock(config, makeProjection, generator));
    this.norm = this.registerModule('norm', new RMSNorm(config.dim, config.normEps));
  }

  /** The tied head: logits = norm(h)·Eᵀ. */
  private head(h: Tensor): Tensor {
    return linear(this.norm.forward(h), this.embed_tokens.weight);
  }

  forward(tokens: Tensor): Tensor {
    checkTokens(this, tokens, 'forward');
    let h = this.embed_tokens.forward(tokens);
    for (const block of this.layers) h = block.forward(h);
    return this.head(h);
  }

  /**
   * Bolt has no positions and carries only k − 1 inputs per block, so a state can run past the
   * training context: `capacity` may be Infinity.
   */
  createDecodeState(batch: number, capacity: number = Infinity): DecodeState {
    if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`${this.name}.createDecodeState: batch must be a positive integer, got ${batch}`);
    if (!(capacity >= 1)) throw new RangeError(`${this.name}.createDecodeState: capacity must be >= 1 (or Infinity), got ${capacity}`);
    const states = [...this.layers].map((block) => block.mixer.conv.initialState(batch));
    return new BoltDecodeState(batch, capacity, states);
  }

  decode(tokens: Tensor, state: DecodeState): Tensor {
    if (!(state instanceof BoltDecodeState) || state.convStates === null)
      throw new TypeError(`${this.name}.decode: state must be a live state from this model's createDecodeState()`);
    checkTokens(this, tokens, 'decode', state);
    const convStates = state.convStates;
    return noGrad(() => {
      let h = this.embed_tokens.forward(tokens);
      let i = 0;
      for (const block of this.layers) h = block.step(h, convStates[i++]);
      state.position += tokens.shape[1];
      return this.runForwardHooks([tokens], this.head(h)); // a step stands for forward(tokens)
    });
  }

  /**
   * What the module display tree shows at the top.
   *
   * @example flashlm.models.create('v4-bolt').describe().note // 'd192 × 6 blocks, conv k8, SwiGLU 512, …'
   */
  describe(): { ternary: number; activePerToken: number; note: string } {
    const { ternary, activePerToken } = this.parameterCounts();
    const { dim, layers, hidden, kernelSize, vocabSize, contextLength } = this.config;
    return { ternary, activePerToken, note: `d${dim} × ${layers} blocks, gated conv k${kernelSize}, SwiGLU ${hidden}, V${vocabSize}, T${contextLength}, tied head, BL-T` };
  }
}

function checkConfig(name: string, c: BoltConfig): void {
  for (const key of ['vocabSize', 'contextLength', 'dim', 'layers', 'hidden', 'kernelSize'] as const) {
    if (!Number.isInteger(c[key]) || c[key] < 1) throw new RangeError(`${name}: config.${key} must be a positive integer, got ${c[key]}`);
  }
}

/** Parameters of a config as the spec counts them (§3): V·d + L·(2d + 3d² + d·k + 3·d·h) + d. */
export function boltSpecParameters(c: Pick<BoltConfig, 'vocabSize' | 'dim' | 'layers' | 'hidden' | 'kernelSize'>): number {
  const { vocabSize: V, dim: d, layers: L, hidden: h, kernelSize: k } = c;
  return V * d + L * (2 * d + 3 * d * d + d * k + 3 * d * h) + d;
}

const COMMON = { vocabSize: 10000, kernelSize: 8, normEps: 1e-6, embedStd: 0.02 };
const TEST = { vocabSize: 64, contextLength: 16, dim: 16, layers: 2, hidden: 32, kernelSize: 4 };

function registerBolt(name: string, description: string, defaults: BoltConfig, specParameters: number): void {
  registerModel<BoltConfig>({ name, description, defaults, specParameters, testOverrides: TEST, build: (n, config, seed) => new BoltModel(n, config, seed) });
}

registerBolt('v4-bolt', 'v4 "Bolt": gated causal-conv mixer + ternary SwiGLU (BL-T), small config d192 × 6, h512, T256, V10000 (spec §3)',
  { ...COMMON, contextLength: 256, dim: 192, layers: 6, hidden: 512 }, 4_364_736);
registerBolt('v4-bolt-large', 'v4 "Bolt", large config: d384 × 8, h1024, T512, V10000 (spec §3; the README says 15.7M)',
  { ...COMMON, contextLength: 512, dim: 384, layers: 8, hidden: 1024 }, 16_847_232);
