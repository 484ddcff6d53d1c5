// Logit processors and seeded sampling for generation: repetition penalty (CTRL, Keskar et al. 2019,
// as Hugging Face applies it), temperature, top-k, top-p (nucleus, Holtzman et al. 2019), in that order,
// then one draw from a lib/random Generator. Stop tokens and stop strings are checked here too. The
// model forward, KV cache and streaming belong to generate.ts (spec S9 describes the originals' sampler).
import { native } from '../native';
import { Generator } from '../random';
import type { GeneratorState } from '../random';

export interface SamplingOptions {
  /** Divides the logits; 0 means greedy (argmax, lowest index on ties). Default 1. */
  temperature?: number;
  /** Keep the k highest logits (ties with the k-th are all kept, as torch.topk masking does). 0 = off. */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches topP (ties with the last kept stay). 1 = off. */
  topP?: number;
  /**
   * For every distinct token already in the history: a positive logit is divided by the penalty, a
   * negative one multiplied (CTRL / HF). 1 = off.
   */
  repetitionPenalty?: number;
  /** top-k/top-p never keep fewer than this many tokens (default 1). */
  minTokensToKeep?: number;
}

function checkOptions(o: SamplingOptions): Required<SamplingOptions> {
  const fn = 'sampling';
  const r = { temperature: o.temperature ?? 1, topK: o.topK ?? 0, topP: o.topP ?? 1, repetitionPenalty: o.repetitionPenalty ?? 1, minTokensToKeep: o.minTokensToKeep ?? 1 };
  if (!(Number.isFinite(r.temperature) && r.temperature >= 0)) throw new RangeError(`${fn}: temperature must be a finite number >= 0, got ${r.temperature}`);
  if (!(Number.isSafeInteger(r.topK) && r.topK >= 0)) throw new RangeError(`${fn}: topK must be an integer >= 0 (0 = off), got ${r.topK}`);
  if (!(r.topP > 0 && r.topP <= 1)) throw new RangeError(`${fn}: topP must be in (0, 1], got ${r.topP}`);
  if (!(Number.isFinite(r.repetitionPenalty) && r.repetitionPenalty > 0)) throw new RangeError(`${fn}: repetitionPenalty must be a finite number > 0, got ${r.repetitionPenalty}`);
  if (!(Number.isSafeInteger(r.minTokensToKeep) && r.minTokensToKeep >= 1)) throw new RangeError(`${fn}: minTokensToKeep must be an integer >= 1, got ${r.minTokensToKeep}`);
  return r;
}

/**
 * Copies logits to float64 (into `out` when it has room: the generate loop reuses one buffer per
 * sequence), checking that none is NaN or +Inf and that some token is possible.
 */
function toScores(logits: ArrayLike<number>, out?: Float64Array): Float64Array {
  const v = logits.length;
  if (v === 0) throw new RangeError('sampling: logits must hold at least one value');
  const s = out !== undefined && out.length >= v ? out.subarray(0, v) : new Float64Array(v);
  let any = false;
  for (let i = 0; i < v; i++) {
    const x = logits[i];
    if (Number.isNaN(x) || x === Infinity) throw new RangeError(`sampling: logits[${i}] is ${x}; a logit must be finite or -Infinity (masked)`);
    if (x !== -Infinity) any = true;
    s[i] = x;
  }
  if (!any) throw new RangeError('sampling: every logit is -Infinity; no token can be sampled');
  return s;
}

/** CTRL/HF repetition penalty, in place, once per distinct token id in `history`. */
export function applyRepetitionPenalty(scores: Float64Array, history: ArrayLike<number>, penalty: number): Float64Array {
  if (penalty === 1) return scores;
  const seen = new Set<number>();
  for (let i = 0; i < history.length; i++) {
    const id = history[i];
    if (!Number.isInteger(id) || id < 0 || id >= scores.length) throw new RangeError(`applyRepetitionPenalty: history[${i}] = ${id} is not a token id in [0, ${scores.length})`);
    if (seen.has(id)) continue;
    seen.add(id);
    const x = scores[id];
    scores[id] = x < 0 ? x * penalty : x / penalty;
  }
  return scores;
}

/**
 * The k largest values pushed so far, in a size-k min-heap: top-k over a 32k vocabulary in O(V log k)
 * without sorting it. The k-th largest is a property of the multiset, so push order does not matter.
 */
class TopKHeap {
  private heap = new Float64Array(1);
  private n = 0;
  private k = 1;

  reset(k: number): this {
    if (this.heap.length < k) this.heap = new Float64Array(k);
    this.k = k;
    this.n = 0;
    return this;
  }

  push(x: number): void {
    const heap = this.heap;
    if (this.n < this.k) {
      let j = this.n++;
      heap[j] = x;
      while (j > 0 && heap[(j - 1) >> 1] > heap[j]) {
        const p = (j - 1) >> 1;
        const t = heap[p];
        heap[p] = heap[j];
        heap[j] = t;
        j = p;
      }
    } else if (x > heap[0]) {
      heap[0] = x;
      const n = this.n;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < n && heap[l] < heap[m]) m = l;
        if (r < n && heap[r] < heap[m]) m = r;
        if (m === i) break;
        const t = heap[i];
        heap[i] = heap[m];
        heap[m] = t;
        i = m;
      }
    }
  }

  /** The k-th largest pushed value (the smallest of the k kept). */
  kth(): number {
    return this.heap[0];
  }
}

/** The k-th largest finite score (k ≤ number of finite scores). */
function kthLargest(s: Float64Array, k: number, heap = new TopKHeap()): number {
  heap.reset(k);
  for (let i = 0; i < s.length; i++) if (s[i] !== -Infinity) heap.push(s[i]);
  return heap.kth();
}

function countFinite(s: Float64Array): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s[i] !== -Infinity) n++;
  return n;
}

function maskBelow(s: Float64Array, threshold: number): void {
  for (let i = 0; i < s.length; i++) if (s[i] < threshold) s[i] = -Infinity;
}

/**
 * The processed scores: repetition penalty, temperature, top-k, top-p; filtered tokens are -Infinity.
 * With temperature 0 only the argmax stays.
 *
 * @example
 * processLogits([2, 1, 0.5, -1], { topK: 2 }); // Float64Array [2, 1, -Infinity, -Infinity]
 */
export function processLogits(logits: ArrayLike<number>, options: SamplingOptions = {}, history: ArrayLike<number> = [], out?: Float64Array): Float64Array {
  return processChecked(logits, checkOptions(options), history, out);
}

/** processLogits with options already checked; writes into `out` when given (length ≥ V). */
function processChecked(logits: ArrayLike<number>, o: Required<SamplingOptions>, history: ArrayLike<number>, out?: Float64Array): Float64Array {
  const s = applyRepetitionPenalty(toScores(logits, out), history, o.repetitionPenalty);
  if (o.temperature === 0) {
    let best = -1;
    for (let i = 0; i < s.length; i++) if (s[i] !== -Infinity && (best < 0 || s[i] > s[best])) best = i;
    const top = s[best];
    s.fill(-Infinity);
    s[best] = top;
    return s;
  }
  if (o.temperature !== 1) for (let i = 0; i < s.length; i++) s[i] /= o.temperature;
  if (o.topK > 0) {
    const k = Math.max(o.topK, o.minTokensToKeep);
    if (k < countFinite(s)) maskBelow(s, kthLargest(s, k)); // ties with the k-th stay
  }
  if (o.topP < 1) {
    // finite scores in ascending order (a native numeric sort, no comparator); walk down from the best
    const vals = new Float64Array(countFinite(s));
    for (let i = 0, j = 0; i < s.length; i++) if (s[i] !== -Infinity) vals[j++] = s[i];
    vals.sort();
    const n = vals.length;
    const max = vals[n - 1];
    let z = 0;
    for (let i = 0; i < n; i++) z += Math.exp(vals[i] - max);
    let mass = 0;
    let r = 0;
    // keep rank r while the mass before it is below topP: the smallest prefix reaching topP
    while (r < n && (r < o.minTokensToKeep || mass < o.topP)) {
      mass += Math.exp(vals[n - 1 - r] - max) / z;
      r++;
    }
    maskBelow(s, vals[n - r]); // ties with the last kept score stay
  }
  return s;
}

/** softmax of processed scores (-Infinity → 0), in float64. */
export function probabilities(scores: Float64Array): Float64Array {
  return probabilitiesInto(scores, new Float64Array(scores.length));
}

function probabilitiesInto(scores: Float64Array, p: Float64Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
  let z = 0;
  for (let i = 0; i < scores.length; i++) z += p[i] = scores[i] === -Infinity ? 0 : Math.exp(scores[i] - max);
  for (let i = 0; i < p.length; i++) p[i] /= z;
  return p;
}

/**
 * The token whose cumulative probability (in index order) first exceeds u·total, for u in [0, 1):
 * a pure function of the scores and u, so sampling is reproducible from the uniform stream alone.
 */
export function drawFromScores(scores: Float64Array, u: number, scratch?: Float64Array): number {
  if (!(u >= 0 && u < 1)) throw new RangeError(`drawFromScores: u must be in [0, 1), got ${u}`);
  const p = probabilitiesInto(scores, scratch !== undefined && scratch.length >= scores.length ? scratch.subarray(0, scores.length) : new Float64Array(scores.length));
  let acc = 0;
  let last = -1;
  for (let i = 0; i < p.length; i++) {
    if (p[i] === 0) continue;
    acc += p[i];
    last = i;
    if (u < acc) return i;
  }
  return last; // u within rounding of 1
}

/**
 * A seeded sampler: the same seed, logits and histories give the same tokens on every machine and
 * thread count (one uniform per sampled row from a Philox Generator; greedy rows draw nothing).
 *
 * @example
 * const sampler = new Sampler({ temperature: 0.8, topK: 50, seed: 42 });
 * const next = sampler.sample(logitsOfLastPosition, tokensSoFar);
 */
export class Sampler {
  readonly options: Required<SamplingOptions>;
  readonly generator: Generator;

  constructor(options: SamplingOptions & { seed?: number | bigint; generator?: Generator } = {}) {
    this.options = checkOptions(options);
    this.generator = options.generator ?? new Generator(options.seed ?? 0);
  }

  /** One token from one row of logits (V). */
  sample(logits: ArrayLike<number>, history: ArrayLike<number> = []): number {
    return this.sampleRows([logits], [history])[0];
  }

  /** One token per row of a (B, V) row-major array; histories[b] is row b's history. */
  sampleBatch(logits: ArrayLike<number>, batch: number, histories: ArrayLike<number>[] = []): number[] {
    if (!Number.isSafeInteger(batch) || batch < 1 || logits.length % batch !== 0) throw new RangeError(`Sampler.sampleBatch: logits length ${logits.length} is not a multiple of batch ${batch}`);
    const v = logits.length / batch;
    const rows: Float64Array[] = [];
    for (let b = 0; b < batch; b++) {
      const row = new Float64Array(v);
      for (let i = 0; i < v; i++) row[i] = logits[b * v + i];
      rows.push(row);
    }
    return this.sampleRows(rows, histories);
  }

  /**
   * One token from one row, reusing this sampler's buffers: no per-call allocation of V-sized arrays
   * (the generate loop calls it once per token). Same result as sample().
   */
  sampleOne(logits: ArrayLike<number>, history: ArrayLike<number> = []): number {
    const o = this.options;
    const v = logits.length;
    if (this.scratch === null || this.scratch.length < 2 * v) {
      this.scratch = new Float64Array(2 * Math.max(v, 1));
      this.kept = new Int32Array(Math.max(v, 1));
    }
    if (o.topP < 1 || o.repetitionPenalty !== 1) {
      // the general path (nucleus needs the sorted values anyway; a penalty changes scores by token)
      const s = processChecked(logits, o, history, this.scratch.subarray(0, v));
      if (o.temperature === 0) return s.findIndex((x) => x !== -Infinity);
      return this.draw(s, (u) => drawFromScores(s, u, this.scratch!.subarray(v, 2 * v)));
    }
    // Two passes over the logits with the float operations of processLogits + drawFromScores, so the same
    // token. The scores are x / t, monotone in x, so the k-th largest score is (k-th largest logit) / t:
    // the top-k heap runs on the logits, and only the few logits near or above the k-th are divided.
    const t = o.temperature;
    const k = o.topK > 0 ? Math.max(o.topK, o.minTokensToKeep) : 0;
    const { finite, best, kth } = this.scan(logits, t !== 0 ? k : 0);
    if (t === 0) return best;
    const kthX = k > 0 && k < finite ? kth : -Infinity;
    const threshold = t === 1 ? kthX : kthX / t;
    // A logit 2^-40 (relatively) below the k-th stays below the threshold after the division, which
    // moves each quotient by at most 2^-53 relatively — while the threshold is a normal number (not 0,
    // ±inf or subnormal, where that bound fails and every logit is divided).
    const normal = Number.isFinite(threshold) && Math.abs(threshold) >= 2 ** -1000;
    const low = normal ? kthX - Math.abs(kthX) * 2 ** -40 : -Infinity;
    const s = this.scratch;
    const kept = this.kept!;
    let m = 0;
    let max = -Infinity;
    const keep = (i: number, x: number) => {
      const y = t === 1 ? x : x / t;
      if (y !== -Infinity && y >= threshold) {
        kept[m] = i;
        s[m++] = y;
        if (y > max) max = y;
      }
    };
    if (normal && logits instanceof Float32Array) {
      // the candidates, ascending, from native code; kept compacts them in place (m ≤ j)
      const n = native.logitsAtLeast(logits, low, kept);
      for (let j = 0; j < n; j++) keep(kept[j], logits[kept[j]]);
    } else {
      for (let i = 0; i < v; i++) {
        const x = logits[i];
        if (x !== -Infinity && x >= low) keep(i, x);
      }
    }
    const e = s.subarray(v, 2 * v);
    let z = 0;
    for (let j = 0; j < m; j++) z += e[j] = Math.exp(s[j] - max);
    return this.draw(s, (u) => {
      let acc = 0;
      let last = -1;
      for (let j = 0; j < m; j++) {
        const p = e[j] / z;
        if (p === 0) continue;
        acc += p;
        last = kept[j];
        if (u < acc) return kept[j];
      }
      return last; // u within rounding of 1
    });
  }

  private readonly scanOut = new Float64Array(4);

  /**
   * One pass over the logits: checks them (NaN and +inf are errors), counts the finite ones, finds the
   * argmax (lowest index on ties) and, for k > 0, the k-th largest finite logit. Native for a
   * Float32Array (the generate loop's rows), a JS loop with the top-k heap otherwise; the same results.
   */
  private scan(logits: ArrayLike<number>, k: number): { finite: number; best: number; kth: number } {
    const v = logits.length;
    let finite = 0;
    let best = -1;
    let kth = -Infinity;
    let bad = -1;
    if (logits instanceof Float32Array) {
      const out = this.scanOut;
      native.logitsScan(logits, k, out);
      [bad, finite, best, kth] = out;
    } else {
      const heap = k > 0 ? this.heap.reset(k) : null;
      let bestX = -Infinity;
      for (let i = 0; i < v && bad < 0; i++) {
        const x = logits[i];
        if (Number.isNaN(x) || x === Infinity) bad = i;
        else if (x !== -Infinity) {
          finite++;
          heap?.push(x);
          if (best < 0 || x > bestX) [best, bestX] = [i, x];
        }
      }
      if (heap !== null && k <= finite) kth = heap.kth();
    }
    if (bad >= 0) throw new RangeError(`sampling: logits[${bad}] is ${logits[bad]}; a logit must be finite or -Infinity (masked)`);
    if (v === 0) throw new RangeError('sampling: logits must hold at least one value');
    if (finite === 0) throw new RangeError('sampling: every logit is -Infinity; no token can be sampled');
    return { finite, best, kth };
  }

  /** One uniform from the generator, handed to `pick`. */
  private draw(_s: Float64Array, pick: (u: number) => number): number {
    const u = this.generator.uniform([1]);
    try {
      return pick(u.f32()[0]);
    } finally {
      u.dispose();
    }
  }

  private kept: Int32Array | null = null;
  private readonly heap = new TopKHeap();
  private scratch: Float64Array | null = null;

  private sampleRows(rows: ArrayLike<number>[], histories: ArrayLike<number>[]): number[] {
    const scores = rows.map((r, b) => processChecked(r, this.options, histories[b] ?? []));
    if (this.options.temperature === 0) return scores.map((s) => s.findIndex((x) => x !== -Infinity));
    const u = this.generator.uniform([rows.length]);
    try {
      const us = u.f32();
      return scores.map((s, b) => drawFromScores(s, us[b]));
    } finally {
      u.dispose();
    }
  }

  /** The generator's position, for a checkpoint; assign it back to resume the same stream. */
  get state(): GeneratorState {
    return this.generator.state;
  }

  set state(s: GeneratorState) {
    this.generator.state = s;
  }
}

/** Whether `token` is one of the stop tokens. */
export function isStopToken(token: number, stopTokens: Iterable<number> = []): boolean {
  for (const t of stopTokens) if (t === token) return true;
  return false;
}

/**
 * The earliest occurrence of any stop string in `text` at or after `from` (pass the length of text
 * already checked minus the longest stop string, to re-check only the tail), or null.
 *
 * @example
 * findStopString('Once upon a time.\n\nThe end', ['\n\n']); // { index: 17, stop: '\n\n' }
 */
export function findStopString(text: string, stopStrings: readonly string[], from = 0): { index: number; stop: string } | null {
  let best: { index: number; stop: string } | null = null;
  for (const stop of stopStrings) {
    if (stop.length === 0) throw new RangeError('findStopString: stop strings must not be empty');
    const i = text.indexOf(stop, Math.max(0, from));
    if (i >= 0 && (best === null || i < best.index)) best = { index: i, stop };
  }
  return best;
}
