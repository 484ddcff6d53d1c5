// Per-layer ternary statistics (issue 3, for the figures of issue 6): the fractions of −1 / 0 / +1
// codes, the scale, the threshold and a histogram of the latent weights. Computed from the same
// quantization a forward uses; Module.quantStats() collects them over a model by parameter path.
import type { WeightQuant, WeightQuantizer } from '../ops/quant';

/** A min / mean / max summary of a per-row quantity (BL-R's scales and thresholds). */
export interface RowSummary {
  min: number;
  mean: number;
  max: number;
}

export interface LayerQuantStats {
  /** The layer's dotted path in the model ('' for the module quantStats() was called on). */
  name: string;
  quantizer: WeightQuantizer;
  /** (out, in) of the weight. */
  shape: [number, number];
  fracNeg: number;
  fracZero: number;
  fracPos: number;
  /** The dequantization scale (per tensor; the mean over rows for BL-R; 1 for BL-M / BL-H). */
  scale: number;
  /** |W| above which a code is nonzero (per tensor; the mean over rows for BL-R). */
  threshold: number;
  /** BL-R only: the per-row spread of scale and threshold. */
  perRow?: { scale: RowSummary; threshold: RowSummary };
  /** BL-B158 only: the learnable α. */
  alpha?: number;
  /** Latent-weight histogram: `bins` equal bins over [−max|W|, max|W|]; edges has bins + 1 values. */
  histogram: { edges: number[]; counts: number[] };
}

/** Anything whose statistics Module.quantStats() collects (BitLinear implements it). */
export interface QuantStatsSource {
  layerQuantStats(name: string, bins?: number): LayerQuantStats;
}

export function isQuantStatsSource(m: object): m is QuantStatsSource {
  return typeof (m as Partial<QuantStatsSource>).layerQuantStats === 'function';
}

function summary(v: Float32Array): RowSummary {
  let min = Infinity, max = -Infinity, s = 0;
  for (const x of v) {
    min = Math.min(min, x);
    max = Math.max(max, x);
    s += x;
  }
  return { min, mean: s / v.length, max };
}

/** Statistics of latent weight `w` quantized as `q`. */
export function computeQuantStats(name: string, w: Float32Array, q: WeightQuant, bins = 64, alpha?: number): LayerQuantStats {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`quantStats: bins must be a positive integer, got ${bins}`);
  let neg = 0, pos = 0, maxAbs = 0;
  for (let i = 0; i < q.codes.length; i++) {
    const c = q.codes[i];
    if (c < 0) neg++;
    else if (c > 0) pos++;
    maxAbs = Math.max(maxAbs, Math.abs(w[i]));
  }
  const total = q.codes.length;
  // An all-zero weight still gets a usable range (one bin holds everything).
  const half = maxAbs > 0 ? maxAbs : 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => -half + (2 * half * i) / bins);
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < w.length; i++) {
    const b = Math.floor(((w[i] + half) / (2 * half)) * bins);
    counts[Math.min(bins - 1, Math.max(0, b))]++; // +max|W| falls in the last bin
  }
  const perRowScale = q.scale.length > 1;
  const stats: LayerQuantStats = {
    name,
    quantizer: q.quantizer,
    shape: [q.n, q.k],
    fracNeg: neg / total,
    fracZero: (total - neg - pos) / total,
    fracPos: pos / total,
    scale: perRowScale ? summary(q.scale).mean : q.scale[0],
    threshold: q.threshold.length > 1 ? summary(q.threshold).mean : q.threshold[0],
    histogram: { edges, counts },
  };
  if (perRowScale) stats.perRow = { scale: summary(q.scale), threshold: summary(q.threshold) };
  if (alpha !== undefined) stats.alpha = alpha;
  return stats;
}
