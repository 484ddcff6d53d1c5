// BitLinear: a bias-free linear layer with ternary weights (spec S1; BL-B158 per §9), trained through
// a float latent `weight` with the straight-through estimator. The quantized weights are built once
// per weight.version (bumped by optimizer steps and loadStateDict), not on every forward.
import { ShapeError, formatShape } from '../errors';
import { WEIGHT_QUANTIZERS, WeightQuantizer, EpsForm, defaultEps } from '../ops/quant';
import { ActivationQuant, BackwardMode, TernaryWeights, prepareTernaryWeights, ternaryLinear } from '../ops/ternary_linear';
import { noGrad } from '../tensor/autograd';
import { Tensor } from '../tensor/tensor';
import { uniformInit, UniformSource } from './linear';
import { Module } from './module';
import { LayerQuantStats, computeQuantStats } from './quant_stats';

/** A seeded source of initial values (flashlm's Generator). */
export interface InitSource extends UniformSource {
  normal(shape: number[], mean?: number, std?: number): Tensor;
}

/**
 * Initial latent weights: 'uniform' is PyTorch nn.Linear's U(±1/√in) (what BitNet-style layers that
 * subclass nn.Linear get, our default for v7); 'kaiming-fan-out' is v4's N(0, 2/out) (S1); `{ std }`
 * is N(0, std²) (v6.1-C: std 1/√in).
 */
export type BitLinearInit = 'uniform' | 'kaiming-fan-out' | { std: number };

export interface BitLinearOptions {
  /** Which S1 quantizer; default 'BL-B158'. */
  quantizer?: WeightQuantizer;
  /** Input treatment; default 'int8' for BL-B158 (§9) and 'none' for the others. */
  activations?: ActivationQuant;
  /** Weight epsilon form and value; defaults per quantizer (quant.ts defaultEps, spec-cited). */
  epsForm?: EpsForm;
  eps?: number;
  /** ε for all-zero rows of int8 activations (ours: 1e-5, as BitNet's clamp). */
  actEps?: number;
  init?: BitLinearInit;
  /** 'exact' f32 gradients (default), or the opt-in reduced-precision 'int8-input-grad' (ternary_linear.ts). */
  backward?: BackwardMode;
  generator: InitSource;
}

/**
 * y = Q_x(x)·Q_W(W)ᵀ (·α for BL-B158). Parameters: `weight` (out, in), and `alpha` ([1], init 1) for
 * BL-B158. No bias (S1).
 *
 * @example
 * const layer = new BitLinear(768, 2048, { quantizer: 'BL-B158', generator: new Generator(0) });
 * const y = layer.forward(x); // (B, T, 768) -> (B, T, 2048)
 */
export class BitLinear extends Module {
  readonly weight: Tensor;
  readonly alpha: Tensor | null;
  readonly quantizer: WeightQuantizer;
  readonly activations: ActivationQuant;
  readonly epsForm: EpsForm;
  readonly eps: number;
  readonly actEps: number;
  readonly backward: BackwardMode;
  /** How many times the weights were quantized (tests check the once-per-step cache with it). */
  quantizeCount = 0;
  private cache: { version: number; weights: TernaryWeights } | null = null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: BitLinearOptions,
  ) {
    super();
    if (!Number.isInteger(inFeatures) || inFeatures <= 0 || !Number.isInteger(outFeatures) || outFeatures <= 0) {
      throw new RangeError(`BitLinear: inFeatures and outFeatures must be positive integers, got ${inFeatures} and ${outFeatures}`);
    }
    this.quantizer = options.quantizer ?? 'BL-B158';
    if (!WEIGHT_QUANTIZERS.includes(this.quantizer)) {
      throw new TypeError(`BitLinear: quantizer must be one of ${WEIGHT_QUANTIZERS.join(', ')}, got ${String(this.quantizer)}`);
    }
    this.activations = options.activations ?? (this.quantizer === 'BL-B158' ? 'int8' : 'none');
    if (!['none', 'int8', 'ternary'].includes(this.activations)) {
      throw new TypeError(`BitLinear: activations must be 'none', 'int8' or 'ternary', got ${String(this.activations)}`);
    }
    const d = defaultEps(this.quantizer);
    this.epsForm = options.epsForm ?? d.epsForm;
    this.eps = options.eps ?? d.eps;
    this.actEps = options.actEps ?? 1e-5;
    this.backward = options.backward ?? 'exact';
    if (this.backward !== 'exact' && this.backward !== 'int8-input-grad') {
      throw new TypeError(`BitLinear: backward must be 'exact' or 'int8-input-grad', got ${String(this.backward)}`);
    }
    if (this.epsForm !== 'add' && this.epsForm !== 'clamp') throw new TypeError(`BitLinear: epsForm must be 'add' or 'clamp', got ${String(this.epsForm)}`);
    if (!(this.eps >= 0) || !(this.actEps > 0)) throw new RangeError(`BitLinear: eps must be >= 0 and actEps > 0, got ${this.eps} and ${this.actEps}`);
    this.weight = this.registerParameter('weight', initWeight(options, outFeatures, inFeatures));
    this.alpha = this.quantizer === 'BL-B158' ? this.registerParameter('alpha', Tensor.ones([1])) : null;
  }

  /** (..., in) -> (..., out) */
  forward(x: Tensor): Tensor {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new ShapeError(`BitLinear: x must be (..., inFeatures = ${this.inFeatures}), got ${formatShape(x.shape)}`);
    }
    return ternaryLinear(x, this.weight, this.quantized(), {
      activations: this.activations, alpha: this.alpha, actEps: this.actEps, backward: this.backward, name: 'BitLinear',
    });
  }

  /** The quantized weights for the current weight.version (quantizing only when it changed). */
  quantized(): TernaryWeights {
    if (this.cache !== null && this.cache.version === this.weight.version) return this.cache.weights;
    this.cache?.weights.dispose();
    const weights = noGrad(() => prepareTernaryWeights(this.weight, this.quantizer, { epsForm: this.epsForm, eps: this.eps }));
    this.quantizeCount++;
    this.cache = { version: this.weight.version, weights };
    return weights;
  }

  /** Counts for the Module display tree (lib/viz displayables): every weight element is stored ternary. */
  describe(): { ternary: number } {
    return { ternary: this.weight.size };
  }

  /** This layer's ternary statistics (see Module.quantStats for a whole model). */
  layerQuantStats(name = '', bins = 64): LayerQuantStats {
    return computeQuantStats(name, this.weight.f32(), this.quantized().quant, bins, this.alpha?.f32()[0]);
  }
}

function initWeight(options: BitLinearOptions, out: number, inp: number): Tensor {
  const init = options.init ?? 'uniform';
  const gen = options.generator;
  if (gen === undefined) throw new TypeError('BitLinear: options.generator is required (a seeded flashlm Generator)');
  if (init === 'uniform') return uniformInit(gen, [out, inp], 1 / Math.sqrt(inp));
  if (init === 'kaiming-fan-out') return noGrad(() => gen.normal([out, inp], 0, Math.sqrt(2 / out)));
  if (typeof init === 'object' && init !== null && init.std > 0) return noGrad(() => gen.normal([out, inp], 0, init.std));
  throw new TypeError(`BitLinear: init must be 'uniform', 'kaiming-fan-out' or { std > 0 }, got ${JSON.stringify(init)}`);
}
