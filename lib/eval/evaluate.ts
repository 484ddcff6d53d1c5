// evaluate(): scores a model on the validation split (spec S10) — mean next-token NLL, PPL, bits per token,
// and true bits per character (code points) and per UTF-8 byte over whole documents (B10 was dividing by
// full stories while scoring only their first 256 tokens). Sums become numbers in ./metrics.ts; the
// forward passes, the windows and the document bookkeeping are here.
import { crossEntropy } from '../ops/softmax';
import { noGrad } from '../tensor/autograd';
import { tidy } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import { checkInterrupt } from '../interrupt';
import { Corpus } from '../data/corpus/corpus';
import { EOS_CANDIDATES } from '../data/shards/prepare';
import type { TokenShard } from '../data/shards/format';
import type { DocumentSplit, Tokenizer } from '../data/types';
import type { LanguageModel } from '../models/language_model';
import { EvalAccumulator, EvalMetrics, EvalMetricsOptions } from './metrics';
import type { EVAL_COLUMNS } from '../io/arrow-metrics';

/** Tokens already prepared (a validation shard), with the text of the documents they hold for bits/char. */
export interface TokenEvalData {
  tokens: TokenShard | Uint16Array | Uint32Array | Int32Array | readonly number[];
  /** The documents the tokens encode, in order (for code points / bytes); omit for bits per token only. */
  documents?: Iterable<string> | AsyncIterable<string>;
}

/** A corpus (its validation split is used), a validation split of documents, or tokens + their text. */
export type EvalData = Corpus | DocumentSplit | TokenEvalData;

export interface EvaluateOptions extends EvalMetricsOptions {
  /** Encodes documents (required for a corpus or split; with tokens, only used to find the end-of-text id). */
  tokenizer?: Tokenizer;
  /**
   * The id between documents: 'eos' (the tokenizer's end-of-text token), 'none', or an id. Default: 'eos'
   * when the tokenizer has one (and the split does not say 'none'), else 'none'.
   */
  separator?: 'eos' | 'none' | number;
  /** Score only the first N documents. */
  maxDocuments?: number;
  /** Stop after the document during which the scored tokens reach N (documents are never cut). */
  maxTokens?: number;
  /**
   * Windows per forward pass (default 8, fewer when the logits would pass 128 MB). Results do not depend
   * on it beyond float summation order.
   */
  batchSize?: number;
  /**
   * Keep the encoded documents for the next call on the same split, tokenizer and separator (default
   * true; one split is kept at a time). A split's id must change when its documents do (corpora ensure it).
   */
  cache?: boolean;
  /** Called after each batch with the totals so far. */
  onProgress?: (p: { documents: number; tokens: number; windows: number }) => void;
}

/** The metrics, plus what was scored. */
export interface EvaluationResult extends EvalMetrics {
  /** Always 'validation': evaluate() never reads the train split. */
  split: 'validation';
  documents: number;
  /** Forward windows of at most contextLength tokens. */
  windows: number;
  contextLength: number;
  /** The separator id used as each document's context start and end (null: none). */
  separator: number | null;
}

/** One scored sequence: ids, plus the text it covers (counted for bits per char/byte). */
interface Sequence {
  ids: ArrayLike<number>;
  text: string | null;
}

/** Default windows per forward: up to 8, fewer when the logits (B, T, V) would pass ~2^25 floats (128 MB). */
function defaultBatch(model: LanguageModel): number {
  const perWindow = model.config.contextLength * model.config.vocabSize;
  return Math.max(1, Math.min(8, Math.floor(2 ** 25 / perWindow)));
}

/**
 * Evaluates `model` on validation data, deterministically (no sampling; the same numbers for any
 * batch size up to float summation order, since each window's NLL is computed alone and summed in
 * window order in float64).
 *
 * Each document is scored as its own sequence [sep, doc tokens…, sep] — the separator gives its first
 * token the context it has in the training stream, and predicting the final separator is part of the
 * document's cost — in consecutive windows of contextLength tokens, so every token of every document is
 * predicted exactly once and bits per character divide the NLL of whole documents by their whole text.
 * Without a separator each document's first token is context only (not scored). Token data with a
 * separator is split into documents at it; without one it is one stream. No auxiliary losses (MoE) are
 * added: this is next-token NLL (spec B8).
 *
 * @example
 * const m = await flashlm.evaluate(model, flashlm.data.corpus('sotu'), { tokenizer: tok });
 * m.bitsPerChar; m.bitsPerToken; // different things, both labelled
 */
export async function evaluate(model: LanguageModel, data: EvalData, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  const fn = 'evaluate';
  const batchSize = options.batchSize ?? defaultBatch(model);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`${fn}: batchSize must be an integer >= 1, got ${batchSize}`);
  for (const k of ['maxDocuments', 'maxTokens'] as const) {
    const v = options[k];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 1)) throw new RangeError(`${fn}: ${k} must be an integer >= 1, got ${v}`);
  }
  const { source, separator, hasText } = resolveData(fn, model, data, options);
  const T = model.config.contextLength;
  const acc = new EvalAccumulator();
  let documents = 0;
  let windows = 0;
  const pending: { x: ArrayLike<number>; y: ArrayLike<number> }[] = [];
  const wasTraining = model.training;
  model.eval();
  try {
    const flush = async () => {
      if (pending.length === 0) return;
      checkInterrupt();
      const sums = scoreWindows(model, pending);
      for (let i = 0; i < sums.length; i++) acc.addLoss(sums[i].nll, sums[i].count);
      windows += pending.length;
      pending.length = 0;
      options.onProgress?.({ documents, tokens: acc.tokens, windows });
      // Let the event loop turn: Node runs the finalizers that free collected tensor buffers from its
      // immediate queue, which a loop of resolved promises never reaches (RSS grew by the size of the
      // logits per window once the storage pool was full).
      await new Promise<void>((resolve) => setImmediate(resolve));
    };
    let scored = 0;
    for await (const seq of source) {
      const n = seq.ids.length;
      for (let s = 0; s + 1 < n; s += T) {
        const end = Math.min(s + T, n - 1);
        pending.push({ x: slice(seq.ids, s, end), y: slice(seq.ids, s + 1, end + 1) });
        scored += end - s;
        if (pending.length === batchSize) await flush();
      }
      if (seq.text !== null) acc.addText(seq.text);
      documents++;
      // checked here, not before the next pull, so no document past the limit is read or encoded
      if (options.maxDocuments !== undefined && documents >= options.maxDocuments) break;
      if (options.maxTokens !== undefined && scored >= options.maxTokens) break;
    }
    await flush();
  } finally {
    model.train(wasTraining);
  }
  if (acc.tokens === 0) throw new RangeError(`${fn}: no token was scored (${documents} documents); the validation data is empty or every document is a single token`);
  const m = acc.metrics(options);
  return withDisplay({
    ...m,
    // text counts only mean something when every scored document brought its text
    ...(hasText ? {} : { bitsPerChar: null, bitsPerByte: null, codePoints: null, utf8Bytes: null }),
    split: 'validation',
    documents,
    windows,
    contextLength: T,
    separator: separator ?? null,
  });
}

/**
 * The metrics as labelled lines: bits per token is what the original scripts logged as "BPC"; bits per
 * character is the true BPC (spec S10).
 *
 * @example console.log(formatEvaluation(await flashlm.evaluate(model, corpus, { tokenizer })));
 */
export function formatEvaluation(m: EvaluationResult): string {
  const f = (x: number | null, digits = 4) => (x === null ? 'n/a' : x.toFixed(digits));
  return [
    `validation: ${m.documents} documents, ${m.tokens} predicted tokens, windows of ${m.contextLength} (${m.windows})`,
    `mean loss    ${f(m.meanLoss)} nats/token`,
    `perplexity   ${f(m.perplexity, 3)}`,
    `bits/token   ${f(m.bitsPerToken)}   (what the original scripts logged as "BPC")`,
    `bits/char    ${f(m.bitsPerChar)}   (true BPC: per Unicode code point${m.codePoints === null ? "; needs the documents' text" : `, ${m.codePoints} chars`})`,
    `bits/byte    ${f(m.bitsPerByte)}   (per UTF-8 byte${m.utf8Bytes === null ? '' : `, ${m.utf8Bytes} bytes`})`,
  ].join('\n');
}

/** Shows the labelled lines in the notebook (non-enumerable: JSON and equality see only the numbers). */
function withDisplay(m: EvaluationResult): EvaluationResult {
  Object.defineProperty(m, Symbol.for('Jupyter.display'), { value: () => ({ 'text/plain': formatEvaluation(m) }), enumerable: false });
  return m;
}

function slice(ids: ArrayLike<number>, a: number, b: number): ArrayLike<number> {
  return (ids as Int32Array).subarray ? (ids as Int32Array).subarray(a, b) : Array.prototype.slice.call(ids, a, b);
}

/**
 * NLL sums (nats, float64) and counts per window. Windows are padded on the right to the batch's longest
 * with ignored targets; causal models make padding invisible to the real positions.
 */
function scoreWindows(model: LanguageModel, windows: { x: ArrayLike<number>; y: ArrayLike<number> }[]): { nll: number; count: number }[] {
  const B = windows.length;
  let L = 0;
  for (const w of windows) L = Math.max(L, w.x.length);
  const x = new Int32Array(B * L);
  const y = new Int32Array(B * L).fill(-100);
  windows.forEach((w, b) => {
    x.set(w.x, b * L);
    y.set(w.y, b * L);
  });
  const losses = noGrad(() =>
    tidy(() => {
      const logits = model.forward(Tensor.from(x, [B, L], 'i32')); // (B, L, V)
      const V = logits.shape[2];
      return Float32Array.from(crossEntropy(logits.reshape([B * L, V]), Tensor.from(y, [B * L], 'i32'), { reduction: 'none' }).f32());
    }),
  );
  return windows.map((w, b) => {
    let nll = 0;
    for (let t = 0; t < w.y.length; t++) nll += losses[b * L + t];
    if (!Number.isFinite(nll)) throw new RangeError(`evaluate: the model's loss is ${nll} on window ${b} of a batch; its weights or logits are not finite`);
    return { nll, count: w.y.length };
  });
}

function eosOf(tokenizer: Tokenizer | undefined): number | undefined {
  if (tokenizer === undefined) return undefined;
  for (const t of EOS_CANDIDATES) {
    const id = tokenizer.specialTokenId(t);
    if (id !== undefined) return id;
  }
  return undefined;
}

function resolveSeparator(fn: string, model: LanguageModel, options: EvaluateOptions, hint: 'eos' | 'none' | undefined): number | undefined {
  const sep = options.separator;
  if (typeof sep === 'number') {
    if (!Number.isInteger(sep) || sep < 0 || sep >= model.config.vocabSize) throw new RangeError(`${fn}: separator id ${sep} is not in [0, ${model.config.vocabSize})`);
    return sep;
  }
  if (sep === 'none') return undefined;
  const eos = eosOf(options.tokenizer);
  if (sep === 'eos' && eos === undefined)
    throw new RangeError(`${fn}: separator 'eos' but the tokenizer has no end-of-text token (tried ${EOS_CANDIDATES.join(', ')}). HINT: pass an id or 'none'`);
  if (sep === undefined && hint === 'none') return undefined;
  return eos;
}

function isTokenData(d: unknown): d is TokenEvalData {
  return typeof d === 'object' && d !== null && 'tokens' in d && !Corpus.isCorpus(d);
}

function resolveData(fn: string, model: LanguageModel, data: EvalData, options: EvaluateOptions): { source: AsyncIterable<Sequence>; separator: number | undefined; hasText: boolean } {
  if (isTokenData(data)) {
    const raw = data.tokens as TokenShard | ArrayLike<number>;
    const ids: ArrayLike<number> = 'tokens' in (raw as object) && !('length' in (raw as object)) ? (raw as TokenShard).tokens : (raw as ArrayLike<number>);
    const separator = resolveSeparator(fn, model, options, undefined);
    checkIds(fn, ids, model.config.vocabSize);
    if (separator === undefined && data.documents !== undefined && (options.maxDocuments !== undefined || options.maxTokens !== undefined))
      throw new RangeError(`${fn}: token data without a separator is one stream, so maxDocuments/maxTokens cannot be matched to the documents' text. HINT: pass { separator } or drop the limits`);
    return { source: tokenSequences(fn, ids, separator, data.documents), separator, hasText: data.documents !== undefined };
  }
  const split: DocumentSplit = Corpus.isCorpus(data) ? data.validation : (data as DocumentSplit);
  if (split === null || typeof split !== 'object' || typeof (split as DocumentSplit)[Symbol.asyncIterator] !== 'function')
    throw new TypeError(`${fn}: data must be a Corpus, a validation split of documents, or { tokens, documents? }`);
  if (split.name !== 'validation') throw new RangeError(`${fn}: evaluation reads the validation split only, got the '${split.name}' split. HINT: pass the corpus or corpus.validation`);
  const tokenizer = options.tokenizer;
  if (tokenizer === undefined) throw new TypeError(`${fn}: a corpus needs options.tokenizer to encode its documents`);
  if (tokenizer.vocabSize > model.config.vocabSize)
    throw new RangeError(`${fn}: the tokenizer has ${tokenizer.vocabSize} ids but the model's vocabSize is ${model.config.vocabSize}`);
  const separator = resolveSeparator(fn, model, options, split.separator);
  // Encoded documents are kept for the next call on the same split and tokenizer (a trainer evaluates
  // the same validation split every N steps; tokenizing it is the slow part of a small model's eval).
  const key = `${split.id}\0${tokenizer.fingerprint()}\0${separator ?? 'none'}`;
  if (options.cache === false || encodedCache?.key !== key) encodedCache = options.cache === false ? null : { key, ids: [] };
  const cached = encodedCache;
  async function* docs(): AsyncGenerator<Sequence> {
    let i = 0;
    for await (const text of split) {
      let ids = cached?.ids[i];
      if (ids === undefined) {
        const enc = tokenizer!.encode(text);
        ids = new Int32Array(enc.length + (separator === undefined ? 0 : 2));
        if (separator === undefined) ids.set(enc);
        else {
          ids[0] = separator;
          ids.set(enc, 1);
          ids[ids.length - 1] = separator;
        }
        if (cached !== null && cached.ids.length === i) cached.ids.push(ids);
      }
      i++;
      yield { ids, text };
    }
  }
  return { source: docs(), separator, hasText: true };
}

/** The last split's encoded documents (one split at a time, so memory stays one validation split's tokens). */
let encodedCache: { key: string; ids: Int32Array[] } | null = null;

function checkIds(fn: string, ids: ArrayLike<number>, V: number): void {
  for (let i = 0; i < ids.length; i++) {
    const t = ids[i];
    if (!(t >= 0 && t < V && Number.isInteger(t))) throw new RangeError(`${fn}: tokens[${i}] = ${t} is not an id in [0, ${V}) (the model's vocabSize)`);
  }
}

/** Token data as sequences: split at the separator (each prefixed by it), or one stream without one. */
async function* tokenSequences(fn: string, ids: ArrayLike<number>, sep: number | undefined, documents: Iterable<string> | AsyncIterable<string> | undefined): AsyncGenerator<Sequence> {
  const texts = documents === undefined ? undefined : toAsyncIterator(documents);
  const nextText = async (i: number): Promise<string | null> => {
    if (texts === undefined) return null;
    const r = await texts.next();
    if (r.done) throw new RangeError(`${fn}: the tokens hold more documents than the ${i} document texts given`);
    return r.value;
  };
  if (sep === undefined) {
    let text: string | null = null;
    if (texts !== undefined) {
      const parts: string[] = [];
      for (let r = await texts.next(); !r.done; r = await texts.next()) parts.push(r.value);
      text = parts.join('');
    }
    yield { ids, text };
    return;
  }
  let start = 0;
  let i = 0;
  for (let p = 0; p < ids.length; p++) {
    if (ids[p] !== sep && p + 1 < ids.length) continue;
    const seq = new Int32Array(p + 2 - start);
    seq[0] = sep;
    for (let j = start; j <= p; j++) seq[j - start + 1] = ids[j];
    yield { ids: seq, text: await nextText(i++) };
    start = p + 1;
  }
  if (texts !== undefined && !(await texts.next()).done) throw new RangeError(`${fn}: more document texts were given than the ${i} documents the tokens hold (split at separator ${sep})`);
}

function toAsyncIterator(src: Iterable<string> | AsyncIterable<string>): AsyncIterator<string> {
  if (Symbol.asyncIterator in src) return (src as AsyncIterable<string>)[Symbol.asyncIterator]();
  const it = (src as Iterable<string>)[Symbol.iterator]();
  return { next: async () => it.next() };
}

/**
 * The metrics under the metrics.arrow eval column names (lib/io/arrow-metrics.ts EVAL_COLUMNS), for a
 * trainer's eval rows.
 *
 * @example writer.logEval({ step, tokens, elapsed_s, ...evalColumns(await evaluate(model, data, opts)) });
 */
export function evalColumns(m: EvalMetrics): Record<(typeof EVAL_COLUMNS)[number], number | null> {
  return {
    eval_loss: m.meanLoss,
    eval_ppl: m.perplexity,
    eval_bits_per_token: m.bitsPerToken,
    eval_bits_per_char: m.bitsPerChar,
    eval_bits_per_byte: m.bitsPerByte,
    eval_tokens: m.tokens,
  };
}
