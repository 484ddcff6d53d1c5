// Causal depthwise 1-D convolution as a module (spec S5; v4's mixer, k = 8). The weight is stored
// (C, K) — PyTorch's Conv1d(C, C, K, groups=C) weight (C, 1, K) without its middle axis — and the
// last tap weighs the current step. Incremental decoding carries the last K − 1 inputs per channel.
import { ShapeError, formatShape } from '../errors';
import { causalConv1d, MAX_CONV_K } from '../ops/scan';
import { concat, split } from '../ops/movement';
import { noGrad } from '../tensor/autograd';
import { Tensor } from '../tensor/tensor';
import { InitSource } from './bitlinear';
import { Module } from './module';

export interface CausalConvOptions {
  /** Init std of the weight (default: PyTorch's kaiming fan_out for (C, 1, K), sqrt(2/(C·K)), v4's). */
  std?: number;
  generator: InitSource;
}

export class CausalDepthwiseConv extends Module {
  readonly weight: Tensor;

  constructor(
    readonly channels: number,
    readonly kernelSize: number,
    options: CausalConvOptions,
  ) {
    super();
    if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`CausalDepthwiseConv: channels must be a positive integer, got ${channels}`);
    if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize > MAX_CONV_K)
      throw new RangeError(`CausalDepthwiseConv: kernelSize must be an integer in [1, ${MAX_CONV_K}], got ${kernelSize}`);
    const std = options.std ?? Math.sqrt(2 / (channels * kernelSize));
    this.weight = this.registerParameter('weight', noGrad(() => options.generator.normal([channels, kernelSize], 0, std)));
  }

  /** x (B, T, C) -> (B, T, C), zeros before t = 0. */
  forward(x: Tensor): Tensor {
    return causalConv1d(x, this.weight);
  }

  /** The carried state for `batch` sequences: the last K − 1 inputs, zeros at the start. */
  initialState(batch: number): Tensor {
    return Tensor.zeros([batch, Math.max(this.kernelSize - 1, 0), this.channels]);
  }

  /**
   * x (B, t, C) continuing the sequences whose last K − 1 inputs are `state` (B, K − 1, C): returns the
   * outputs at those t steps (equal to forward() on the whole sequence) and writes the new last K − 1
   * inputs into `state` in place, so the state outlives any tidy() scope the step runs in.
   */
  step(x: Tensor, state: Tensor): Tensor {
    const K = this.kernelSize;
    if (x.ndim !== 3 || x.shape[2] !== this.channels) throw new ShapeError(`CausalDepthwiseConv.step: x must be (B, t, ${this.channels}), got ${formatShape(x.shape)}`);
    const [B, t] = x.shape;
    if (state.ndim !== 3 || state.shape[0] !== B || state.shape[1] !== K - 1 || state.shape[2] !== this.channels)
      throw new ShapeError(`CausalDepthwiseConv.step: state must be (${B}, ${K - 1}, ${this.channels}), got ${formatShape(state.shape)}`);
    if (K === 1) return this.forward(x);
    return noGrad(() => {
      const window = concat([state, x], 1); // (B, K − 1 + t, C): the zero-padded history is the state
      const [, y] = split(causalConv1d(window, this.weight), [K - 1, t], 1);
      const [, last] = split(window, [t, K - 1], 1);
      state.f32().set(last.f32());
      return this.runForwardHooks([x], y); // a step stands for forward(x)
    });
  }
}
