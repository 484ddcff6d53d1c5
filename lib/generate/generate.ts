// generate(): text from a model through its decode path (KV cache / carried state): prompt prefill, then one
// token at a time, sampled by ./sampling.ts, streamed as an async iterator and awaitable for the final
// texts. The model runs its own forward in eval mode under noGrad — the very quantized forward used in
// training (decode() must equal forward(); spec B15 was a float, doubled-scale, last-token-only copy).
import { noGrad } from '../tensor/autograd';
import { tidy } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import { checkInterrupt } from '../interrupt';
import { EOS_CANDIDATES } from '../data/shards/prepare';
import type { Tokenizer } from '../data/types';
import type { DecodeState, LanguageModel } from '../models/language_model';
import { Sampler, SamplingOptions, findStopString } from './sampling';
import { TextStream } from './text_stream';

/** A prompt: text (needs a tokenizer) or token ids. */
export type Prompt = string | ArrayLike<number>;

export interface GenerateOptions extends SamplingOptions {
  /** New tokens per prompt at most (default 64). */
  maxTokens?: number;
  /** Token ids that end a sequence (not included in its tokens or text). Default: the tokenizer's end-of-text id, if any. */
  stopTokens?: readonly number[];
  /** Strings that end a sequence; its text is cut before the first one. */
  stopStrings?: readonly string[];
  /** Prompt i samples from Generator(seed + i) (default seed 0), so a batch equals its prompts run alone with those seeds. */
  seed?: number;
  /**
   * When prompt + generated tokens fill contextLength: 'slide' (default) re-prefills the last
   * ⌈contextLength/2⌉ tokens into a fresh state and goes on (positions restart at 0 as in training
   * windows; one prefill per contextLength/2 tokens); 'crop' is the originals' rule (spec S9): every
   * further token is predicted from exactly the last contextLength tokens (one full-window prefill per
   * token, so slow); 'stop' ends the sequence (finishReason 'context').
   */
  onContextFull?: 'slide' | 'crop' | 'stop';
}

/** One step of one sequence, as streamed. */
export interface GenerationEvent {
  /** Which prompt (index into the prompts given). */
  index: number;
  /** The sampled token id (a stop token is reported with text ''; -1 when the context filled under onContextFull 'stop'). */
  token: number;
  /** New text that became final with this token ('' while a multi-byte character or a possible stop string is pending). */
  text: string;
  /** Set on the sequence's last event. */
  finishReason?: FinishReason;
}

export type FinishReason = 'length' | 'stop-token' | 'stop-string' | 'context';

export interface GenerationOutput {
  prompt: Prompt;
  promptTokens: number[];
  /** Generated ids (without a stop token; with the tokens that completed a stop string). */
  tokens: number[];
  /** Generated text, cut before a stop string; equal to the streamed pieces joined. */
  text: string;
  finishReason: FinishReason;
}

export interface GenerationResult {
  outputs: GenerationOutput[];
  /** outputs[i].text. */
  texts: string[];
  /** The first output's text (the single-prompt case). */
  text: string;
  stats: { promptTokens: number; generatedTokens: number; prefillMs: number; decodeMs: number; decodeTokensPerSecond: number };
}

/** How long the loop may run before yielding to the event loop (kernel messages, timers). */
const YIELD_MS = 20;

interface Seq {
  index: number;
  prompt: Prompt;
  promptTokens: number[];
  /** Every token fed or to be fed to the model (prompt, then generated), for slides and the repetition penalty. */
  history: Int32Array;
  length: number;
  tokens: number[];
  sampler: Sampler;
  text: TextStream | null;
  done: FinishReason | null;
}

/**
 * Generates from one prompt or a batch. The result streams (`for await (const e of gen)`) and is awaitable
 * (`const { text } = await gen`); iterating first and awaiting afterwards gives the same result.
 *
 * Batches: prompts of equal token length share one decode state (one (B, 1) decode per step); other lengths
 * run as further groups in the same loop, so no padding or attention mask is needed and a batch gives the
 * same tokens as its prompts run alone (prompt i with seed + i). A finished sequence in a group keeps being
 * fed (its output ignored) until the group ends. Prompts longer than contextLength keep their last
 * contextLength tokens (as the originals crop, S9). Ids the tokenizer does not define are never sampled.
 *
 * @example
 * for await (const e of flashlm.generate(model, tok, 'Once upon a time', { maxTokens: 50, topK: 40 })) process.stdout.write(e.text);
 * const { texts } = await flashlm.generate(model, tok, ['One day', 'The cat'], { temperature: 0 });
 */
export function generate(model: LanguageModel, tokenizer: Tokenizer | null, prompt: Prompt | readonly Prompt[], options: GenerateOptions = {}): Generation {
  return new Generation(model, tokenizer, prompt, options);
}

export class Generation implements AsyncIterable<GenerationEvent>, PromiseLike<GenerationResult> {
  private readonly iterator: AsyncGenerator<GenerationEvent, GenerationResult>;
  private iterated = false;
  /** Settles when the loop ends: the result, its error, or an error when the stream was left early. */
  private readonly outcome: Promise<GenerationResult>;
  private settle!: { resolve: (r: GenerationResult) => void; reject: (e: unknown) => void };

  constructor(model: LanguageModel, tokenizer: Tokenizer | null, prompt: Prompt | readonly Prompt[], options: GenerateOptions) {
    const plan = prepare(model, tokenizer, prompt, options); // validate now, so a bad call throws at the call site
    this.iterator = run(model, plan, options);
    this.outcome = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.outcome.catch(() => {}); // the error reaches whoever iterates; awaiting is optional
  }

  [Symbol.asyncIterator](): AsyncIterator<GenerationEvent> {
    if (this.iterated) throw new Error('generate: a generation can be iterated once; await it for the result');
    this.iterated = true;
    const it = this.iterator;
    return {
      next: async () => {
        let r: IteratorResult<GenerationEvent, GenerationResult>;
        try {
          r = await it.next();
        } catch (e) {
          this.settle.reject(e);
          throw e;
        }
        if (r.done) {
          this.settle.resolve(r.value);
          return { done: true, value: undefined };
        }
        return r;
      },
      return: async () => {
        await it.return(undefined as never);
        this.settle.reject(new Error('generate: the iteration was stopped before the end; no result'));
        return { done: true, value: undefined };
      },
    };
  }

  /** Runs the generation to the end (or waits for the iteration in progress) and gives the result. */
  then<A = GenerationResult, B = never>(onFulfilled?: ((r: GenerationResult) => A | PromiseLike<A>) | null, onRejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    if (!this.iterated) {
      const it = this[Symbol.asyncIterator]();
      void (async () => {
        try {
          while (!(await it.next()).done);
        } catch {
          /* settled as the outcome */
        }
      })();
    }
    return this.outcome.then(onFulfilled, onRejected);
  }
}

interface Plan {
  seqs: Seq[];
  maxTokens: number;
  stopTokens: Set<number>;
  stopStrings: readonly string[];
  sampleVocab: number;
}

function prepare(model: LanguageModel, tokenizer: Tokenizer | null, prompt: Prompt | readonly Prompt[], o: GenerateOptions): Plan {
  const fn = 'generate';
  const V = model.config.vocabSize;
  const T = model.config.contextLength;
  const maxTokens = o.maxTokens ?? 64;
  if (!Number.isSafeInteger(maxTokens) || maxTokens < 1) throw new RangeError(`${fn}: maxTokens must be an integer >= 1, got ${maxTokens}`);
  const seed = o.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`${fn}: seed must be an integer >= 0, got ${seed}`);
  if (o.onContextFull !== undefined && !['slide', 'crop', 'stop'].includes(o.onContextFull)) throw new RangeError(`${fn}: onContextFull must be 'slide', 'crop' or 'stop', got '${String(o.onContextFull)}'`);
  const stopStrings = o.stopStrings ?? [];
  if (stopStrings.some((s) => typeof s !== 'string' || s.length === 0)) throw new RangeError(`${fn}: stopStrings must be non-empty strings`);
  if (stopStrings.length > 0 && tokenizer === null) throw new TypeError(`${fn}: stopStrings need a tokenizer to turn tokens into text`);
  const stopTokens = new Set(o.stopTokens ?? defaultStop(tokenizer));
  for (const t of stopTokens) if (!Number.isInteger(t) || t < 0 || t >= V) throw new RangeError(`${fn}: stop token ${t} is not an id in [0, ${V})`);
  const sampleVocab = tokenizer === null ? V : Math.min(V, tokenizer.vocabSize);
  const prompts: Prompt[] = typeof prompt === 'string' || !Array.isArray(prompt) || (prompt.length > 0 && typeof prompt[0] === 'number') ? [prompt as Prompt] : [...(prompt as Prompt[])];
  if (prompts.length === 0) throw new RangeError(`${fn}: no prompt given`);
  const seqs = prompts.map((p, index): Seq => {
    let ids: number[];
    if (typeof p === 'string') {
      if (tokenizer === null) throw new TypeError(`${fn}: prompt ${index} is text but no tokenizer was given; pass a tokenizer or token ids`);
      ids = Array.from(tokenizer.encode(p));
    } else if (p !== null && typeof p === 'object' && typeof p.length === 'number') {
      ids = Array.from(p);
    } else throw new TypeError(`${fn}: prompt ${index} must be a string or token ids, got ${typeof p}`);
    if (ids.length === 0) {
      const bos = defaultStop(tokenizer)[0];
      if (bos === undefined) throw new RangeError(`${fn}: prompt ${index} is empty and the tokenizer has no end-of-text token to start from; give at least one token`);
      ids = [bos]; // an empty prompt starts where a document starts in the training stream: after end-of-text
    }
    ids.forEach((t, i) => {
      if (!Number.isInteger(t) || t < 0 || t >= V) throw new RangeError(`${fn}: prompt ${index} token ${i} is ${t}; expected an id in [0, ${V})`);
    });
    const fed = ids.slice(-T);
    const history = new Int32Array(fed.length + maxTokens);
    history.set(fed);
    return {
      index,
      prompt: p,
      promptTokens: ids,
      history,
      length: fed.length,
      tokens: [],
      sampler: new Sampler({ temperature: o.temperature, topK: o.topK, topP: o.topP, repetitionPenalty: o.repetitionPenalty, minTokensToKeep: o.minTokensToKeep, seed: seed + index }),
      text: tokenizer === null ? null : new TextStream(tokenizer, fed, stopStrings),
      done: null,
    };
  });
  return { seqs, maxTokens, stopTokens, stopStrings, sampleVocab };
}

function defaultStop(tokenizer: Tokenizer | null): number[] {
  if (tokenizer === null) return [];
  for (const t of EOS_CANDIDATES) {
    const id = tokenizer.specialTokenId(t);
    if (id !== undefined) return [id];
  }
  return [];
}

/** Sequences of one prompt length, decoded together. */
interface Group {
  seqs: Seq[];
  state: DecodeState | null;
  input: Int32Array;
  /** Logits of the last fed position per sequence, (B, V) row-major, valid after a decode. */
  logits: Float32Array;
}

async function* run(model: LanguageModel, plan: Plan, o: GenerateOptions): AsyncGenerator<GenerationEvent, GenerationResult> {
  const T = model.config.contextLength;
  const V = model.config.vocabSize;
  const byLength = new Map<number, Seq[]>();
  for (const s of plan.seqs) byLength.set(s.length, [...(byLength.get(s.length) ?? []), s]);
  const groups: Group[] = [...byLength.values()].map((seqs) => ({ seqs, state: null, input: new Int32Array(seqs.length), logits: new Float32Array(seqs.length * V) }));
  const wasTraining = model.training;
  let prefillMs = 0;
  let decodeMs = 0;
  let decodeTokens = 0;
  let lastYield = performance.now();
  model.eval();
  try {
    // (Re-)prefill a group with the last `keep` tokens of each history into a fresh state.
    const prefill = (g: Group, keep: number) => {
      g.state?.dispose();
      g.state = null;
      const B = g.seqs.length;
      const x = new Int32Array(B * keep);
      // a finished sequence may be shorter than `keep`: its rows are fed but never read, so zeros pad it
      g.seqs.forEach((s, b) => x.set(s.history.subarray(Math.max(0, s.length - keep), s.length), b * keep));
      const t0 = performance.now();
      g.state = model.createDecodeState(B, T);
      decodeInto(model, g, Tensor.from(x, [B, keep], 'i32'), keep);
      prefillMs += performance.now() - t0;
    };
    for (const g of groups) prefill(g, g.seqs[0].length);
    for (let step = 0; groups.length > 0; step++) {
      checkInterrupt();
      for (let gi = 0; gi < groups.length; gi++) {
        const g = groups[gi];
        for (let b = 0; b < g.seqs.length; b++) {
          const s = g.seqs[b];
          if (s.done !== null) continue;
          const row = g.logits.subarray(b * V, b * V + plan.sampleVocab);
          const token = s.sampler.sampleOne(row, s.history.subarray(0, s.length));
          yield advance(s, token, plan);
        }
        if (g.seqs.every((s) => s.done !== null)) {
          g.state?.dispose();
          groups.splice(gi--, 1);
          continue;
        }
        for (let b = 0; b < g.seqs.length; b++) g.input[b] = g.seqs[b].history[g.seqs[b].length - 1];
        if (g.state!.position >= T) {
          if ((o.onContextFull ?? 'slide') === 'stop') {
            for (const s of g.seqs) if (s.done === null) yield finish(s, 'context', -1);
            g.state?.dispose();
            groups.splice(gi--, 1);
            continue;
          }
          prefill(g, o.onContextFull === 'crop' ? T : Math.ceil(T / 2));
          continue;
        }
        const t0 = performance.now();
        model.decodeNextInto(g.input, g.state!, g.logits);
        decodeMs += performance.now() - t0;
        decodeTokens += g.seqs.length;
      }
      if (performance.now() - lastYield > YIELD_MS) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
  } finally {
    for (const g of groups) g.state?.dispose();
    model.train(wasTraining);
  }
  const outputs = plan.seqs.map((s) => ({ prompt: s.prompt, promptTokens: s.promptTokens, tokens: s.tokens, text: s.text?.text ?? '', finishReason: s.done ?? 'length' }));
  const generated = outputs.reduce((n, x) => n + x.tokens.length, 0);
  const result: GenerationResult = {
    outputs,
    texts: outputs.map((x) => x.text),
    text: outputs[0].text,
    stats: {
      promptTokens: plan.seqs.reduce((n, s) => n + s.promptTokens.length, 0),
      generatedTokens: generated,
      prefillMs,
      decodeMs,
      decodeTokensPerSecond: decodeMs > 0 ? (decodeTokens / decodeMs) * 1000 : 0,
    },
  };
  // in a notebook, `await generate(...)` shows prompt + text per output (non-enumerable: JSON sees data only)
  const shown = () => outputs.map((x) => (typeof x.prompt === 'string' ? x.prompt : '') + x.text).join('\n\n');
  Object.defineProperty(result, Symbol.for('Jupyter.display'), { value: () => ({ 'text/plain': shown() }), enumerable: false });
  return result;
}

/** Feeds x (B, t) and keeps the logits of the last position of each row in g.logits. */
function decodeInto(model: LanguageModel, g: Group, x: Tensor, t: number): void {
  const V = model.config.vocabSize;
  noGrad(() =>
    tidy(() => {
      const logits = model.decode(x, g.state!).f32(); // (B, t, V)
      for (let b = 0; b < g.seqs.length; b++) g.logits.set(logits.subarray((b * t + t - 1) * V, (b * t + t) * V), b * V);
    }),
  );
  x.dispose();
}

/** Takes a sampled token into a sequence: stop token, text and stop strings, max tokens. */
function advance(s: Seq, token: number, plan: Plan): GenerationEvent {
  if (plan.stopTokens.has(token)) return finish(s, 'stop-token', token);
  s.tokens.push(token);
  s.history[s.length++] = token;
  let text = '';
  if (s.text !== null) {
    text = s.text.push(token);
    if (s.text.stopped) {
      s.done = 'stop-string';
      return { index: s.index, token, text, finishReason: 'stop-string' };
    }
  }
  if (s.tokens.length >= plan.maxTokens) {
    s.done = 'length';
    return { index: s.index, token, text: text + (s.text?.flush() ?? ''), finishReason: 'length' };
  }
  return { index: s.index, token, text };
}

function finish(s: Seq, reason: FinishReason, token: number): GenerationEvent {
  s.done = reason;
  return { index: s.index, token, text: s.text?.flush() ?? '', finishReason: reason };
}

export { findStopString };
