// The contract every FlashLM language model keeps, so that training, evaluation, generation, display
// and the figures work with any version: next-token logits from token ids, a loss, incremental
// decoding with carried state (a KV cache for attention, conv/recurrent state otherwise), and a
// JSON-serialisable config that, with the registry name, rebuilds the model (checkpoints store both).
import { crossEntropy } from '../ops/softmax';
import { noGrad } from '../tensor/autograd';
import { tidy } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import { Module } from '../nn/module';
import { BitLinear } from '../nn/bitlinear';

/** Every model config carries these two; the rest is per version (see each model file). */
export interface ModelConfig {
  /** Vocabulary size V (logits are (B, T, V)). */
  vocabSize: number;
  /** Training context length T (the longest sequence forward() is built for). */
  contextLength: number;
}

/**
 * State carried between decode() calls: everything the model needs to continue a batch of sequences
 * one or more tokens at a time. Opaque to callers except for these fields.
 */
export interface DecodeState {
  /** Number of sequences. */
  readonly batch: number;
  /** Tokens consumed so far per sequence (all sequences advance together). */
  position: number;
  /** Most tokens this state can hold (a KV cache's capacity); Infinity for purely recurrent state. */
  readonly capacity: number;
  /** Frees the cache tensors; the state is unusable afterwards. */
  dispose(): void;
}

/** Parameter counts for display and the spec checks. */
export interface ParameterCounts {
  /** Every parameter element, a tied tensor once. */
  total: number;
  /** Elements of weights that are ternary in the forward pass (BitLinear weights). */
  ternary: number;
  /** Elements used per token (equals total for dense models; less with routing / MoE). */
  activePerToken: number;
}

export abstract class LanguageModel<C extends ModelConfig = ModelConfig> extends Module {
  /**
   * @param name the registry name it was created under ('bitnet-bench', 'v4-bolt', …)
   * @param config the complete config (defaults merged with overrides) — saved in config.json
   */
  constructor(
    readonly name: string,
    readonly config: Readonly<C>,
  ) {
    super();
  }

  /** tokens (B, T) i32 with T ≤ contextLength -> logits (B, T, V) f32. */
  abstract forward(tokens: Tensor): Tensor;

  /**
   * Mean next-token cross-entropy (nats) of forward(tokens) against targets (B, T) i32; targets equal
   * to `ignoreIndex` (default −100) are not counted. Models with auxiliary losses add them here.
   */
  loss(tokens: Tensor, targets: Tensor, options: { ignoreIndex?: number } = {}): Tensor {
    const logits = this.forward(tokens);
    const V = logits.shape[logits.ndim - 1];
    return crossEntropy(logits.reshape([-1, V]), targets.reshape([-1]), { ignoreIndex: options.ignoreIndex ?? -100 });
  }

  /** A fresh decode state for `batch` sequences of at most `capacity` tokens. */
  abstract createDecodeState(batch: number, capacity: number): DecodeState;

  /**
   * Consumes tokens (B, t) i32 — the prompt (t > 1) or the next token (t = 1) — and returns the logits
   * (B, t, V) at those positions, advancing `state.position` by t. Must equal forward() on the whole
   * sequence (up to float rounding): generation runs exactly the training-time quantized forward.
   */
  abstract decode(tokens: Tensor, state: DecodeState): Tensor;

  /**
   * One single-token decode step into caller buffers: tokens holds the next token of each of the
   * state's sequences (length state.batch), out receives their logits (batch × V). The same numbers as
   * decode() on (batch, 1); the generate loop calls it once per token, so a model may override it to
   * skip the tensors (the v7 family runs its fused native step straight into out).
   *
   * @example model.decodeNextInto(Int32Array.of(42), state, logits); // logits: Float32Array(V)
   */
  decodeNextInto(tokens: Int32Array, state: DecodeState, out: Float32Array): void {
    const V = this.config.vocabSize;
    if (out.length < tokens.length * V)
      throw new RangeError(`${this.name}.decodeNextInto: out must hold tokens.length × vocabSize = ${tokens.length * V} logits, got ${out.length}`);
    noGrad(() => tidy(() => out.set(this.decode(Tensor.from(tokens, [tokens.length, 1], 'i32'), state).f32())));
  }

  /** Parameter counts (total, ternary, active per token). Override where routing makes them differ. */
  parameterCounts(): ParameterCounts {
    const total = this.numParameters();
    let ternary = 0;
    for (const [, m] of this.namedModules()) if (m instanceof BitLinear) ternary += m.weight.size;
    return { total, ternary, activePerToken: total };
  }

  /**
   * Causal attention probabilities (B, H, T, T) of attention layer `layer` for `tokens`, for models
   * that have attention (the figures use it); undefined otherwise.
   */
  attentionProbs?(tokens: Tensor, layer: number): Tensor;
}

/** Whether `m` keeps the LanguageModel contract (also across module copies / realms). */
export function isLanguageModel(m: unknown): m is LanguageModel {
  return m instanceof LanguageModel;
}
