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
import { TernaryKernelApi, ternaryKernels } from './ternary_kernels';

/** How BitLinear treats its input: f32 as is, 8-bit per-token absmax (§9), or v6.1-C ternary (S1). */
export type ActivationQuant = 'none' | 'int8' | 'ternary';

/** Weights quantized for one optimizer step: codes, scales and the forms the kernels read. */
export interface TernaryWeights {
  readonly quant: WeightQuant;
  /** W_eff = codes·scale as an f32 (n, k) tensor: the f32 forward and the input-gradient GEMM read it. */
  readonly dequantized: Tensor;
  /** The codes packed for the native ternary kernels (null when they are not available). */
  readonly packed: Uint8Array | null;
  /** Codesᵀ (k, n) packed, built on first use (the opt-in int8 input gradient reads it). */
  packedTransposed(): Uint8Array | null;
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
  const K = ternaryKernels();
  const packed = K === null ? null : pack(K, quant.codes, n, k);
  let packedT: Uint8Array | null = null;
  return {
    quant, dequantized, packed,
    packedTransposed: () => {
      if (packedT === null && K !== null) {
        const t = new Int8Array(n * k);
        for (let o = 0; o < n; o++) for (let j = 0; j < k; j++) t[j * n + o] = quant.codes[o * k + j];
        packedT = pack(K, t, k, n);
      }
      return packedT;
    },
    dispose: () => dequantized.dispose(),
  };
}

function pack(K: TernaryKernelApi, codes: Int8Array, n: number, k: number): Uint8Array {
  const out = new Uint8Array(native.alloc(K.ternaryPackedBytes(n, k)));
  K.ternaryPack(codes, n, k, out);
  return out;
}

export interface TernaryLinearOptions {
  activations: ActivationQuant;
  /** BL-B158's learnable scalar α (shape [1]); null or absent for the other variants. */
  alpha?: Tensor | null;
  /** ε for all-zero activation rows in int8 mode: s_i = max(max|x_i|, ε)/127. */
  actEps?: number;
  /**
   * 'exact' (default): f32 gradients. 'int8-input-grad' (opt-in, reduced precision): the input
   * gradient is computed from g quantized to 8 bits per row (absmax, as the activations), through
   * the integer ternary kernel; the weight and α gradients stay exact.
   */
  backward?: BackwardMode;
  /** Names the caller in errors (default 'ternaryLinear'). */
  name?: string;
}

export type BackwardMode = 'exact' | 'int8-input-grad';

/** C(M×N) = op(A)·op(B), f32 GEMM on the native engine. */
function gemm(transA: boolean, transB: boolean, M: number, N: number, K: number, a: Float32Array, b: Float32Array, c: Float32Array): void {
  native.gemm(transA, transB, 1, M, N, K, a, 0, b, 0, c, 0);
}

function scaleInPlace(t: Float32Array, s: number): void {
  if (s !== 1) native.unaryForward('affine', t, t, s, 0);
}

/**
 * Whether the exact input gradient uses the native f32 × ternary kernel ('auto': ternary-aware or
 * GEMM by shape) instead of GEMM on the cached W_eff. Both are exact f32 (equal within rounding);
 * the native one measured as fast or faster at every bench shape here (AVX-512, 2 threads).
 */
let preferNativeBackwardInput = true;

/** Chooses the exact input-gradient path (see preferNativeBackwardInput); returns the old setting. */
export function setPreferNativeBackwardInput(on: boolean): boolean {
  const before = preferNativeBackwardInput;
  preferNativeBackwardInput = on;
  return before;
}

/** Q_x(x) as int8 codes with one scale per row (int8: per token; ternary: the per-tensor scale repeated). */
interface CodedActivations {
  q: Tensor; // i8 (R, k)
  scale: Tensor; // f32 (R)
}

function codeActivations(x: Tensor, R: number, k: number, mode: ActivationQuant, actEps: number): CodedActivations {
  const q = Tensor.empty([R, k], 'i8'), scale = Tensor.empty([R]);
  if (mode === 'int8') {
    quantizeActivationsI8(x.f32(), R, k, actEps, { q: q.data as Int8Array, scale: scale.f32() });
  } else {
    scale.f32().fill(quantizeActivationsTernary(x.f32(), R, k, q.data as Int8Array).scale);
  }
  return { q, scale };
}

/** (R, k) f32 = q·scale_i·factor: the dequantized activations the weight gradient multiplies. */
function dequantizeActivations(c: CodedActivations, R: number, k: number, factor: number): Tensor {
  let s = c.scale;
  if (factor !== 1) {
    s = Tensor.empty([R]);
    native.unaryForward('affine', c.scale.f32(), s.f32(), factor, 0);
  }
  const out = Tensor.empty([R, k]);
  native.quantDequantizeRowsI8(c.q.data as Int8Array, s.f32(), R, k, out.f32());
  if (s !== c.scale) s.dispose();
  return out;
}

/**
 * y (..., n) = Q_x(x)·W_effᵀ·α with STE gradients for x, the latent weight and α.
 * `x` is (..., k); `weight` is the latent (n, k) parameter that `tw` was prepared from.
 * The backward is exact f32 (GEMMs on the dequantized operands).
 *
 * @example const y = ternaryLinear(x, layer.weight, tw, { activations: 'int8', alpha });
 */
export function ternaryLinear(x: Tensor, weight: Tensor, tw: TernaryWeights, options: TernaryLinearOptions): Tensor {
  const name = options.name ?? 'ternaryLinear';
  const quant = tw.quant;
  const { n, k } = quant;
  if (x.dtype !== 'f32') throw new DTypeError(`${name}: x must be f32, got ${x.dtype}`);
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== k) {
    throw new ShapeError(`${name}: x must be (..., ${k}) (inFeatures = ${k}), got ${formatShape(x.shape)}`);
  }
  const mode = options.activations;
  if (options.backward !== undefined && options.backward !== 'exact' && options.backward !== 'int8-input-grad') {
    throw new TypeError(`${name}: backward must be 'exact' or 'int8-input-grad', got ${String(options.backward)}`);
  }
  if (mode !== 'none' && mode !== 'int8' && mode !== 'ternary') {
    throw new TypeError(`${name}: activations must be 'none', 'int8' or 'ternary', got ${String(mode)}`);
  }
  const alpha = options.alpha ?? null;
  if (alpha !== null && alpha.size !== 1) throw new ShapeError(`${name}: alpha must hold one value, got ${formatShape(alpha.shape)}`);
  const a = alpha === null ? 1 : alpha.f32()[0];
  const R = x.size / k;
  const y = Tensor.empty([...x.shape.slice(0, -1), n]);
  const wEff = tw.dequantized.f32();

  // Forward: the packed integer kernels when built in, else GEMM on W_eff (α folded into the
  // dequantized activations, one pass over R·k instead of R·n).
  const K = tw.packed !== null ? ternaryKernels() : null;
  let coded: CodedActivations | null = null;
  let xqAlpha: Tensor | null = null; // Q_x(x)·α for the weight gradient (built lazily with the kernels)
  if (mode === 'none') {
    if (K !== null) K.f32TernaryLinear(x.f32(), R, tw.packed!, n, k, quant.scale, y.f32());
    else gemm(false, true, R, n, k, x.f32(), wEff, y.f32()); // (R, k)·(n, k)ᵀ
    scaleInPlace(y.f32(), a);
  } else {
    coded = codeActivations(x, R, k, mode, options.actEps ?? ACT_EPS);
    if (K !== null) {
      K.i8TernaryLinear(coded.q.data as Int8Array, coded.scale.f32(), R, tw.packed!, n, k, quant.scale, a, y.f32());
    } else {
      xqAlpha = dequantizeActivations(coded, R, k, a);
      gemm(false, true, R, n, k, xqAlpha.f32(), wEff, y.f32());
    }
  }

  const inputs = alpha === null ? [x, weight] : [x, weight, alpha];
  const out = record(y, inputs, (g) => {
    let gx: Tensor | null = null, gw: Tensor | null = null, ga: Tensor | null = null;
    const packedT = options.backward === 'int8-input-grad' && K !== null && quant.scale.length === 1 ? tw.packedTransposed() : null;
    if (needsGrad(x) && options.backward === 'int8-input-grad') {
      // Opt-in: dx ≈ Q8(g)·(α·W_eff), with g quantized per row like the activations.
      const cg = codeActivations(g, R, n, 'int8', ACT_EPS);
      gx = Tensor.empty(x.shape);
      if (K !== null && packedT !== null) {
        K.i8TernaryLinear(cg.q.data as Int8Array, cg.scale.f32(), R, packedT, k, n, quant.scale, a, gx.f32());
      } else {
        const gq = dequantizeActivations(cg, R, n, a);
        gemm(false, false, R, k, n, gq.f32(), wEff, gx.f32());
        gq.dispose();
      }
      cg.q.dispose();
      cg.scale.dispose();
    } else if (needsGrad(x)) {
      gx = Tensor.empty(x.shape); // STE through Q_x: dx = g·(α·W_eff)
      if (K !== null && preferNativeBackwardInput) {
        K.ternaryLinearBackwardInput(g.f32(), R, tw.packed!, n, k, quant.scale, a, gx.f32());
      } else if (a === 1) {
        gemm(false, false, R, k, n, g.f32(), wEff, gx.f32());
      } else {
        const wa = Tensor.empty([n, k]);
        native.unaryForward('affine', wEff, wa.f32(), a, 0);
        gemm(false, false, R, k, n, g.f32(), wa.f32(), gx.f32());
        wa.dispose();
      }
    }
    if (needsGrad(weight)) {
      gw = Tensor.empty(weight.shape); // STE through Q_W: dW = gᵀ·(α·Q_x(x))
      if (coded !== null) {
        if (xqAlpha === null) xqAlpha = dequantizeActivations(coded, R, k, a);
        gemm(true, false, n, k, R, g.f32(), xqAlpha.f32(), gw.f32());
      } else {
        gemm(true, false, n, k, R, g.f32(), x.f32(), gw.f32());
        scaleInPlace(gw.f32(), a);
      }
      if (quant.steClip !== undefined) native.quantSteClip(gw.f32(), weight.f32(), quant.steClip); // S1: BL-M
    }
    if (alpha !== null && needsGrad(alpha)) {
      // dL/dα = Σ g ⊙ y/α: y is linear in α and the detached scales do not depend on it.
      let s: number;
      if (a !== 0) {
        s = native.quantDot(g.f32(), y.f32()) / a;
      } else {
        const xq = coded !== null ? dequantizeActivations(coded, R, k, 1) : x;
        const y0 = Tensor.empty([R, n]);
        gemm(false, true, R, n, k, xq.f32(), wEff, y0.f32());
        s = native.quantDot(g.f32(), y0.f32());
        y0.dispose();
        if (xq !== x) xq.dispose();
      }
      ga = Tensor.from([s], alpha.shape);
    }
    return alpha === null ? [gx, gw] : [gx, gw, ga];
  }, name);
  if (out.gradFn === null) {
    // Nothing recorded (noGrad, or no input needs a gradient): free the coded activations now.
    for (const t of [coded?.q, coded?.scale, xqAlpha]) t?.dispose();
  }
  return out;
}
