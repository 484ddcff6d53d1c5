// flashlm.plot.attention: one attention layer's probabilities as a query × key heatmap, for one head or
// the mean over heads, read from the model's attentionProbs(tokens, layer) (B, H, T, T) — the same
// quantized projections and RoPE the forward uses. Rows are queries (top to bottom), columns keys.
import { Tensor } from '../tensor/tensor';
import { Figure } from './figure';
import { TokenDecoder, TokensLike, checkBatchIndex, toTokenTensor, tokenAxis, tokenLabels } from './model_input';

export interface AttentionOptions {
  /** Attention layer index (default 0). */
  layer?: number;
  /** Head index, or 'mean' for the average over heads (default 0). */
  head?: number | 'mean';
  /** Which sequence of the batch (default 0). */
  batch?: number;
  /** Decodes ids into axis labels (and encodes text input). */
  tokenizer?: TokenDecoder;
  title?: string;
}

interface WithAttention { attentionProbs(tokens: Tensor, layer: number): Tensor; constructor: { name: string }; name?: string }

/**
 * Query × key attention heatmap of `layer`, `head`.
 *
 * @example
 * flashlm.plot.attention(model, 'Once upon a time', { layer: 2, head: 'mean', tokenizer })
 */
export function attention(model: unknown, tokens: TokensLike, o: AttentionOptions = {}): Figure {
  const m = model as WithAttention;
  if (!m || typeof m.attentionProbs !== 'function') {
    const what = model === null || typeof model !== 'object' ? String(model) : (m.name ?? m.constructor.name);
    throw new TypeError(`plot.attention: ${what} has no attention (it needs an attentionProbs(tokens, layer) method, as attention models like 'bitnet-bench' have)`);
  }
  const layer = o.layer ?? 0;
  if (!Number.isInteger(layer) || layer < 0) throw new RangeError(`plot.attention: layer must be a non-negative integer, got ${JSON.stringify(layer)}`);
  const x = toTokenTensor(tokens, 'plot.attention', o.tokenizer);
  const b = o.batch ?? 0;
  checkBatchIndex(b, x, 'plot.attention');
  let probs: Tensor;
  try {
    probs = m.attentionProbs(x, layer);
  } catch (err) {
    if (err instanceof Error) err.message = `plot.attention: ${err.message}`;
    throw err;
  }
  const [, H, T] = probs.shape;
  const head = o.head ?? 0;
  if (head !== 'mean' && (!Number.isInteger(head) || head < 0 || head >= H)) {
    throw new RangeError(`plot.attention: head must be an integer in [0, ${H}) or 'mean', got ${JSON.stringify(head)}`);
  }
  const p = probs.f32();
  const at = (h: number, i: number, j: number) => p[((b * H + h) * T + i) * T + j];
  const z = Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => {
    if (head !== 'mean') return at(head, i, j);
    let s = 0;
    for (let h = 0; h < H; h++) s += at(h, i, j);
    return s / H;
  }));
  probs.dispose();
  const labels = tokenLabels(x, b, o.tokenizer);
  const headText = head === 'mean' ? `mean of ${H} heads` : `head ${head}`;
  return new Figure([{
    type: 'heatmap', name: `layer ${layer}, ${headText}`, z, x: labels.map((_, j) => j), y: labels.map((_, i) => i),
    zmin: 0, zmax: 1, colorscale: 'Viridis', colorbar: { title: { text: 'p' } },
    customdata: z.map((row, i) => row.map((_, j) => `${labels[i]} → ${labels[j]}`)),
    hovertemplate: 'query %{y} → key %{x}<br>%{customdata}<br>p = %{z:.3f}<extra></extra>',
  }], {
    title: { text: o.title ?? `Attention: layer ${layer}, ${headText}` },
    template: 'plotly_white', margin: { t: 60 },
    xaxis: { ...tokenAxis(labels, 'key'), side: 'bottom' },
    yaxis: { ...tokenAxis(labels, 'query'), autorange: 'reversed' },
  });
}
