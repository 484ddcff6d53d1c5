// Byte-level BPE training, merge for merge what HF's BpeTrainer (models/bpe/trainer.rs) produces for the
// same settings: specials get ids 0.. in order, then the alphabet sorted by code point, then one id per new
// token. Merges come from a max-queue of (count, then smaller pair ids first) with lazy count refresh, and
// each queue entry carries the set of words it was pushed for, exactly like HF (which is why HF can emit
// one pair twice when a token is formed by two different merges; the later rank wins, as in HF's HashMap).
// Unlike the original FlashLM recipe, the full 256-byte alphabet is always in the vocab (spec S11, B11).
import { BYTE_ALPHABET, BYTE_TO_CHAR, splitGpt2, toWellFormed, utf8Bytes } from './bytelevel';
import { BpeTokenizer } from './bpe';
import { pairKey } from './model';
import { AddedTokenSpec, TokenizerSpec } from './tokenizer_json';

/** Settings of trainBpe; the defaults are HF BpeTrainer's except where noted. */
export interface TrainBpeOptions {
  /** Target vocab size, counting specials and the alphabet. */
  vocabSize: number;
  /** A pair needs at least this count to be merged. Default 0 (HF's default; the FlashLM recipe used 2). */
  minFrequency?: number;
  /** Special tokens, given ids 0, 1, ... in this order and written as added tokens. Default none. */
  specialTokens?: string[];
  /**
   * ByteLevel add_prefix_space: a space before each text segment, so a first word is tokenized like the
   * others. Default false, so that decode(encode(x)) === x (with it, "x" and " x" encode alike); HF's default
   * and the original FlashLM recipe use true.
   */
  addPrefixSpace?: boolean;
  /** Start from all 256 byte chars (default true). false reproduces HF's default trainer (only seen bytes). */
  fullAlphabet?: boolean;
}

/**
 * Trains a byte-level BPE tokenizer on documents (each is pre-tokenized on its own, like one sequence fed
 * to HF's trainer).
 * @example const tok = trainBpe(docs, { vocabSize: 4096, specialTokens: ['<|endoftext|>'] });
 */
export function trainBpe(docs: Iterable<string>, options: TrainBpeOptions): BpeTokenizer {
  const counter = new BpeWordCounter(options.addPrefixSpace ?? false);
  for (const d of docs) counter.add(d);
  return trainFromCounts(counter.counts, options);
}

/**
 * trainBpe over a stream of documents (e.g. a corpus read from disk), holding only the word counts.
 * @example const tok = await trainBpeAsync(corpus.train, { vocabSize: 8192 });
 */
export async function trainBpeAsync(docs: AsyncIterable<string> | Iterable<string>, options: TrainBpeOptions): Promise<BpeTokenizer> {
  const counter = new BpeWordCounter(options.addPrefixSpace ?? false);
  for await (const d of docs) counter.add(d);
  return trainFromCounts(counter.counts, options);
}

/** Counts GPT-2 pieces (raw text, before the byte mapping) document by document: the trainer's input. */
export class BpeWordCounter {
  readonly counts = new Map<string, number>();
  private ends = { buf: new Int32Array(4096) };

  constructor(readonly addPrefixSpace: boolean) {}

  add(doc0: string): void {
    if (typeof doc0 !== 'string') throw new TypeError(`trainBpe: documents must be strings, got ${typeof doc0}`);
    if (doc0.length === 0) return;
    const doc = toWellFormed(this.addPrefixSpace && doc0.charCodeAt(0) !== 0x20 ? ' ' + doc0 : doc0);
    const n = splitGpt2(doc, 0, doc.length, this.ends);
    let a = 0;
    for (let i = 0; i < n; i++) {
      const b = this.ends.buf[i];
      const w = doc.slice(a, b);
      this.counts.set(w, (this.counts.get(w) ?? 0) + 1);
      a = b;
    }
  }
}

function trainFromCounts(wordCounts: ReadonlyMap<string, number>, options: TrainBpeOptions): BpeTokenizer {
  const vocabSize = options.vocabSize;
  if (!Number.isInteger(vocabSize) || vocabSize < 1 || vocabSize > 4194303) throw new RangeError(`trainBpe: vocabSize must be an integer in [1, 4194303], got ${vocabSize}`);
  const minFrequency = options.minFrequency ?? 0;
  if (!Number.isInteger(minFrequency) || minFrequency < 0) throw new RangeError(`trainBpe: minFrequency must be a non-negative integer, got ${minFrequency}`);
  const specials = options.specialTokens ?? [];
  for (const s of specials) if (typeof s !== 'string' || s.length === 0) throw new TypeError(`trainBpe: specialTokens must be non-empty strings, got ${JSON.stringify(s)}`);
  const addPrefixSpace = options.addPrefixSpace ?? false;
  const floor = new Set(specials).size + 256;
  if (options.fullAlphabet !== false && vocabSize < floor) {
    throw new RangeError(`trainBpe: vocabSize ${vocabSize} is below the ${floor} ids the specials and the 256-byte alphabet take; expected at least ${floor}`);
  }

  // 1. specials, 2. alphabet (sorted by code point), as HF's add_special_tokens / compute_alphabet.
  const idToWord: string[] = [];
  const wordToId = new Map<string, number>();
  const addToken = (t: string): void => {
    if (!wordToId.has(t)) {
      wordToId.set(t, idToWord.length);
      idToWord.push(t);
    }
  };
  for (const s of specials) addToken(s);
  const seen = new Uint8Array(256);
  const counts: number[] = [];
  let bytes = new Uint8Array(256);
  const raw: Uint8Array[] = [];
  for (const [w, c] of wordCounts) {
    if (bytes.length < 3 * w.length) bytes = new Uint8Array(6 * w.length);
    const n = utf8Bytes(w, 0, w.length, bytes);
    const b = bytes.slice(0, n);
    for (let i = 0; i < n; i++) seen[b[i]] = 1;
    raw.push(b);
    counts.push(c);
  }
  for (const ch of BYTE_ALPHABET) if (options.fullAlphabet !== false || seen[BYTE_TO_CHAR.indexOf(ch)]) addToken(ch);
  const byteId = BYTE_TO_CHAR.map((ch) => wordToId.get(ch) ?? -1);
  // Each word as its symbol ids, merged in place as training goes.
  const words: number[][] = raw.map((b) => Array.from(b, (x) => byteId[x]));

  // 3. pair counts and where each pair occurs.
  const pairCounts = new Map<number, number>();
  let whereToUpdate = new Map<number, Set<number>>();
  for (let w = 0; w < words.length; w++) {
    const s = words[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const k = pairKey(s[i], s[i + 1]);
      pairCounts.set(k, (pairCounts.get(k) ?? 0) + counts[w]);
      let set = whereToUpdate.get(k);
      if (set === undefined) whereToUpdate.set(k, (set = new Set()));
      set.add(w);
    }
  }
  const queue = new PairQueue();
  for (const [k, pos] of whereToUpdate) {
    const c = pairCounts.get(k) as number;
    if (c > 0) queue.push({ pair: k, count: c, pos });
  }
  whereToUpdate = new Map();

  // 4. merges.
  const merges: Array<[number, number]> = [];
  while (wordToId.size < vocabSize) {
    const top = queue.pop();
    if (top === undefined) break;
    const current = pairCounts.get(top.pair) as number;
    if (top.count !== current) {
      top.count = current;
      queue.push(top);
      continue;
    }
    if (top.count < 1 || minFrequency > top.count) break;
    const a = Math.floor(top.pair / 4194304);
    const b = top.pair % 4194304;
    const newToken = idToWord[a] + idToWord[b];
    addToken(newToken);
    const newId = wordToId.get(newToken) as number;
    merges.push([top.pair, newId]);
    for (const w of top.pos) {
      mergeWord(words[w], a, b, newId, (pk, change) => {
        pairCounts.set(pk, (pairCounts.get(pk) ?? 0) + change * counts[w]);
        if (change > 0) {
          let set = whereToUpdate.get(pk);
          if (set === undefined) whereToUpdate.set(pk, (set = new Set()));
          set.add(w);
        }
      });
    }
    for (const [k, pos] of whereToUpdate) {
      const c = pairCounts.get(k) as number;
      if (c > 0) queue.push({ pair: k, count: c, pos });
    }
    whereToUpdate.clear();
  }

  // A pair merged twice keeps its last rank (HF collects the merges into a HashMap).
  const lastRank = new Map<number, number>();
  merges.forEach(([p], i) => lastRank.set(p, i));
  const mergeList: Array<[string, string]> = [];
  merges.forEach(([p], i) => {
    if (lastRank.get(p) === i) mergeList.push([idToWord[Math.floor(p / 4194304)], idToWord[p % 4194304]]);
  });
  const addedTokens: AddedTokenSpec[] = specials.map((s) => ({ id: wordToId.get(s) as number, content: s, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  const spec: TokenizerSpec = {
    addedTokens: dedupe(addedTokens),
    preTokenizer: { addPrefixSpace, trimOffsets: true, useRegex: true },
    vocab: wordToId,
    merges: mergeList,
    unkToken: null,
    continuingSubwordPrefix: null,
    endOfWordSuffix: null,
    fuseUnk: false,
    byteFallback: false,
    ignoreMerges: false,
  };
  return BpeTokenizer.fromSpec(spec);
}

function dedupe(tokens: AddedTokenSpec[]): AddedTokenSpec[] {
  const seen = new Set<string>();
  return tokens.filter((t) => !seen.has(t.content) && (seen.add(t.content), true));
}

// HF Word::merge (training): replaces each (a, b) left to right and reports pair count changes. It does
// not report the merged pair itself, so its count stays as it was (HF behaviour, kept on purpose).
function mergeWord(s: number[], a: number, b: number, id: number, change: (pair: number, delta: number) => void): void {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === a && i + 1 < s.length && s[i + 1] === b) {
      if (i > 0) {
        change(pairKey(s[i - 1], a), -1);
        change(pairKey(s[i - 1], id), 1);
      }
      s.splice(i, 2, id);
      if (i < s.length - 1) {
        change(pairKey(b, s[i + 1]), -1);
        change(pairKey(id, s[i + 1]), 1);
      }
    }
  }
}

interface QueueEntry {
  pair: number;
  count: number;
  pos: Set<number>;
}

/** Max-heap by count, then by smaller pair (ids compared left then right), as HF's Merge ordering. */
class PairQueue {
  private heap: QueueEntry[] = [];
  private static before(x: QueueEntry, y: QueueEntry): boolean {
    return x.count > y.count || (x.count === y.count && x.pair < y.pair);
  }
  push(e: QueueEntry): void {
    const h = this.heap;
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!PairQueue.before(e, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
  }
  pop(): QueueEntry | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop() as QueueEntry;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && PairQueue.before(h[r], h[l]) ? r : l;
        if (!PairQueue.before(h[c], last)) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
