// RMSNorm module (spec S2): y = x / sqrt(mean(x²) + eps) · weight, weight initialised to ones.
import { rmsNorm } from '../ops/norm';
import { Tensor } from '../tensor/tensor';
import { Module } from './module';

export class RMSNorm extends Module {
  readonly weight: Tensor;

  /** @param eps 1e-6 by default (v4, v6, v6.1; our choice for v7, where the spec leaves it open). */
  constructor(
    readonly dim: number,
    readonly eps = 1e-6,
  ) {
    super();
    if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`RMSNorm: dim must be a positive integer, got ${dim}`);
    if (!(eps > 0) || !Number.isFinite(eps)) throw new RangeError(`RMSNorm: eps must be a positive finite number, got ${eps}`);
    this.weight = this.registerParameter('weight', Tensor.ones([dim]));
  }

  /** (..., dim) -> (..., dim) */
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}
