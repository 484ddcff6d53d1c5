// Optimizers over the fused native updates (native/src/kernels/optim): AdamW with decoupled weight
// decay and SGD with momentum, both with PyTorch's semantics, plus global-norm gradient clipping.
// State (moments, momentum buffers) is allocated once, outside any tidy() scope, and updated in place.
import { native } from '../native';
import { untracked } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';

/** A parameter list: tensors, or [name, tensor] pairs as Module.namedParameters() returns. */
export type ParamList = Iterable<Tensor> | Iterable<[string, Tensor]>;

function toNamed(params: ParamList): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  let i = 0;
  for (const p of params as Iterable<Tensor | [string, Tensor]>) {
    out.push(p instanceof Tensor ? [p.name ?? `param${i}`, p] : p);
    i++;
  }
  if (out.length === 0) throw new RangeError('optimizer: params must hold at least one tensor');
  for (const [name, p] of out) {
    if (p.dtype !== 'f32' || !p.requiresGrad) throw new TypeError(`optimizer: parameter '${name}' must be an f32 tensor with requiresGrad`);
  }
  return out;
}

export interface AdamWOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  /** Decoupled: p -= lr·weightDecay·p before the Adam step (torch.optim.AdamW; default 0.01). */
  weightDecay?: number;
}

/**
 * AdamW (Loshchilov & Hutter), matching torch.optim.AdamW.
 *
 * @example
 * const opt = new AdamW(model.namedParameters(), { lr: 3e-4, betas: [0.9, 0.95], weightDecay: 0.1 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 */
export class AdamW {
  lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  /** Steps taken (the bias corrections use it). */
  stepCount = 0;
  readonly params: [string, Tensor][];
  private readonly m: Tensor[];
  private readonly v: Tensor[];

  constructor(params: ParamList, options: AdamWOptions) {
    this.params = toNamed(params);
    this.lr = options.lr;
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    this.m = untracked(() => this.params.map(([, p]) => Tensor.zeros(p.shape)));
    this.v = untracked(() => this.params.map(([, p]) => Tensor.zeros(p.shape)));
  }

  /**
   * One update of every parameter that has a gradient. `gradScale` multiplies gradients on the fly
   * (clipping without an extra pass over memory).
   */
  step(gradScale = 1): void {
    this.stepCount++;
    this.params.forEach(([, p], i) => {
      if (p.grad === null) return;
      native.adamwStep(p.f32(), p.grad.f32(), this.m[i].f32(), this.v[i].f32(), this.lr, this.betas[0], this.betas[1],
        this.eps, this.weightDecay, this.stepCount, gradScale);
      p.markModified();
    });
  }

  zeroGrad(): void {
    for (const [, p] of this.params) p.grad?.f32().fill(0);
  }
}

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  /** Coupled (added to the gradient), as in torch.optim.SGD. */
  weightDecay?: number;
  nesterov?: boolean;
}

/** SGD with momentum, matching torch.optim.SGD. */
export class SGD {
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  stepCount = 0;
  readonly params: [string, Tensor][];
  private readonly buffers: (Tensor | null)[];

  constructor(params: ParamList, options: SGDOptions) {
    this.params = toNamed(params);
    this.lr = options.lr;
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.nesterov = options.nesterov ?? false;
    this.buffers = untracked(() => this.params.map(([, p]) => (this.momentum !== 0 ? Tensor.zeros(p.shape) : null)));
  }

  step(gradScale = 1): void {
    this.stepCount++;
    this.params.forEach(([, p], i) => {
      if (p.grad === null) return;
      native.sgdStep(p.f32(), p.grad.f32(), this.buffers[i]?.f32() ?? null, this.lr, this.momentum, this.dampening,
        this.weightDecay, this.nesterov, this.stepCount, gradScale);
      p.markModified();
    });
  }

  zeroGrad(): void {
    for (const [, p] of this.params) p.grad?.f32().fill(0);
  }
}

/** Thrown when a gradient holds NaN or Inf; names the first such parameter. */
export class NonFiniteGradientError extends Error {
  override name = 'NonFiniteGradientError';
  constructor(readonly parameter: string) {
    super(`non-finite gradient in parameter '${parameter}' (NaN or Inf)`);
  }
}

/**
 * The global L2 norm of all gradients and the factor that clips it to `maxNorm`
 * (min(1, maxNorm / (norm + 1e-6)), as torch.nn.utils.clip_grad_norm_). Pass the factor to
 * `optimizer.step(scale)`. Throws NonFiniteGradientError naming the first non-finite gradient.
 */
export function clipGradNorm(params: ParamList, maxNorm: number): { norm: number; scale: number } {
  const named = toNamed(params).filter(([, p]) => p.grad !== null);
  const { norm, nonFiniteIndex } = native.globalGradNorm(named.map(([, p]) => p.grad!.f32()));
  if (nonFiniteIndex >= 0) throw new NonFiniteGradientError(named[nonFiniteIndex][0]);
  return { norm, scale: Math.min(1, maxNorm / (norm + 1e-6)) };
}
