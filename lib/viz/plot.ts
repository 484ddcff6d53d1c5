// Figures from training metrics (lib/io/arrow-metrics): loss/ppl/bits curves, LR, throughput, ablation
// comparisons. A "run" here is anything that yields a metrics table: a run folder or metrics.arrow path, a
// readMetrics() result, an Arrow Table, or an object with `metrics()` (the training Run implements that) and an
// optional `name`. Several runs overlay with one colour each: train solid, eval dashed with markers.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Table } from 'apache-arrow';

import { MetricsReadResult, readMetrics } from '../io/arrow-metrics';
import { Figure, Trace } from './figure';

/** Something that can hand over its metrics table; `lib/train`'s Run implements this. */
export interface MetricsSource { readonly name?: string; metrics(): MetricsReadResult | Table }
export type RunLike = string | MetricsReadResult | Table | MetricsSource;

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

interface Series { x: number[]; y: number[] }
interface RunTable { name: string; table: Table }

function isTable(v: unknown): v is Table {
  return v instanceof Table || (!!v && typeof v === 'object' && typeof (v as Table).getChild === 'function' && 'schema' in (v as object));
}

/** Resolves a RunLike to its table and display name. */
export function loadRun(run: RunLike, i = 0, fn = 'plot'): RunTable {
  if (typeof run === 'string') {
    const file = fs.existsSync(run) && fs.statSync(run).isDirectory() ? path.join(run, 'metrics.arrow') : run;
    if (!fs.existsSync(file)) throw new RangeError(`${fn}: '${run}' has no metrics file (expected ${file})`);
    const name = path.basename(file) === 'metrics.arrow' ? path.basename(path.dirname(path.resolve(file))) : path.basename(file);
    return { name, table: readMetrics(file).table };
  }
  if (isTable(run)) return { name: run.schema.metadata.get('name') ?? `run ${i + 1}`, table: run };
  if (run && typeof run === 'object' && 'table' in run && isTable((run as MetricsReadResult).table)) {
    const t = (run as MetricsReadResult).table;
    return { name: t.schema.metadata.get('name') ?? `run ${i + 1}`, table: t };
  }
  if (run && typeof (run as MetricsSource).metrics === 'function') {
    const src = run as MetricsSource;
    const m = src.metrics();
    const table = isTable(m) ? m : m.table;
    return { name: src.name ?? table.schema.metadata.get('name') ?? `run ${i + 1}`, table };
  }
  throw new TypeError(`${fn}: expected a run folder or metrics.arrow path, a readMetrics() result, an Arrow Table or an object with metrics(); got ${typeof run}`);
}

function toRuns(runOrRuns: RunLike | RunLike[], fn: string): RunTable[] {
  const list = Array.isArray(runOrRuns) ? runOrRuns : [runOrRuns];
  if (list.length === 0) throw new RangeError(`${fn}: no runs given`);
  return list.map((r, i) => loadRun(r, i, fn));
}

/** Rows of `kind` ('train' | 'eval') where column `y` is a finite number, against column `x`. */
export function series(t: Table, kind: 'train' | 'eval', x: string, y: string): Series {
  const k = t.getChild('kind');
  const xs = t.getChild(x);
  const ys = t.getChild(y);
  const out: Series = { x: [], y: [] };
  if (!xs || !ys) return out;
  for (let i = 0; i < t.numRows; i++) {
    if (k && k.get(i) !== kind) continue;
    const yv = ys.get(i) as number | null;
    const xv = xs.get(i) as number | null;
    if (yv === null || xv === null || !Number.isFinite(yv) || !Number.isFinite(xv)) continue;
    out.x.push(Number(xv));
    out.y.push(Number(yv));
  }
  return out;
}

/** Exponential moving average with TensorBoard's debiasing (0 = none, 0.99 = heavy). */
export function smoothEMA(y: number[], alpha: number): number[] {
  if (!(alpha >= 0 && alpha < 1)) throw new RangeError(`plot: smooth must be in [0, 1), got ${alpha}`);
  if (alpha === 0) return y.slice();
  let m = 0;
  return y.map((v, i) => {
    m = alpha * m + (1 - alpha) * v;
    return m / (1 - Math.pow(alpha, i + 1));
  });
}

const X_COLUMN = { step: 'step', tokens: 'tokens', time: 'elapsed_s' } as const;
const X_TITLE = { step: 'step', tokens: 'tokens', time: 'time (s)' } as const;
const Y_TITLE = { loss: 'loss (nats/token)', ppl: 'perplexity', bits: 'bits per token' } as const;

export interface LossOptions {
  x?: keyof typeof X_COLUMN; y?: keyof typeof Y_TITLE; smooth?: number; title?: string; eval?: boolean;
  /** At most this many points per train curve, as bucket means (the live view's redraws use 1000; default all). */
  maxPoints?: number;
}

/**
 * Averages consecutive points into at most `max` buckets (x and y alike), so a long curve draws fast; the
 * shape survives, the step-to-step noise is averaged away.
 */
export function downsample(s: Series, max: number): Series {
  const n = s.x.length;
  if (n <= max) return s;
  const out: Series = { x: [], y: [] };
  for (let b = 0; b < max; b++) {
    const lo = Math.floor((b * n) / max), hi = Math.floor(((b + 1) * n) / max);
    let sx = 0, sy = 0;
    for (let i = lo; i < hi; i++) { sx += s.x[i]; sy += s.y[i]; }
    out.x.push(sx / (hi - lo));
    out.y.push(sy / (hi - lo));
  }
  return out;
}

/**
 * Train (and eval) curves of one or several runs.
 *
 * @example
 * flashlm.plot.loss(['runs/a', 'runs/b'], { x: 'tokens', y: 'bits', smooth: 0.9 })
 */
export function loss(runOrRuns: RunLike | RunLike[], o: LossOptions = {}): Figure {
  const xk = o.x ?? 'step';
  const yk = o.y ?? 'loss';
  if (!(xk in X_COLUMN)) throw new RangeError(`plot.loss: x must be 'step', 'tokens' or 'time', got ${JSON.stringify(xk)}`);
  if (!(yk in Y_TITLE)) throw new RangeError(`plot.loss: y must be 'loss', 'ppl' or 'bits', got ${JSON.stringify(yk)}`);
  if (o.maxPoints !== undefined && !(Number.isInteger(o.maxPoints) && o.maxPoints >= 2)) throw new RangeError(`plot.loss: maxPoints must be an integer >= 2, got ${o.maxPoints}`);
  const smooth = o.smooth ?? 0;
  smoothEMA([], smooth); // validates
  const conv = yk === 'loss' ? (v: number) => v : yk === 'ppl' ? Math.exp : (v: number) => v / Math.LN2;
  const evalCol = yk === 'loss' ? 'eval_loss' : yk === 'ppl' ? 'eval_ppl' : 'eval_bits_per_token';
  const runs = toRuns(runOrRuns, 'plot.loss');
  const data: Trace[] = [];
  runs.forEach((r, i) => {
    const color = PALETTE[i % PALETTE.length];
    const all = series(r.table, 'train', X_COLUMN[xk], 'loss');
    const tr = o.maxPoints === undefined ? all : downsample(all, o.maxPoints);
    const y = tr.y.map(conv);
    if (smooth > 0 && y.length) {
      data.push({ type: 'scatter', mode: 'lines', name: `${r.name} train (raw)`, x: tr.x, y, line: { color, width: 1 }, opacity: 0.25, showlegend: false, hoverinfo: 'skip' });
    }
    if (y.length) data.push({ type: 'scatter', mode: 'lines', name: `${r.name} train`, x: tr.x, y: smoothEMA(y, smooth), line: { color, width: 2 } });
    if (o.eval !== false) {
      const ev = series(r.table, 'eval', X_COLUMN[xk], evalCol);
      if (ev.y.length) data.push({ type: 'scatter', mode: 'lines+markers', name: `${r.name} eval`, x: ev.x, y: ev.y, line: { color, dash: 'dash', width: 2 }, marker: { size: 6 } });
    }
  });
  return new Figure(data, {
    title: { text: o.title ?? (yk === 'loss' ? 'Loss' : yk === 'ppl' ? 'Perplexity' : 'Bits per token') },
    xaxis: { title: { text: X_TITLE[xk] } },
    yaxis: { title: { text: Y_TITLE[yk] }, type: yk === 'ppl' ? 'log' : 'linear' },
    template: 'plotly_white', legend: { orientation: 'h', y: -0.2 }, margin: { t: 50, r: 20 },
  });
}

function singleColumn(runOrRuns: RunLike | RunLike[], fn: string, column: string, title: string, yTitle: string, x: keyof typeof X_COLUMN): Figure {
  const runs = toRuns(runOrRuns, fn);
  const data: Trace[] = runs.map((r, i) => {
    const s = series(r.table, 'train', X_COLUMN[x], column);
    return { type: 'scatter', mode: 'lines', name: r.name, x: s.x, y: s.y, line: { color: PALETTE[i % PALETTE.length], width: 2 } };
  });
  return new Figure(data, {
    title: { text: title }, xaxis: { title: { text: X_TITLE[x] } }, yaxis: { title: { text: yTitle } },
    template: 'plotly_white', showlegend: runs.length > 1, margin: { t: 50, r: 20 },
  });
}

/** The learning-rate schedule as logged. @example flashlm.plot.lr('runs/a') */
export function lr(runOrRuns: RunLike | RunLike[], o: { x?: keyof typeof X_COLUMN } = {}): Figure {
  return singleColumn(runOrRuns, 'plot.lr', 'lr', 'Learning rate', 'lr', o.x ?? 'step');
}

/** Training throughput (tokens/s). @example flashlm.plot.throughput('runs/a') */
export function throughput(runOrRuns: RunLike | RunLike[], o: { x?: keyof typeof X_COLUMN } = {}): Figure {
  return singleColumn(runOrRuns, 'plot.throughput', 'tokens_per_s', 'Throughput', 'tokens / s', o.x ?? 'step');
}

/**
 * Compares runs on one metric: 'bar' (default) shows each run's final value (last logged; eval_* columns use
 * the last evaluation), 'line' overlays the metric against `x`.
 *
 * @example
 * flashlm.plot.compare(['runs/base', 'runs/moe'], 'eval_bits_per_byte')
 */
export function compare(runs: RunLike[], metric: string, o: { kind?: 'bar' | 'line'; x?: keyof typeof X_COLUMN; title?: string } = {}): Figure {
  const rs = toRuns(runs, 'plot.compare');
  const kind = metric.startsWith('eval_') ? 'eval' : 'train';
  for (const r of rs) {
    if (!r.table.getChild(metric)) throw new RangeError(`plot.compare: run '${r.name}' has no column '${metric}' (columns: ${r.table.schema.fields.map((f) => f.name).join(', ')})`);
  }
  const style = o.kind ?? 'bar';
  if (style === 'line') {
    const x = o.x ?? 'step';
    const data: Trace[] = rs.map((r, i) => {
      const s = series(r.table, kind, X_COLUMN[x], metric);
      return { type: 'scatter', mode: kind === 'eval' ? 'lines+markers' : 'lines', name: r.name, x: s.x, y: s.y, line: { color: PALETTE[i % PALETTE.length] } };
    });
    return new Figure(data, { title: { text: o.title ?? metric }, xaxis: { title: { text: X_TITLE[x] } }, yaxis: { title: { text: metric } }, template: 'plotly_white' });
  }
  if (style !== 'bar') throw new RangeError(`plot.compare: kind must be 'bar' or 'line', got ${JSON.stringify(style)}`);
  const finals = rs.map((r) => {
    const s = series(r.table, kind, 'step', metric);
    return s.y.length ? s.y[s.y.length - 1] : null;
  });
  const data: Trace[] = [{
    type: 'bar', x: rs.map((r) => r.name), y: finals, marker: { color: rs.map((_, i) => PALETTE[i % PALETTE.length]) },
    text: finals.map((v) => (v === null ? 'n/a' : v.toPrecision(4))), textposition: 'auto',
  }];
  return new Figure(data, { title: { text: o.title ?? `${metric} (final)` }, yaxis: { title: { text: metric } }, template: 'plotly_white', margin: { t: 50, r: 20 } });
}
