// What the model figures (routing, attention, activations) accept as input, turned into a (B, T) i32
// tensor: a tensor, one sequence of ids, several equal-length sequences, a sampler batch {x, y}, or text
// when a tokenizer is given. Plus token labels for the axes.
import { Tensor } from '../tensor/tensor';

/** Token input for the model figures. */
export type TokensLike = Tensor | readonly number[] | readonly (readonly number[])[] | { x: Tensor } | string;

/** The tokenizer part the figures use: ids -> text. */
export interface TokenDecoder {
  decode(ids: ArrayLike<number>): string;
  encode?(text: string): ArrayLike<number>;
}

/** (B, T) i32 tensor from `input`; `fn` names the figure in errors. */
export function toTokenTensor(input: TokensLike, fn: string, tokenizer?: TokenDecoder): Tensor {
  if (input instanceof Tensor) {
    if (input.dtype !== 'i32') throw new TypeError(`${fn}: tokens must be an i32 tensor, got ${input.dtype}`);
    if (input.ndim === 1) return input.reshape([1, input.shape[0]]);
    if (input.ndim !== 2) throw new RangeError(`${fn}: tokens must be (T) or (B, T), got shape [${input.shape.join(', ')}]`);
    return input;
  }
  if (typeof input === 'string') {
    if (typeof tokenizer?.encode !== 'function') throw new TypeError(`${fn}: text input needs { tokenizer } with an encode() method`);
    return toTokenTensor(Array.from(tokenizer.encode(input)), fn);
  }
  if (input && typeof input === 'object' && !Array.isArray(input) && (input as { x?: unknown }).x instanceof Tensor) {
    return toTokenTensor((input as { x: Tensor }).x, fn);
  }
  if (Array.isArray(input)) {
    const rows = (input.length > 0 && Array.isArray(input[0]) ? input : [input]) as number[][];
    const T = rows[0]?.length ?? 0;
    if (T === 0 || rows.some((r) => !Array.isArray(r) || r.length !== T)) throw new RangeError(`${fn}: tokens must be non-empty sequences of equal length`);
    for (const r of rows) for (const v of r) if (!Number.isInteger(v) || v < 0) throw new RangeError(`${fn}: token ids must be non-negative integers, got ${v}`);
    return Tensor.from(rows.flat(), [rows.length, T], 'i32');
  }
  throw new TypeError(`${fn}: tokens must be a Tensor, an array of ids, an array of sequences, a batch {x} or text; got ${input === null ? 'null' : typeof input}`);
}

/** Axis labels for sequence `b` of `tokens`: the decoded token when a tokenizer is given, else the id. */
export function tokenLabels(tokens: Tensor, b: number, tokenizer?: TokenDecoder): string[] {
  const T = tokens.shape[1];
  const ids = Array.from(tokens.i32().subarray(b * T, (b + 1) * T));
  if (!tokenizer) return ids.map(String);
  return ids.map((id) => JSON.stringify(tokenizer.decode([id])).slice(1, -1)); // escapes newlines and tabs
}

/** Integer positions with text labels: plotly would merge equal category names, so ticks carry the text. */
export function tokenAxis(labels: string[], title: string): Record<string, unknown> {
  return { title: { text: title }, tickmode: 'array', tickvals: labels.map((_, i) => i), ticktext: labels, automargin: true };
}

/** Checks the batch index `b` against `tokens` (B, T). */
export function checkBatchIndex(b: number, tokens: Tensor, fn: string): void {
  if (!Number.isInteger(b) || b < 0 || b >= tokens.shape[0]) throw new RangeError(`${fn}: batch must be an integer in [0, ${tokens.shape[0]}), got ${b}`);
}
