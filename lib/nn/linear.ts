// Linear: y = x·Wᵀ + b with W stored (out, in), like torch.nn.Linear, and PyTorch's default init
// (kaiming_uniform with a = √5, which is U(−1/√in, 1/√in), for the weight and the bias alike).
import { add } from '../ops/elementwise';
import { linear } from '../ops/matmul';
import { noGrad } from '../tensor/autograd';
import { Tensor } from '../tensor/tensor';
import { Module } from './module';

/** Anything that draws uniform [0, 1) tensors (flashlm's seeded Generator). */
export interface UniformSource {
  uniform(shape: number[]): Tensor;
}

/** U(−bound, bound) of `shape`, drawn from `gen`. */
export function uniformInit(gen: UniformSource, shape: number[], bound: number): Tensor {
  return noGrad(() => {
    const t = gen.uniform(shape);
    const d = t.f32();
    for (let i = 0; i < d.length; i++) d[i] = (2 * d[i] - 1) * bound;
    return t;
  });
}

export interface LinearOptions {
  bias?: boolean;
  /** Source of the initial values; required so that every model is seeded. */
  generator: UniformSource;
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: LinearOptions,
  ) {
    super();
    if (!Number.isInteger(inFeatures) || inFeatures <= 0 || !Number.isInteger(outFeatures) || outFeatures <= 0) {
      throw new RangeError(`Linear: inFeatures and outFeatures must be positive integers, got ${inFeatures} and ${outFeatures}`);
    }
    const bound = 1 / Math.sqrt(inFeatures);
    this.weight = this.registerParameter('weight', uniformInit(options.generator, [outFeatures, inFeatures], bound));
    this.bias = options.bias === false ? null : this.registerParameter('bias', uniformInit(options.generator, [outFeatures], bound));
  }

  /** (..., in) -> (..., out) */
  forward(x: Tensor): Tensor {
    const y = linear(x, this.weight);
    return this.bias === null ? y : add(y, this.bias);
  }
}
