// The BPE model of a byte-level tokenizer: vocab, merge ranks, and HF's merge_word (models/bpe/word.rs
// merge_all): every adjacent pair with a merge goes into a min-queue keyed by (rank, position); the lowest
// is applied unless it expired, and the pairs it forms with its neighbours join the queue. This is what HF
// does, and it differs from "merge every occurrence of the best pair" on unusual merge tables.

/** Pair (a, b) of ids as one number; ids stay below 2^22 (4M tokens). */
export function pairKey(a: number, b: number): number {
  return a * 4194304 + b;
}
export const MAX_ID = 4194303;

export interface BpeModelOptions {
  unkToken: string | null;
  continuingSubwordPrefix: string | null;
  endOfWordSuffix: string | null;
  fuseUnk: boolean;
  byteFallback: boolean;
  ignoreMerges: boolean;
}

export class BpeModel {
  readonly vocab: Map<string, number>;
  readonly idToToken: (string | undefined)[];
  /** pairKey -> index into rank/newId. */
  private readonly mergeIndex = new Map<number, number>();
  private readonly rank: Int32Array;
  private readonly newId: Int32Array;
  // Reused scratch for merge_word.
  private symC = new Int32Array(64);
  private symPrev = new Int32Array(64);
  private symNext = new Int32Array(64);
  private symLen = new Int32Array(64);

  /** merges: [left, right] token strings in rank order. Throws Error(message) on a bad table. */
  constructor(vocab: Map<string, number>, merges: ReadonlyArray<readonly [string, string]>, readonly options: BpeModelOptions) {
    this.vocab = vocab;
    this.idToToken = [];
    for (const [tok, id] of vocab) this.idToToken[id] = tok;
    this.rank = new Int32Array(merges.length);
    this.newId = new Int32Array(merges.length);
    const prefixLen = options.continuingSubwordPrefix?.length ?? 0;
    for (let i = 0; i < merges.length; i++) {
      const [a, b] = merges[i];
      const ia = vocab.get(a);
      const ib = vocab.get(b);
      const merged = a + b.slice(prefixLen);
      const im = vocab.get(merged);
      const missing = ia === undefined ? a : ib === undefined ? b : im === undefined ? merged : undefined;
      if (missing !== undefined) throw new Error(`merge ${i} (${JSON.stringify(a)} ${JSON.stringify(b)}) uses ${JSON.stringify(missing)}, which is not in the vocab`);
      // A repeated pair keeps its last rank, as HF's HashMap does.
      const key = pairKey(ia as number, ib as number);
      let slot = this.mergeIndex.get(key);
      if (slot === undefined) this.mergeIndex.set(key, (slot = i));
      this.rank[slot] = i;
      this.newId[slot] = im as number;
    }
  }

  get mergeCount(): number {
    return this.mergeIndex.size;
  }

  /**
   * Ids of one pre-tokenized piece, given as its byte-level string (one char per UTF-8 byte), appended
   * to out. Chars missing from the vocab become the unk token, byte-fallback tokens, or are dropped, as
   * in HF's BPE::merge_word.
   */
  tokenize(word: string, out: number[]): void {
    const o = this.options;
    if (o.ignoreMerges) {
      const id = this.vocab.get(word);
      if (id !== undefined) {
        out.push(id);
        return;
      }
    }
    const n = word.length;
    if (this.symC.length < n + 1) {
      const m = 2 * n + 2;
      this.symC = new Int32Array(m);
      this.symPrev = new Int32Array(m);
      this.symNext = new Int32Array(m);
      this.symLen = new Int32Array(m);
    }
    const C = this.symC;
    const P = this.symPrev;
    const N = this.symNext;
    const L = this.symLen;
    let count = 0;
    const add = (id: number, len: number): void => {
      if (count > 0) N[count - 1] = count;
      C[count] = id;
      P[count] = count - 1;
      N[count] = -1;
      L[count] = len;
      count++;
    };
    let unkId = -1;
    let unkLen = 0;
    const plain = o.continuingSubwordPrefix === null && o.endOfWordSuffix === null;
    for (let i = 0; i < n; i++) {
      let s = word[i];
      if (!plain) {
        if (i > 0 && o.continuingSubwordPrefix !== null) s = o.continuingSubwordPrefix + s;
        if (i === n - 1 && o.endOfWordSuffix !== null) s += o.endOfWordSuffix;
      }
      const id = this.vocab.get(s);
      if (id !== undefined) {
        if (unkId >= 0) {
          add(unkId, unkLen);
          unkId = -1;
        }
        add(id, 1);
        continue;
      }
      if (o.byteFallback) {
        const bytes = Buffer.from(s, 'utf8');
        const ids: number[] = [];
        for (const b of bytes) {
          const f = this.vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
          if (f === undefined) break;
          ids.push(f);
        }
        if (ids.length === bytes.length) {
          for (const f of ids) add(f, 1);
          continue;
        }
      }
      if (o.unkToken !== null) {
        const u = this.vocab.get(o.unkToken);
        if (u === undefined) throw new Error(`unk_token ${JSON.stringify(o.unkToken)} is not in the vocab`);
        if (unkId >= 0 && o.fuseUnk) unkLen += 1;
        else {
          if (unkId >= 0) add(unkId, unkLen);
          unkId = u;
          unkLen = 1;
        }
      }
    }
    if (unkId >= 0) add(unkId, unkLen);
    if (count > 1) this.mergeAll(count);
    for (let i = 0; i < count; i++) if (L[i] !== 0) out.push(C[i]);
  }

  // HF Word::merge_all without dropout. Queue entries are (rank, pos, newId), min by rank then pos.
  private mergeAll(count: number): void {
    const C = this.symC;
    const P = this.symPrev;
    const N = this.symNext;
    const L = this.symLen;
    const heap = new MergeQueue();
    for (let i = 0; i + 1 < count; i++) {
      const m = this.mergeIndex.get(pairKey(C[i], C[i + 1]));
      if (m !== undefined) heap.push(this.rank[m], i, this.newId[m]);
    }
    while (heap.size > 0) {
      const pos = heap.topPos();
      const newId = heap.topNewId();
      heap.pop();
      if (L[pos] === 0 || N[pos] === -1) continue;
      const next = N[pos];
      const m = this.mergeIndex.get(pairKey(C[pos], C[next]));
      if (m === undefined || this.newId[m] !== newId) continue; // expired entry
      C[pos] = newId;
      L[pos] += L[next];
      N[pos] = N[next];
      L[next] = 0;
      if (N[pos] >= 0) P[N[pos]] = pos;
      if (P[pos] >= 0) {
        const pm = this.mergeIndex.get(pairKey(C[P[pos]], C[pos]));
        if (pm !== undefined) heap.push(this.rank[pm], P[pos], this.newId[pm]);
      }
      if (N[pos] >= 0) {
        const nm = this.mergeIndex.get(pairKey(C[pos], C[N[pos]]));
        if (nm !== undefined) heap.push(this.rank[nm], pos, this.newId[nm]);
      }
    }
  }
}

/** A binary min-heap of (rank, pos, newId) ordered by rank then pos; ties cannot occur (pos differs). */
class MergeQueue {
  private rank: number[] = [];
  private pos: number[] = [];
  private nid: number[] = [];
  size = 0;

  private less(i: number, j: number): boolean {
    return this.rank[i] < this.rank[j] || (this.rank[i] === this.rank[j] && this.pos[i] < this.pos[j]);
  }
  private swap(i: number, j: number): void {
    let t = this.rank[i];
    this.rank[i] = this.rank[j];
    this.rank[j] = t;
    t = this.pos[i];
    this.pos[i] = this.pos[j];
    this.pos[j] = t;
    t = this.nid[i];
    this.nid[i] = this.nid[j];
    this.nid[j] = t;
  }
  push(rank: number, pos: number, nid: number): void {
    let i = this.size++;
    this.rank[i] = rank;
    this.pos[i] = pos;
    this.nid[i] = nid;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }
  topPos(): number {
    return this.pos[0];
  }
  topNewId(): number {
    return this.nid[0];
  }
  pop(): void {
    const last = --this.size;
    if (last > 0) {
      this.rank[0] = this.rank[last];
      this.pos[0] = this.pos[last];
      this.nid[0] = this.nid[last];
    }
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const c = r < this.size && this.less(r, l) ? r : l;
      if (!this.less(c, i)) break;
      this.swap(c, i);
      i = c;
    }
  }
}
