// The BitLinear product with its straight-through backward: y = Q_x(x)·Q_W(W)ᵀ (·α for BL-B158),
// given weights quantized once per optimizer step (TernaryWeights, built by prepareTernaryWeights).
// STE (S1, PyTorch's `v + (q(v) − v).detach()`): gradients flow through both quantizers as identity,
// except BL-M's clipped mask; detached scales get no gradient. Quantizer math is in quant.ts.
import { ShapeError, DTypeError, formatShape } from '../errors';
import { native } from '../native';
import { needsGrad, record } from '../tensor/autograd';
import { keep, untracked } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import {
  ACT_EPS, WeightQuant, WeightQuantizer, WeightQuantOptions, quantizeActivationsI8,
  quantizeActivationsTernary, quantizeWeights,
} from './quant';

/** How BitLinear treats its input: f32 as is, 8-bit per-token absmax (§9), or v6.1-C ternary (S1). */
export type ActivationQuant = 'none' | 'int8' | 'ternary';

/** Weights quantized for one optimizer step: codes, scales and the forms the kernels read. */
export interface TernaryWeights {
  readonly quant: WeightQuant;
  /** W_eff = codes·scale as an f32 (n, k) tensor: the f32 forward and the input-gradient GEMM read it. */
  readonly dequantized: Tensor;
  /** Frees the tensors this holds (the layer calls it when the weight changes). */
  dispose(): void;
}

/**
 * Quantizes `weight` (n = out, k = in) with `quantizer` and prepares what the forward and backward
 * read. Call once per optimizer step (BitLinear caches it against weight.version).
 *
 * @example const tw = prepareTernaryWeights(w, 'BL-B158');
 */
export function prepareTernaryWeights(weight: Tensor, quantizer: WeightQuantizer, options: WeightQuantOptions = {}): TernaryWeights {
  if (weight.ndim !== 2) throw new ShapeError(`prepareTernaryWeights: weight must be 2-D (out, in), got ${formatShape(weight.shape)}`);
  const [n, k] = weight.shape;
  const dequantized = untracked(() => keep(Tensor.empty([n, k])));
  let quant: WeightQuant;
  try {
    quant = quantizeWeights(weight.f32(), n, k, quantizer, options, dequantized.f32());
  } catch (e) {
    dequantized.dispose();
    throw e;
  }
  return { quant, dequantized, dispose: () => dequantized.dispose() };
}

export interface TernaryLinearOptions {
  activations: ActivationQuant;
  /** BL-B158's learnable scalar α (shape [1]); null or absent for the other variants. */
  alpha?: Tensor | null;
  /** ε for all-zero activation rows in int8 mode: s_i = max(max|x_i|, ε)/127. */
  actEps?: number;
  /** Names the caller in errors (default 'ternaryLinear'). */
  name?: string;
}

/** C(M×N) = op(A)·op(B), f32 GEMM on the native engine. */
function gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, a: Float32Array, b: Float32Array, c: Float32Array): void {
  native.gemm(transA, transB, 1, M, N, K, a, 0, b, 0, c, 0);
}

function scaleInPlace(t: Float32Array, s: number): void {
  if (s !== 1) native.unaryForward('affine', t, t, s, 0);
}

/**
 * y (..., n) = Q_x(x)·W_effᵀ·α with STE gradients for x, the latent weight and α.
 * `x` is (..., k); `weight` is the latent (n, k) parameter that `tw` was prepared from.
 *
 * @example const y = ternaryLinear(x, layer.weight, tw, { activations: 'int8', alpha });
 */
export function ternaryLinear(x: Tensor, weight: Tensor, tw: TernaryWeights, options: TernaryLinearOptions): Tensor {
  const name = options.name ?? 'ternaryLinear';
  const { n, k, quant } = { n: tw.quant.n, k: tw.quant.k, quant: tw.quant };
  if (x.dtype !== 'f32') throw new DTypeError(`${name}: x must be f32, got ${x.dtype}`);
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== k) {
    throw new ShapeError(`${name}: x must be (..., ${k}) (inFeatures = ${k}), got ${formatShape(x.shape)}`);
  }
  const alpha = options.alpha ?? null;
  if (alpha !== null && alpha.size !== 1) throw new ShapeError(`${name}: alpha must hold one value, got ${formatShape(alpha.shape)}`);
  const a = alpha === null ? 1 : alpha.f32()[0];
  const R = x.size / k;
  const outShape = [...x.shape.slice(0, -1), n];
  const y = Tensor.empty(outShape);

  // xq: what the weight gradient multiplies (Q_x(x) dequantized); for 'none' it is x itself.
  let xq: Tensor = x;
  if (options.activations === 'int8') {
    const qi = quantizeActivationsI8(x.f32(), R, k, options.actEps ?? ACT_EPS);
    xq = Tensor.empty(x.shape);
    native.quantDequantizeRowsI8(qi.q, qi.scale, R, k, xq.f32());
  } else if (options.activations === 'ternary') {
    const qt = quantizeActivationsTernary(x.f32(), R, k);
    xq = Tensor.empty(x.shape);
    const xd = xq.f32();
    for (let j = 0; j < xd.length; j++) xd[j] = qt.codes[j] * qt.scale;
  } else if (options.activations !== 'none') {
    throw new TypeError(`${name}: activations must be 'none', 'int8' or 'ternary', got ${String(options.activations)}`);
  }
  gemm(false, true, R, n, k, xq.f32(), tw.dequantized.f32(), y.f32()); // (R, k)·(n, k)ᵀ
  scaleInPlace(y.f32(), a);

  const inputs = alpha === null ? [x, weight] : [x, weight, alpha];
  return record(y, inputs, (g) => {
    let gx: Tensor | null = null, gw: Tensor | null = null, ga: Tensor | null = null;
    let gs = g;
    if (a !== 1 && (needsGrad(x) || needsGrad(weight))) {
      gs = Tensor.empty(g.shape);
      native.unaryForward('affine', g.f32(), gs.f32(), a, 0);
    }
    if (needsGrad(x)) {
      gx = Tensor.empty(x.shape); // STE through Q_x: dx = α·g·W_eff
      gemm(false, false, R, k, n, gs.f32(), tw.dequantized.f32(), gx.f32());
    }
    if (needsGrad(weight)) {
      gw = Tensor.empty(weight.shape); // STE through Q_W: dW = α·gᵀ·Q_x(x)
      gemm(true, false, n, k, R, gs.f32(), xq.f32(), gw.f32());
      if (quant.steClip !== undefined) native.quantSteClip(gw.f32(), weight.f32(), quant.steClip); // S1: BL-M
    }
    if (alpha !== null && needsGrad(alpha)) ga = Tensor.from([alphaGrad(g, y, a, () => unscaledOutput(xq, tw, R))], alpha.shape);
    if (gs !== g) gs.dispose();
    return alpha === null ? [gx, gw] : [gx, gw, ga];
  }, name);
}

/** dL/dα = Σ g ⊙ (y/α): y is linear in α; the scales are detached, so nothing else depends on it. */
function alphaGrad(g: Tensor, y: Tensor, a: number, unscaled: () => Tensor): number {
  if (a !== 0) return native.quantDot(g.f32(), y.f32()) / a;
  const y0 = unscaled();
  const s = native.quantDot(g.f32(), y0.f32());
  y0.dispose();
  return s;
}

function unscaledOutput(xq: Tensor, tw: TernaryWeights, R: number): Tensor {
  const y0 = Tensor.empty([R, tw.quant.n]);
  gemm(false, true, R, tw.quant.n, tw.quant.k, xq.f32(), tw.dequantized.f32(), y0.f32());
  return y0;
}
