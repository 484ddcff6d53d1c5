// flashlm.plot.activations: statistics of each block's output over one batch — mean, std, RMS, max |x|
// and the fraction of elements near zero — read with forward hooks (Module.registerForwardHook) during
// one no-grad forward, so it works for any model: the blocks are the items of the model's outermost
// ModuleList ('layers' in eclipse and v4), else its direct children (a bigram's embedding).
import { Module, ModuleList } from '../nn/module';
import { noGrad } from '../tensor/autograd';
import { tidy } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import { Figure, Trace } from './figure';
import { PALETTE } from './plot';
import { TokenDecoder, TokensLike, toTokenTensor } from './model_input';

export interface ActivationStats {
  /** Dotted module path ('layers.3'). */
  name: string;
  /** Elements summarised. */
  count: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  rms: number;
  absMax: number;
  /** Fraction of elements with |x| ≤ zeroTol. */
  fracNearZero: number;
}

export interface ActivationsOptions {
  /** Module paths to observe (default: the blocks, see above). */
  modules?: string[];
  /** |x| at or below this counts as near zero (default 1e-2). */
  zeroTol?: number;
  tokenizer?: TokenDecoder;
  title?: string;
}

/** The modules whose outputs are "the layers": the outermost ModuleList's items, else the direct children. */
export function blockModules(model: Module): [string, Module][] {
  const lists = model.namedModules().filter(([, m]) => m instanceof ModuleList);
  if (lists.length > 0) {
    const depth = (p: string) => (p === '' ? 0 : p.split('.').length);
    const top = Math.min(...lists.map(([p]) => depth(p)));
    return lists.filter(([p]) => depth(p) === top).flatMap(([p, l]) => l.namedChildren().map(([n, c]): [string, Module] => [p ? `${p}.${n}` : n, c]));
  }
  return model.namedChildren();
}

/** Statistics of one f32 array (sums in float64). */
export function activationStats(name: string, d: Float32Array, zeroTol: number): ActivationStats {
  let s = 0, s2 = 0, mx = 0, near = 0;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    s += v;
    s2 += v * v;
    const a = Math.abs(v);
    if (a > mx) mx = a;
    if (a <= zeroTol) near++;
  }
  const n = d.length;
  const mean = n ? s / n : NaN;
  return { name, count: n, mean, std: n ? Math.sqrt(Math.max(0, s2 / n - mean * mean)) : NaN, rms: n ? Math.sqrt(s2 / n) : NaN, absMax: mx, fracNearZero: n ? near / n : NaN };
}

/**
 * Runs `model` on `batch` once and returns each observed module's output statistics, in call order.
 *
 * @example flashlm.viz.collectActivations(model, batch).map((s) => s.rms)
 */
export function collectActivations(model: Module, batch: TokensLike, o: ActivationsOptions = {}): ActivationStats[] {
  if (!(model instanceof Module)) throw new TypeError(`plot.activations: model must be a Module, got ${model === null ? 'null' : typeof model}`);
  const forward = (model as unknown as { forward?: (t: unknown) => unknown }).forward;
  if (typeof forward !== 'function') throw new TypeError(`plot.activations: ${model.constructor.name} has no forward() method`);
  const zeroTol = o.zeroTol ?? 1e-2;
  if (!(zeroTol >= 0)) throw new RangeError(`plot.activations: zeroTol must be >= 0, got ${zeroTol}`);
  let targets: [string, Module][];
  if (o.modules) {
    const all = new Map(model.namedModules());
    targets = o.modules.map((p) => {
      const m = all.get(p);
      if (!m) throw new RangeError(`plot.activations: no module '${p}' (modules: ${[...all.keys()].filter(Boolean).slice(0, 20).join(', ')}…)`);
      return [p, m];
    });
  } else {
    targets = blockModules(model);
  }
  if (targets.length === 0) throw new RangeError(`plot.activations: ${model.constructor.name} has no child modules to observe; pass { modules: [...] }`);
  const x = toTokenTensor(batch, 'plot.activations', o.tokenizer);
  const stats: ActivationStats[] = [];
  const offs = targets.map(([path, m]) => m.registerForwardHook((_m, _in, out) => {
    // Read now: the output is freed when the forward's tidy scope ends.
    if (out instanceof Tensor && out.dtype === 'f32') stats.push(activationStats(path, out.f32(), zeroTol));
  }));
  try {
    noGrad(() => tidy(() => void forward.call(model, x)));
  } finally {
    for (const off of offs) off();
  }
  if (stats.length === 0) throw new RangeError(`plot.activations: none of ${targets.map(([p]) => p).join(', ')} produced an f32 tensor during forward`);
  return stats;
}

/**
 * Per-layer activation statistics of one batch: mean ± std band, RMS and max |x| (left) and the
 * fraction near zero (right).
 *
 * @example
 * flashlm.plot.activations(model, batch.x)
 */
export function activations(model: Module, batch: TokensLike, o: ActivationsOptions = {}): Figure {
  const stats = collectActivations(model, batch, o);
  const names = stats.map((s) => s.name || 'model');
  const x = names.map((_, i) => i);
  const line = (key: 'mean' | 'rms' | 'absMax', name: string, color: string, extra: Trace = {}): Trace => ({
    type: 'scatter', mode: 'lines+markers', name, x, y: stats.map((s) => s[key]), line: { color, width: 2 }, xaxis: 'x', yaxis: 'y', ...extra,
  });
  const data: Trace[] = [
    line('mean', 'mean (± std)', PALETTE[0], { error_y: { type: 'data', array: stats.map((s) => s.std), visible: true, thickness: 1 } }),
    line('rms', 'RMS', PALETTE[1]),
    line('absMax', 'max |x|', PALETTE[3], { line: { color: PALETTE[3], width: 2, dash: 'dot' } }),
    {
      type: 'bar', name: `|x| ≤ ${o.zeroTol ?? 1e-2}`, x, y: stats.map((s) => s.fracNearZero), marker: { color: PALETTE[7] }, xaxis: 'x2', yaxis: 'y2',
      hovertemplate: '%{y:.1%}<extra></extra>',
    },
  ];
  const ticks = { tickmode: 'array', tickvals: x, ticktext: names, automargin: true };
  return new Figure(data, {
    title: { text: o.title ?? `Activations per layer (${stats[0].count.toLocaleString('en')} values each)` },
    template: 'plotly_white', margin: { t: 60, r: 20 }, legend: { orientation: 'h', y: -0.25 },
    xaxis: { ...ticks, domain: [0, 0.62], title: { text: 'layer output' } },
    yaxis: { title: { text: 'value' } },
    xaxis2: { ...ticks, domain: [0.72, 1], anchor: 'y2', title: { text: 'layer output' } },
    yaxis2: { anchor: 'x2', range: [0, 1], tickformat: '.0%', title: { text: 'fraction near zero' } },
  });
}
