// The ternary quantizers of spec S1 (weights: BL-T, BL-R, BL-M, BL-H, BL-B158; activations: 8-bit
// per-token absmax and v6.1-C ternary) as plain functions over typed arrays. They are the oracle the
// native kernels and the PyTorch twin are checked against, so every epsilon, tie and rounding rule is
// spelled out here with its spec section. Autograd (the STE) lives in ternary_linear.ts.
import { ShapeError } from '../errors';
import { native } from '../native';

/** The weight quantizers of spec S1, by their spec names. */
export type WeightQuantizer = 'BL-T' | 'BL-R' | 'BL-M' | 'BL-H' | 'BL-B158';
export const WEIGHT_QUANTIZERS: readonly WeightQuantizer[] = ['BL-T', 'BL-R', 'BL-M', 'BL-H', 'BL-B158'];

/**
 * How an absmean scale guards against an all-zero tensor (S1): 'clamp' is s = max(mean|W|, eps)
 * (v5, BL-R), 'add' is s = mean|W| + eps (v4, v6.1-C, and §9's BL-B158 with eps 1e-5).
 */
export type EpsForm = 'clamp' | 'add';

export interface WeightQuantOptions {
  epsForm?: EpsForm;
  eps?: number;
}

/** Each quantizer's epsilon default, from the version that uses it (cited per line). */
export function defaultEps(q: WeightQuantizer): { epsForm: EpsForm; eps: number } {
  switch (q) {
    case 'BL-T': return { epsForm: 'add', eps: 1e-8 }; // S1: v4 and v6.1-C (v5 uses clamp 1e-5: pass it)
    case 'BL-R': return { epsForm: 'clamp', eps: 1e-5 }; // S1: s_r = max(mean_j|W_rj|, 1e-5)
    case 'BL-B158': return { epsForm: 'add', eps: 1e-5 }; // §9: W/(mean|W| + ε), ε → 1e-5
    default: return { epsForm: 'add', eps: 0 }; // BL-M, BL-H: thresholds, no scale, no epsilon
  }
}

/** Quantized weights: W_eff[r, j] = codes[r·k + j] · scale[r or 0]. Shapes: W is (n = out, k = in). */
export interface WeightQuant {
  readonly quantizer: WeightQuantizer;
  readonly n: number;
  readonly k: number;
  /** n·k codes in {-1, 0, 1}, row-major. */
  readonly codes: Int8Array;
  /** The dequantization multiplier: length 1 (per tensor) or n (BL-R, per row); 1 for BL-M / BL-H. */
  readonly scale: Float32Array;
  /** |W| above which a code is nonzero (length 1 or n); for absmean variants ≈ 0.5·divisor. */
  readonly threshold: Float32Array;
  /** BL-M only: the STE passes gradient where |W| < steClip (S1: 1.5α); otherwise undefined. */
  readonly steClip?: number;
}

const f = Math.fround;

/**
 * Round half to even, as torch.round and the native kernels do (2.5 → 2, −0.5 → −0, 1.5 → 2).
 *
 * @example roundHalfEven(2.5) // 2
 */
export function roundHalfEven(v: number): number {
  const fl = Math.floor(v);
  const d = v - fl;
  if (d > 0.5) return fl + 1;
  if (d < 0.5) return fl;
  return fl % 2 === 0 ? fl : fl + 1;
}

/**
 * clamp(round(W/s), −1, 1) for one row, with round half to even (S1). Half-even sends |W/s| = 0.5 to
 * 0 and 1.5 to 2 (clamped to 1), so this is exactly "±1 where |W/s| > 0.5" — the C code's rule
 * (§8.1 quantize_weights) agrees with torch.round on ties; only round-half-away would differ.
 * W/s is one correctly rounded f32 division, as PyTorch's `w / s` on f32 tensors.
 */
function absmeanRow(w: Float32Array, from: number, to: number, s: number, codes: Int8Array): void {
  for (let i = from; i < to; i++) {
    const q = f(w[i] / s);
    codes[i] = q > 0.5 ? 1 : q < -0.5 ? -1 : 0;
  }
}

function checkWeight(w: Float32Array, n: number, k: number, fn: string): void {
  if (!Number.isInteger(n) || !Number.isInteger(k) || n <= 0 || k <= 0) {
    throw new ShapeError(`${fn}: n and k must be positive integers, got ${n} and ${k}`);
  }
  if (w.length !== n * k) throw new ShapeError(`${fn}: weight must hold n·k = ${n * k} values, got ${w.length}`);
}

/**
 * The scalars of a quantization, from the per-row float64 sums of |W| (summed in row order, so the
 * TypeScript oracle and the native passes agree bit for bit): the divisor(s) W is divided by, the
 * dequantization scale(s), the code threshold(s), and the BL-M / BL-H thresholds.
 */
interface Plan {
  kind: 'absmean' | 'threshold';
  perRow: boolean;
  div: Float32Array;
  scale: Float32Array;
  threshold: Float32Array;
  steClip?: number;
}

function plan(
  quantizer: WeightQuantizer, rowSums: Float64Array, n: number, k: number, options: WeightQuantOptions,
  median: () => number,
): Plan {
  let total = 0;
  for (let r = 0; r < n; r++) total += rowSums[r];
  const mean = f(total / (n * k));
  const { epsForm, eps } = { ...defaultEps(quantizer), ...options };
  const guard = (m: number): number => f(epsForm === 'add' ? f(m + eps) : Math.max(m, f(eps)));
  const one = (v: number) => Float32Array.of(v);
  switch (quantizer) {
    case 'BL-T': { // S1: s = mean|W| + 1e-8 (v4, v6.1-C) or max(mean|W|, 1e-5) (v5); W_eff = Wq·s
      const s = guard(mean);
      return { kind: 'absmean', perRow: false, div: one(s), scale: one(s), threshold: one(s / 2) };
    }
    case 'BL-R': { // S1: as BL-T with s_r = max(mean_j|W_rj|, 1e-5) per output row
      const div = new Float32Array(n), threshold = new Float32Array(n);
      for (let r = 0; r < n; r++) {
        div[r] = guard(f(rowSums[r] / k));
        threshold[r] = div[r] / 2;
      }
      return { kind: 'absmean', perRow: true, div, scale: div, threshold };
    }
    case 'BL-B158': { // §9: W̃ = clamp(round(W/(mean|W| + ε))), output rescaled by mean|W| (no ε)
      const s = guard(mean);
      return { kind: 'absmean', perRow: false, div: one(s), scale: one(mean), threshold: one(s / 2) };
    }
    case 'BL-M': { // S1 (v6.1-PT): α = lower median of |W|; Wq = sign(W)·1[|W| > α], no scale
      const alpha = median();
      return { kind: 'threshold', perRow: false, div: one(1), scale: one(1), threshold: one(alpha), steClip: f(1.5 * alpha) };
    }
    case 'BL-H': // S1 (v3): Wq = sign(W)·1[|W| > mean|W|], no scale
      return { kind: 'threshold', perRow: false, div: one(1), scale: one(1), threshold: one(mean) };
    default:
      throw new TypeError(`quantizeWeights: quantizer must be one of ${WEIGHT_QUANTIZERS.join(', ')}, got ${String(quantizer)}`);
  }
}

function checkFinite(rowSums: Float64Array, w: Float32Array, quantizer: WeightQuantizer, fn: string): void {
  for (const v of rowSums) {
    // A float64 sum of finite f32 values cannot overflow, so this means a NaN or ±Inf weight.
    if (!Number.isFinite(v)) {
      throw new RangeError(`${fn}(${quantizer}): the weight holds NaN or Inf (first at index ${w.findIndex((x) => !Number.isFinite(x))})`);
    }
  }
}

function result(quantizer: WeightQuantizer, n: number, k: number, codes: Int8Array, p: Plan): WeightQuant {
  const q: WeightQuant = { quantizer, n, k, codes, scale: p.scale, threshold: p.threshold };
  return p.steClip === undefined ? q : { ...q, steClip: p.steClip };
}

/**
 * Quantizes a latent weight W (n = out, k = in, row-major) with one of spec S1's quantizers, on the
 * native quant kernels; `deq`, when given, receives W_eff = codes·scale in the same pass.
 *
 * @example
 * const q = quantizeWeights(w.f32(), 768, 256, 'BL-B158'); // q.codes, q.scale[0] = mean|W|
 */
export function quantizeWeights(
  w: Float32Array, n: number, k: number, quantizer: WeightQuantizer, options: WeightQuantOptions = {},
  deq: Float32Array | null = null,
): WeightQuant {
  checkWeight(w, n, k, `quantizeWeights(${quantizer})`);
  if (deq !== null && deq.length !== n * k) throw new ShapeError(`quantizeWeights: deq must hold n·k = ${n * k} values, got ${deq.length}`);
  const rowSums = new Float64Array(n);
  native.quantRowAbsSums(w, n, k, rowSums);
  checkFinite(rowSums, w, quantizer, 'quantizeWeights');
  const p = plan(quantizer, rowSums, n, k, options, () => native.quantLowerMedianAbs(w));
  const codes = new Int8Array(n * k);
  if (p.kind === 'absmean') native.quantAbsmeanCodes(w, n, k, p.div, p.scale, p.perRow, codes, deq);
  else native.quantThresholdCodes(w, p.threshold[0], codes, deq);
  return result(quantizer, n, k, codes, p);
}

/**
 * The same quantization in plain TypeScript: the oracle the native passes are tested against
 * (bit-identical codes and scales).
 */
export function quantizeWeightsRef(
  w: Float32Array, n: number, k: number, quantizer: WeightQuantizer, options: WeightQuantOptions = {},
): WeightQuant {
  checkWeight(w, n, k, `quantizeWeightsRef(${quantizer})`);
  const rowSums = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = r * k; j < (r + 1) * k; j++) s += Math.abs(w[j]);
    rowSums[r] = s;
  }
  checkFinite(rowSums, w, quantizer, 'quantizeWeightsRef');
  const p = plan(quantizer, rowSums, n, k, options, () => lowerMedianAbs(w));
  const codes = new Int8Array(n * k);
  if (p.kind === 'absmean') {
    for (let r = 0; r < n; r++) absmeanRow(w, r * k, (r + 1) * k, p.div[p.perRow ? r : 0], codes);
  } else {
    thresholdCodes(w, p.threshold[0], codes);
  }
  return result(quantizer, n, k, codes, p);
}

/** sign(W)·1[|W| > t]; −0 and values at the threshold give 0. */
function thresholdCodes(w: Float32Array, t: number, codes: Int8Array): void {
  for (let i = 0; i < w.length; i++) {
    const v = w[i];
    codes[i] = v > t ? 1 : v < -t ? -1 : 0;
  }
}

/**
 * The lower median of |x| (torch.median's convention: for an even count, the smaller of the two
 * middle values), by quickselect in O(n) on a copy.
 *
 * @example lowerMedianAbs(Float32Array.of(-4, 1, 3, 2)) // 2
 */
export function lowerMedianAbs(x: Float32Array): number {
  if (x.length === 0) throw new ShapeError('lowerMedianAbs: x is empty');
  const a = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) a[i] = Math.abs(x[i]);
  const target = (x.length - 1) >> 1;
  let lo = 0, hi = a.length - 1;
  while (lo < hi) {
    // Median-of-three pivot; Hoare partition.
    const mid = (lo + hi) >> 1;
    const pivot = median3(a[lo], a[mid], a[hi]);
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i]; a[i] = a[j]; a[j] = t;
        i++; j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}

function median3(a: number, b: number, c: number): number {
  return a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
}

/** 8-bit per-token activations (§9): x ≈ q[i, j]·scale[i]. */
export interface ActivationsI8 {
  readonly q: Int8Array;
  readonly scale: Float32Array;
}

/** Activation epsilon for all-zero rows; §9 leaves it unspecified, ours follows BitNet's clamp(min=1e-5). */
export const ACT_EPS = 1e-5;

/**
 * Per-token absmax int8 (§9): s_i = max(max_j|x_ij|, eps)/127 (f32), q = clamp(round(x/s_i), −128, 127)
 * with round half to even. Runs on the ternary family's SIMD quantizer (native.quantizeActivationsI8;
 * a NaN/Inf throws RangeError naming its index); quantizeActivationsI8Ref is the TypeScript oracle.
 *
 * @example const { q, scale } = quantizeActivationsI8(x.f32(), rows, k);
 */
export function quantizeActivationsI8(x: Float32Array, m: number, k: number, eps = ACT_EPS, out?: ActivationsI8): ActivationsI8 {
  const q = out?.q ?? new Int8Array(m * k), scale = out?.scale ?? new Float32Array(m);
  checkActivations(x, m, k, q, 'quantizeActivationsI8');
  if (scale.length !== m) throw new ShapeError(`quantizeActivationsI8: scale must hold m = ${m} values, got ${scale.length}`);
  native.quantizeActivationsI8(x, m, k, eps, q, scale);
  return { q, scale };
}

/** The TypeScript oracle of quantizeActivationsI8 (bit-identical). */
export function quantizeActivationsI8Ref(x: Float32Array, m: number, k: number, eps = ACT_EPS): ActivationsI8 {
  checkActivations(x, m, k, null, 'quantizeActivationsI8Ref');
  const q = new Int8Array(m * k), scale = new Float32Array(m);
  const e = f(eps);
  for (let i = 0; i < m; i++) {
    let mx = 0;
    for (let j = i * k; j < (i + 1) * k; j++) mx = Math.max(mx, Math.abs(x[j]));
    const s = f(Math.max(mx, e) / 127);
    scale[i] = s;
    for (let j = i * k; j < (i + 1) * k; j++) {
      const r = roundHalfEven(f(x[j] / s));
      q[j] = r > 127 ? 127 : r < -128 ? -128 : r;
    }
  }
  return { q, scale };
}

/** v6.1-C ternary activations: x ≈ codes·scale with one per-tensor scale. */
export interface ActivationsTernary {
  readonly codes: Int8Array;
  readonly scale: number;
}

/** The v6.1-C activation threshold factor (§8.1 requantize_f32: 0.6745·mean(abs(row))). */
export const TERNARY_ACT_FACTOR = 0.6745;

/**
 * Ternary activations (S1, §8 steps 2 and 5): per row, +1 where x > t_r, −1 where x < −t_r, else 0,
 * with t_r = 0.6745·mean_j|x_rj| (f32); the dequantization scale is mean|x| over all m·k entries.
 * Runs on the native quant kernels; quantizeActivationsTernaryRef is the TypeScript oracle.
 *
 * @example const { codes, scale } = quantizeActivationsTernary(n.f32(), rows, 192);
 */
export function quantizeActivationsTernary(x: Float32Array, m: number, k: number, codes: Int8Array = new Int8Array(m * k)): ActivationsTernary {
  checkActivations(x, m, k, codes, 'quantizeActivationsTernary');
  const rowSums = new Float64Array(m);
  native.quantTernaryActivations(x, m, k, codes, rowSums);
  return { codes, scale: tensorMean(rowSums, m * k) };
}

export function quantizeActivationsTernaryRef(x: Float32Array, m: number, k: number): ActivationsTernary {
  checkActivations(x, m, k, null, 'quantizeActivationsTernaryRef');
  const codes = new Int8Array(m * k), rowSums = new Float64Array(m);
  const factor = f(TERNARY_ACT_FACTOR);
  for (let i = 0; i < m; i++) {
    let s = 0;
    for (let j = i * k; j < (i + 1) * k; j++) s += Math.abs(x[j]);
    rowSums[i] = s;
    const t = f(factor * f(s / k));
    for (let j = i * k; j < (i + 1) * k; j++) codes[j] = x[j] > t ? 1 : x[j] < -t ? -1 : 0;
  }
  return { codes, scale: tensorMean(rowSums, m * k) };
}

/** fl32(Σ rowSums / count), summing the float64 row sums in row order (native and oracle alike). */
function tensorMean(rowSums: Float64Array, count: number): number {
  let total = 0;
  for (const v of rowSums) total += v;
  return count > 0 ? f(total / count) : 0;
}

function checkActivations(x: Float32Array, m: number, k: number, codes: Int8Array | null, fn: string): void {
  if (!Number.isInteger(m) || !Number.isInteger(k) || m < 0 || k <= 0) throw new ShapeError(`${fn}: m must be >= 0 and k > 0 integers, got ${m} and ${k}`);
  if (x.length !== m * k) throw new ShapeError(`${fn}: x must hold m·k = ${m * k} values, got ${x.length}`);
  if (codes !== null && codes.length !== m * k) throw new ShapeError(`${fn}: codes must hold m·k = ${m * k} values, got ${codes.length}`);
}

/** W_eff = codes·scale as f32 (n, k): the dequantized weights the f32 paths and the tests use. */
export function dequantizeWeights(q: WeightQuant, out: Float32Array = new Float32Array(q.n * q.k)): Float32Array {
  const { n, k, codes, scale } = q;
  for (let r = 0; r < n; r++) {
    const s = scale.length === 1 ? scale[0] : scale[r];
    for (let j = r * k; j < (r + 1) * k; j++) out[j] = codes[j] * s;
  }
  return out;
}
