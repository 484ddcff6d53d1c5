// Batch samplers over a token stream (spec S11): windows of T+1 tokens give x = first T, y = last T (shifted
// by one). Three orders, as the versions use them: random offsets (v5.2, v6), shuffled non-overlapping
// windows per epoch (v4, v5, v6.1-PT) and sequential windows (v6.1-C). Seeded through lib/random.ts, so a
// sampler's batches depend only on (tokens, options, seed), and `state` resumes one exactly.
import { Generator, type GeneratorState } from '../../random';
import { Tensor } from '../../tensor/tensor';
import type { TokenShard } from '../shards/format';

/** A batch: inputs and next-token targets, both (B, T) i32. The caller owns (disposes) them. */
export interface Batch {
  x: Tensor;
  y: Tensor;
}

export type TokenSource = TokenShard | Uint16Array | Uint32Array | Int32Array | readonly number[];

export interface SamplerOptions {
  /** B: windows per batch. */
  batchSize: number;
  /** T: tokens per window (x and y each hold T; a window reads T+1). */
  blockSize: number;
  /** Seed (default 0). */
  seed?: number;
  /**
   * Distance between window starts for 'windows' and 'sequential' (default T: each token is a target once;
   * T+1 gives disjoint T+1-token chunks as v4 and v6.1-PT do).
   */
  stride?: number;
}

export type SamplerKind = 'random' | 'windows' | 'sequential';

/** Where a sampler is: enough to resume it. */
export interface SamplerState {
  generator: GeneratorState;
  epoch: number;
  cursor: number;
}

/**
 * Draws (x, y) batches from a token stream.
 * - 'random': B offsets uniform in [0, N − T − 1] per batch, forever.
 * - 'windows': windows at `stride`, shuffled anew each epoch, full batches only (the tail is dropped).
 * - 'sequential': windows in order; batch s holds windows (s·B + i) mod n, wrapping around.
 *
 * @example
 * const s = new BatchSampler(shard, 'random', { batchSize: 8, blockSize: 128, seed: 42 });
 * const { x, y } = s.next(); // (8, 128) i32 each
 */
export class BatchSampler implements Iterable<Batch> {
  readonly tokens: ArrayLike<number>;
  readonly batchSize: number;
  readonly blockSize: number;
  readonly stride: number;
  /** Windows per epoch ('windows', 'sequential') or start offsets ('random'). */
  readonly windowCount: number;
  private readonly gen: Generator;
  private perm: Uint32Array | undefined;
  private epochStart: GeneratorState | undefined;
  epoch = 0;
  /** Next window index inside the epoch ('windows', 'sequential'); batches drawn ('random'). */
  cursor = 0;

  constructor(
    source: TokenSource,
    readonly kind: SamplerKind,
    options: SamplerOptions,
  ) {
    const fn = `BatchSampler(${kind})`;
    if (kind !== 'random' && kind !== 'windows' && kind !== 'sequential') throw new RangeError(`BatchSampler: kind must be 'random', 'windows' or 'sequential', got '${String(kind)}'`);
    this.tokens = isShard(source) ? source.tokens : source;
    const B = options.batchSize;
    const T = options.blockSize;
    if (!Number.isSafeInteger(B) || B < 1) throw new RangeError(`${fn}: batchSize must be a positive integer, got ${B}`);
    if (!Number.isSafeInteger(T) || T < 1) throw new RangeError(`${fn}: blockSize must be a positive integer, got ${T}`);
    const stride = options.stride ?? T;
    if (!Number.isSafeInteger(stride) || stride < 1) throw new RangeError(`${fn}: stride must be a positive integer, got ${stride}`);
    const N = this.tokens.length;
    if (N < T + 1) throw new RangeError(`${fn}: ${N} tokens cannot fill one window of blockSize + 1 = ${T + 1}; use a smaller blockSize or more data`);
    this.batchSize = B;
    this.blockSize = T;
    this.stride = stride;
    this.windowCount = kind === 'random' ? N - T : Math.floor((N - T - 1) / stride) + 1;
    if (kind === 'windows' && this.windowCount < B)
      throw new RangeError(`${fn}: ${this.windowCount} windows of ${T + 1} tokens cannot fill one batch of ${B}; use a smaller batchSize or blockSize`);
    this.gen = new Generator(options.seed ?? 0);
  }

  /** Full batches per epoch ('windows'), or windows / B rounded up ('sequential'). */
  get batchesPerEpoch(): number {
    return this.kind === 'windows' ? Math.floor(this.windowCount / this.batchSize) : Math.ceil(this.windowCount / this.batchSize);
  }

  get state(): SamplerState {
    // 'windows' draws only permutations, so the generator state at the epoch's start plus the cursor says it all.
    const generator = this.kind === 'windows' && this.epochStart ? this.epochStart : this.gen.state;
    return { generator: { ...generator }, epoch: this.epoch, cursor: this.cursor };
  }

  set state(s: SamplerState) {
    if (!Number.isSafeInteger(s.epoch) || s.epoch < 0 || !Number.isSafeInteger(s.cursor) || s.cursor < 0)
      throw new RangeError(`BatchSampler: state.epoch and state.cursor must be non-negative integers, got ${s.epoch}, ${s.cursor}`);
    this.gen.state = s.generator;
    this.epoch = s.epoch;
    this.cursor = s.cursor;
    this.perm = undefined;
    this.epochStart = undefined;
    if (this.kind === 'windows' && s.cursor > 0) this.perm = this.drawPermutation();
  }

  /** Window start offsets of the next batch (advances the sampler). */
  nextOffsets(): number[] {
    const B = this.batchSize;
    const out = new Array<number>(B);
    if (this.kind === 'random') {
      const r = uniformInts(this.gen, B, this.windowCount);
      for (let i = 0; i < B; i++) out[i] = r[i];
      this.cursor++;
    } else if (this.kind === 'sequential') {
      for (let i = 0; i < B; i++) out[i] = ((this.cursor + i) % this.windowCount) * this.stride;
      this.cursor += B;
      if (this.cursor >= this.windowCount) {
        this.cursor %= this.windowCount;
        this.epoch++;
      }
    } else {
      if (this.cursor + B > this.windowCount || this.perm === undefined) {
        if (this.perm !== undefined) this.epoch++;
        this.cursor = 0;
        this.perm = this.drawPermutation();
      }
      for (let i = 0; i < B; i++) out[i] = this.perm[this.cursor + i] * this.stride;
      this.cursor += B;
    }
    return out;
  }

  /** The next (x, y) batch, (B, T) i32 each. */
  next(): Batch {
    const offsets = this.nextOffsets();
    const B = this.batchSize;
    const T = this.blockSize;
    const x = Tensor.empty([B, T], 'i32');
    const y = Tensor.empty([B, T], 'i32');
    const xd = x.i32();
    const yd = y.i32();
    const tok = this.tokens;
    for (let b = 0; b < B; b++) {
      const o = offsets[b];
      for (let t = 0; t < T; t++) {
        xd[b * T + t] = tok[o + t];
        yd[b * T + t] = tok[o + t + 1];
      }
    }
    return { x, y };
  }

  *[Symbol.iterator](): Iterator<Batch> {
    for (;;) yield this.next();
  }

  /** Fisher–Yates over the window indices with the sampler's generator. */
  private drawPermutation(): Uint32Array {
    this.epochStart = this.gen.state;
    const n = this.windowCount;
    const perm = new Uint32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    const r = uniformInts48(this.gen, n);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r[i] * (i + 1));
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return perm;
  }
}

function isShard(x: TokenSource): x is TokenShard {
  return typeof x === 'object' && x !== null && 'tokens' in x && 'vocabSize' in x;
}

/** n uniform values in [0, 1) with 48 random bits each (two 24-bit draws), enough for any window count. */
function uniformInts48(gen: Generator, n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 0) return out;
  const t = gen.randint([2 * n], 0, 1 << 24);
  try {
    const d = t.i32();
    for (let i = 0; i < n; i++) out[i] = (d[2 * i] * 2 ** 24 + d[2 * i + 1]) / 2 ** 48;
  } finally {
    t.dispose();
  }
  return out;
}

/** n integers uniform in [0, range). */
function uniformInts(gen: Generator, n: number, range: number): number[] {
  const u = uniformInts48(gen, n);
  return Array.from(u, (v) => Math.floor(v * range));
}

/**
 * Shorthands.
 *
 * @example
 * const batches = randomWindows(shard.tokens, { batchSize: 4, blockSize: 64, seed: 1 });
 */
export const randomWindows = (tokens: TokenSource, o: SamplerOptions) => new BatchSampler(tokens, 'random', o);
export const shuffledWindows = (tokens: TokenSource, o: SamplerOptions) => new BatchSampler(tokens, 'windows', o);
export const sequentialWindows = (tokens: TokenSource, o: SamplerOptions) => new BatchSampler(tokens, 'sequential', o);
