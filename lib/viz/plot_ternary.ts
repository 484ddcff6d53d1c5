// flashlm.plot.ternary: how a model's BitLinear layers quantize. Left: per-layer stacked fractions of
// −1 / 0 / +1 codes; right: the latent-weight histogram with the ±threshold lines the quantizer uses
// (from Module.quantStats, so the figure shows exactly what a forward does).
import type { LayerQuantStats } from '../nn/quant_stats';
import { Module } from '../nn/module';
import { Figure, Trace } from './figure';
import { PALETTE } from './plot';

export interface TernaryOptions {
  /** Histogram bins over [−max|W|, max|W|] (default 64). */
  bins?: number;
  /** Only this layer in the histogram: its parameter path or its index in quantStats() order (default all). */
  layer?: string | number;
  title?: string;
}

const CODE_COLORS = { neg: '#d62728', zero: '#bbbbbb', pos: '#1f77b4' };

const label = (s: LayerQuantStats) => s.name || 'layer';

function selectLayers(stats: LayerQuantStats[], layer: string | number | undefined): LayerQuantStats[] {
  if (layer === undefined) return stats;
  const names = stats.map(label).join(', ');
  if (typeof layer === 'number') {
    if (!Number.isInteger(layer) || layer < 0 || layer >= stats.length) throw new RangeError(`plot.ternary: layer index ${layer} out of range [0, ${stats.length}) (layers: ${names})`);
    return [stats[layer]];
  }
  const hit = stats.find((s) => s.name === layer || label(s) === layer);
  if (!hit) throw new RangeError(`plot.ternary: no BitLinear layer named '${layer}' (layers: ${names})`);
  return [hit];
}

/**
 * Per-layer −1 / 0 / +1 fractions (stacked bars) and the latent-weight histogram with the quantization
 * thresholds (±threshold; BL-R draws its mean over rows) as vertical lines.
 *
 * @example
 * flashlm.plot.ternary(model, { bins: 80, layer: 'blocks.0.ffn.up' })
 */
export function ternary(modelOrLayer: Module, o: TernaryOptions = {}): Figure {
  if (!(modelOrLayer instanceof Module)) throw new TypeError(`plot.ternary: expected a Module (a model or a BitLinear layer), got ${modelOrLayer === null ? 'null' : typeof modelOrLayer}`);
  const stats = modelOrLayer.quantStats(o.bins ?? 64);
  if (stats.length === 0) {
    throw new RangeError(`plot.ternary: ${modelOrLayer.constructor.name} has no BitLinear layers (nothing is ternary); build the model with BitLinear projections`);
  }
  const names = stats.map(label);
  const pct = (v: number) => (100 * v).toFixed(1) + '%';
  const bar = (key: 'fracNeg' | 'fracZero' | 'fracPos', name: string, color: string): Trace => ({
    type: 'bar', name, x: names, y: stats.map((s) => s[key]), marker: { color }, xaxis: 'x', yaxis: 'y',
    legendgroup: 'codes', hovertemplate: `%{x}<br>${name}: %{y:.1%}<extra></extra>`, text: stats.map((s) => pct(s[key])),
    textposition: 'none',
  });
  const data: Trace[] = [bar('fracNeg', '−1', CODE_COLORS.neg), bar('fracZero', '0', CODE_COLORS.zero), bar('fracPos', '+1', CODE_COLORS.pos)];
  const shown = selectLayers(stats, o.layer);
  const shapes: Record<string, unknown>[] = [];
  shown.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const { edges, counts } = s.histogram;
    const total = counts.reduce((a, c) => a + c, 0);
    data.push({
      type: 'scatter', mode: 'lines', name: `${label(s)} (${s.quantizer})`, xaxis: 'x2', yaxis: 'y2',
      x: counts.map((_, b) => (edges[b] + edges[b + 1]) / 2), y: counts.map((c) => c / total),
      line: { color, shape: 'hvh', width: 1.5 }, fill: 'tozeroy', opacity: 0.6, legendgroup: 'hist',
    });
    for (const t of [-s.threshold, s.threshold]) {
      shapes.push({ type: 'line', xref: 'x2', yref: 'paper', x0: t, x1: t, y0: 0, y1: 1, line: { color, dash: 'dash', width: 1.5 } });
    }
  });
  const one = shown.length === 1 ? ` — ${label(shown[0])}, ±${shown[0].threshold.toPrecision(3)}` : '';
  return new Figure(data, {
    title: { text: o.title ?? 'Ternary weights' },
    barmode: 'stack', template: 'plotly_white', shapes, margin: { t: 60, r: 20 },
    // The threshold note above the histogram: as part of the axis title, a long layer name ran past the
    // half-width axis (cut at the figure's edge, or over the bars' rotated labels).
    annotations: [{
      text: `dashed: ±threshold${one}`, xref: 'x2 domain', yref: 'y2 domain', x: 0.5, y: 1.02, xanchor: 'center', yanchor: 'bottom',
      showarrow: false, font: { size: 11 },
    }],
    // Below everything, whatever the tick labels' height: the bottom of the figure, not of the plot area.
    legend: { orientation: 'h', yref: 'container', y: 0, yanchor: 'bottom' },
    xaxis: { domain: [0, 0.42], title: { text: 'layer' }, automargin: true },
    yaxis: { domain: [0, 1], range: [0, 1], tickformat: '.0%', title: { text: 'fraction of codes' } },
    xaxis2: { domain: [0.55, 1], anchor: 'y2', title: { text: 'latent weight' } },
    yaxis2: { domain: [0, 1], anchor: 'x2', title: { text: 'fraction of weights' } },
  });
}
