// flashlm.plot.routing: where a mixture-of-experts model sends its tokens. Left: token × expert heatmap
// of one router's probabilities (softmax before top-k) with the hard choices marked, one router at a
// time behind a layer selector; right: layer × expert load, the fraction of all tokens whose top-k set
// holds each expert (a row sums to k; balanced is k/E). Works for any model whose modules implement
// RoutingSource (lib/nn/moe.ts), read through recordRouting during one no-grad forward.
import { Module } from '../nn/module';
import { RoutingRecord, findRouters, recordRouting } from '../nn/moe';
import { Figure, Trace } from './figure';
import { TokenDecoder, TokensLike, checkBatchIndex, toTokenTensor, tokenAxis, tokenLabels } from './model_input';

export interface RoutingOptions {
  /** Which sequence of the batch the heatmap shows (default 0); the load counts every sequence. */
  batch?: number;
  /** The router shown first: its index in forward order or its module path (default 0). */
  layer?: number | string;
  /** Decodes ids into axis labels (and encodes text input). */
  tokenizer?: TokenDecoder;
  title?: string;
}

/** The label of each record: its module path, with the call number when a router ran more than once. */
function labels(recs: RoutingRecord[]): string[] {
  const seen = new Map<string, number>();
  return recs.map((r) => {
    const n = (seen.get(r.path) ?? 0) + 1;
    seen.set(r.path, n);
    const many = recs.filter((q) => q.path === r.path).length > 1;
    return (r.path || 'model') + (many ? ` (call ${n})` : '');
  });
}

/** Fraction of tokens whose top-k set contains each expert. */
export function routingLoad(r: RoutingRecord): number[] {
  const N = r.experts.length / r.topK;
  const counts = new Array<number>(r.numExperts).fill(0);
  for (const e of r.experts) counts[e]++;
  return counts.map((c) => c / N);
}

/**
 * Token × expert router probabilities per layer (a layer selector switches them) and the layer × expert
 * load of hard-routed tokens.
 *
 * @example
 * flashlm.plot.routing(model, tokens, { tokenizer, layer: 'layers.2.moe' })
 */
export function routing(model: Module, tokens: TokensLike, o: RoutingOptions = {}): Figure {
  if (!(model instanceof Module)) throw new TypeError(`plot.routing: model must be a Module, got ${model === null ? 'null' : typeof model}`);
  const routers = findRouters(model);
  if (routers.length === 0) {
    throw new RangeError(`plot.routing: ${model.constructor.name} has no routers (no module implements RoutingSource, e.g. flashlm.MoE); routing needs a mixture-of-experts model`);
  }
  const forward = (model as unknown as { forward?: (t: unknown) => unknown }).forward;
  if (typeof forward !== 'function') throw new TypeError(`plot.routing: ${model.constructor.name} has no forward() method`);
  const x = toTokenTensor(tokens, 'plot.routing', o.tokenizer);
  const b = o.batch ?? 0;
  checkBatchIndex(b, x, 'plot.routing');
  const recs = recordRouting(model, () => forward.call(model, x));
  if (recs.length === 0) throw new RangeError(`plot.routing: the forward pass ran none of the routers (${routers.map(([p]) => p).join(', ')})`);
  const names = labels(recs);
  const first = typeof o.layer === 'string' ? names.findIndex((n, i) => n === o.layer || recs[i].path === o.layer) : (o.layer ?? 0);
  if (!Number.isInteger(first) || first < 0 || first >= recs.length) {
    throw new RangeError(`plot.routing: layer must be a router index in [0, ${recs.length}) or one of ${names.join(', ')}; got ${JSON.stringify(o.layer)}`);
  }

  const tokenText = tokenLabels(x, b, o.tokenizer);
  const T = x.shape[1];
  const data: Trace[] = [];
  recs.forEach((r, i) => {
    const E = r.numExperts;
    const rowOffset = b * T; // rows of sequence b in the (N, E) record ([B, T] leading shape)
    const z = Array.from({ length: E }, (_, e) => Array.from({ length: T }, (_, t) => r.probs[(rowOffset + t) * E + e]));
    const visible = i === first;
    data.push({
      type: 'heatmap', name: names[i], meta: { router: names[i] }, z, x: tokenText.map((_, t) => t), y: Array.from({ length: E }, (_, e) => e),
      zmin: 0, zmax: 1, colorscale: 'Viridis', colorbar: { title: { text: 'p' }, x: 0.47, len: 0.9, thickness: 12 }, visible, xaxis: 'x', yaxis: 'y',
      customdata: z.map((row) => row.map((_, t) => tokenText[t])),
      hovertemplate: `${names[i]}<br>token %{x} %{customdata}<br>expert %{y}: p = %{z:.3f}<extra></extra>`,
    });
    const cx: number[] = [], cy: number[] = [];
    for (let t = 0; t < T; t++) for (let j = 0; j < r.topK; j++) { cx.push(t); cy.push(r.experts[(rowOffset + t) * r.topK + j]); }
    data.push({
      type: 'scatter', mode: 'markers', name: `top-${r.topK} choice`, x: cx, y: cy, visible, xaxis: 'x', yaxis: 'y', showlegend: false,
      marker: { symbol: 'x-thin-open', size: 8, color: 'white', line: { width: 2, color: 'white' } }, hoverinfo: 'skip',
    });
  });
  const maxE = Math.max(...recs.map((r) => r.numExperts));
  const load = recs.map((r) => { const l = routingLoad(r); return Array.from({ length: maxE }, (_, e) => (e < l.length ? l[e] : null)); });
  data.push({
    type: 'heatmap', name: 'load', z: load, x: Array.from({ length: maxE }, (_, e) => e), y: names.map((_, i) => i),
    colorscale: 'Blues', reversescale: true, zmin: 0, zmax: 1, colorbar: { title: { text: 'load' }, x: 1.0, len: 0.9, thickness: 12 }, xaxis: 'x2', yaxis: 'y2',
    hovertemplate: '%{text}<br>expert %{x}: %{z:.1%} of tokens<extra></extra>', text: load.map((row, i) => row.map(() => names[i])),
  });
  const buttons = recs.map((_, i) => ({
    label: names[i], method: 'restyle',
    args: [{ visible: [...recs.flatMap((__, j) => [i === j, i === j]), true] }],
  }));
  const kE = recs.map((r) => `${r.topK}/${r.numExperts}`).filter((v, i, a) => a.indexOf(v) === i).join(', ');
  return new Figure(data, {
    title: { text: o.title ?? 'Routing: router probabilities (×: top-k choice) and expert load', x: 0.02, xanchor: 'left' },
    template: 'plotly_white', margin: { t: 90, r: 60 },
    xaxis: { ...tokenAxis(tokenText, `token (sequence ${b})`), domain: [0, 0.44] },
    yaxis: { title: { text: 'expert' }, dtick: 1, domain: [0, 1] },
    xaxis2: { title: { text: `expert (balanced load = k/E: ${kE})` }, dtick: 1, domain: [0.7, 0.95], anchor: 'y2' },
    yaxis2: { tickmode: 'array', tickvals: names.map((_, i) => i), ticktext: names, autorange: 'reversed', anchor: 'x2', automargin: true },
    updatemenus: recs.length > 1 ? [{ type: 'dropdown', buttons, active: first, x: 1, xanchor: 'right', y: 1.1, yanchor: 'bottom' }] : [],
  });
}
