// Embedding: a (V, C) table of f32 rows looked up by int32 ids, like torch.nn.Embedding. Tied output
// heads reuse `weight` directly (logits = h·weightᵀ), so the tensor is counted once.
import { embedding } from '../ops/embedding';
import { Tensor } from '../tensor/tensor';
import { noGrad } from '../tensor/autograd';
import { InitSource } from './bitlinear';
import { Module } from './module';

export interface EmbeddingOptions {
  /** Standard deviation of the N(0, std²) init (default 0.02, as v4 and GPT-2 use). */
  std?: number;
  generator: InitSource;
}

export class Embedding extends Module {
  readonly weight: Tensor;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    options: EmbeddingOptions,
  ) {
    super();
    for (const [v, what] of [[numEmbeddings, 'numEmbeddings'], [embeddingDim, 'embeddingDim']] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`Embedding: ${what} must be a positive integer, got ${v}`);
    }
    const std = options.std ?? 0.02;
    this.weight = this.registerParameter('weight', noGrad(() => options.generator.normal([numEmbeddings, embeddingDim], 0, std)));
  }

  /** ids (...) i32 -> (..., C) */
  forward(ids: Tensor): Tensor {
    return embedding(this.weight, ids);
  }
}
