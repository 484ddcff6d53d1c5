// Optimizers over the fused native updates (native/src/kernels/optim): AdamW with decoupled weight
// decay and SGD with momentum, both with PyTorch's semantics, plus global-norm gradient clipping.
// Parameter groups (per-group weight decay, lr scale, betas...) and no-decay rules by name are in
// optim-groups.ts; state (moments, momentum buffers) is allocated once, outside any tidy() scope,
// updated in place, and saved/restored bit-exactly by stateDict()/loadStateDict().
import { native } from '../native';
import { untracked } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import { OptimizerState, ParamGroupSpec, Resolved, checkStateFor, resolveGroups, stateOf, toNamed } from './optim-groups';
import type { NoDecayRule, ParamList } from './optim-groups';

export type { ParamList } from './optim-groups';

export interface AdamWOptions {
  lr: number;
  betas?: [number, number];
  eps?: number;
  /** Decoupled: p -= lr·weightDecay·p before the Adam step (torch.optim.AdamW; default 0.01). */
  weightDecay?: number;
  /** Parameters whose dotted names match get weight decay 0, in every group (see NoDecayRule). */
  noDecay?: NoDecayRule;
}

/**
 * AdamW (Loshchilov & Hutter), matching torch.optim.AdamW.
 *
 * `params` is a parameter list or PyTorch-style groups, each with its own overrides; `lr` is the base
 * rate a schedule sets, and a group's `lrScale` multiplies it.
 *
 * @example
 * const opt = new AdamW(model.namedParameters(), { lr: 3e-4, betas: [0.9, 0.95], weightDecay: 0.1, noDecay: [/bias$/, '**norm**'] });
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
  /** Each parameter's resolved hyper-parameters (group overrides and no-decay rules applied). */
  readonly hyper: Resolved<Required<AdamWGroupOptions>>[];
  private readonly m: Tensor[];
  private readonly v: Tensor[];

  constructor(params: ParamList | ParamGroupSpec<AdamWGroupOptions>[], options: AdamWOptions) {
    this.lr = options.lr;
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0.01;
    const defaults = { betas: this.betas, eps: this.eps, weightDecay: this.weightDecay, lrScale: 1 };
    ({ params: this.params, hyper: this.hyper } = resolveGroups('AdamW', params, defaults, options.noDecay));
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
      const h = this.hyper[i];
      native.adamwStep(p.f32(), p.grad.f32(), this.m[i].f32(), this.v[i].f32(), this.lr * h.lrScale, h.betas[0], h.betas[1],
        h.eps, h.weightDecay, this.stepCount, gradScale);
    });
  }

  zeroGrad(): void {
    for (const [, p] of this.params) p.grad?.f32().fill(0);
  }

  /**
   * Step count, base lr, every parameter's hyper-parameters, and the moments as named tensors
   * ("exp_avg.<param>", "exp_avg_sq.<param>"; the optimizer's own tensors, not copies): save it with writeSafetensors(file, s.tensors, s.metadata).
   */
  stateDict(): OptimizerState {
    return stateOf('AdamW', this, { exp_avg: this.m, exp_avg_sq: this.v });
  }

  /** Restores a stateDict() (or what readSafetensors returns for one) bit-exactly; parameter names must match. */
  loadStateDict(state: OptimizerState): void {
    const meta = checkStateFor('AdamW', this, state, { exp_avg: this.m, exp_avg_sq: this.v });
    this.stepCount = meta.stepCount;
    this.lr = meta.lr;
  }
}

/** What an AdamW group may override. */
export interface AdamWGroupOptions {
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  /** Multiplies the optimizer's lr for this group (default 1). */
  lrScale?: number;
}

/** What an SGD group may override. */
export interface SGDGroupOptions {
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
  lrScale?: number;
}

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  /** Coupled (added to the gradient), as in torch.optim.SGD. */
  weightDecay?: number;
  nesterov?: boolean;
  /** Parameters whose dotted names match get weight decay 0 (see NoDecayRule). */
  noDecay?: NoDecayRule;
}

/**
 * SGD with momentum, matching torch.optim.SGD; groups as for AdamW.
 *
 * @example
 * const opt = new SGD(model.namedParameters(), { lr: 0.01, momentum: 0.9 }); // v6.1-C
 */
export class SGD {
  lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;
  stepCount = 0;
  readonly params: [string, Tensor][];
  readonly hyper: Resolved<Required<SGDGroupOptions>>[];
  private readonly buffers: (Tensor | null)[];

  constructor(params: ParamList | ParamGroupSpec<SGDGroupOptions>[], options: SGDOptions) {
    this.lr = options.lr;
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.nesterov = options.nesterov ?? false;
    const defaults = { momentum: this.momentum, dampening: this.dampening, weightDecay: this.weightDecay, nesterov: this.nesterov, lrScale: 1 };
    ({ params: this.params, hyper: this.hyper } = resolveGroups('SGD', params, defaults, options.noDecay));
    this.buffers = untracked(() => this.params.map(([, p], i) => (this.hyper[i].momentum !== 0 ? Tensor.zeros(p.shape) : null)));
  }

  step(gradScale = 1): void {
    this.stepCount++;
    this.params.forEach(([, p], i) => {
      if (p.grad === null) return;
      const h = this.hyper[i];
      native.sgdStep(p.f32(), p.grad.f32(), this.buffers[i]?.f32() ?? null, this.lr * h.lrScale, h.momentum, h.dampening,
        h.weightDecay, h.nesterov, this.stepCount, gradScale);
    });
  }

  zeroGrad(): void {
    for (const [, p] of this.params) p.grad?.f32().fill(0);
  }

  /** As AdamW.stateDict(); the buffers are "momentum_buffer.<param>" (none without momentum). */
  stateDict(): OptimizerState {
    return stateOf('SGD', this, { momentum_buffer: this.buffers });
  }

  loadStateDict(state: OptimizerState): void {
    const meta = checkStateFor('SGD', this, state, { momentum_buffer: this.buffers });
    this.stepCount = meta.stepCount;
    this.lr = meta.lr;
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
