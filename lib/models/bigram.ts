// 'bigram': the smallest real language model — logits for the next token depend only on the current
// one (embedding -> RMSNorm -> linear head). Not a FlashLM version: it exists so that training,
// evaluation, generation and the teaching notebooks have a model that trains in seconds, and so that
// the decode contract has a stateless case.
import { Embedding } from '../nn/embedding';
import { Linear } from '../nn/linear';
import { RMSNorm } from '../nn/rmsnorm';
import { Generator } from '../random';
import { Tensor } from '../tensor/tensor';
import { DecodeState, LanguageModel, ModelConfig } from './language_model';
import { registerModel } from './registry';
import { checkTokens } from './checks';

export interface BigramConfig extends ModelConfig {
  /** Embedding width. */
  dim: number;
}

export class BigramModel extends LanguageModel<BigramConfig> {
  readonly embed: Embedding;
  readonly norm: RMSNorm;
  readonly head: Linear;

  constructor(name: string, config: BigramConfig, seed: number) {
    super(name, config);
    const generator = new Generator(seed);
    this.embed = this.registerModule('embed', new Embedding(config.vocabSize, config.dim, { generator }));
    this.norm = this.registerModule('norm', new RMSNorm(config.dim));
    this.head = this.registerModule('head', new Linear(config.dim, config.vocabSize, { bias: false, generator }));
  }

  forward(tokens: Tensor): Tensor {
    checkTokens(this, tokens, 'forward');
    return this.head.forward(this.norm.forward(this.embed.forward(tokens)));
  }

  createDecodeState(batch: number, capacity: number): DecodeState {
    return { batch, capacity, position: 0, dispose() {} };
  }

  decode(tokens: Tensor, state: DecodeState): Tensor {
    checkTokens(this, tokens, 'decode', state);
    const logits = this.head.forward(this.norm.forward(this.embed.forward(tokens)));
    state.position += tokens.shape[1];
    return this.runForwardHooks([tokens], logits); // a step stands for forward(tokens)
  }
}

registerModel<BigramConfig>({
  name: 'bigram',
  description: 'next token from the current token only (embedding, RMSNorm, linear head); for tests and teaching',
  defaults: { vocabSize: 4096, contextLength: 256, dim: 64 },
  testOverrides: { vocabSize: 64, contextLength: 16, dim: 8 },
  build: (name, config, seed) => new BigramModel(name, config, seed),
});
