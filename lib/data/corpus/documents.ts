// Documents: the one DocumentSplit implementation (a re-iterable async stream of strings with optional size
// info), and the deterministic document-level train/validation assignment every corpus uses. The split is
// a hash of (seed, document index), so it needs no shuffle buffer and works on streams of any length.
import type { DocumentSplit, SplitName } from '../types';

/** What goes between documents when a split is tokenized: the end-of-text token (default) or nothing (v5, B12). */
export type SeparatorHint = 'eos' | 'none';

/** Size info known before iterating. */
export interface DocumentsInfo {
  documentCount?: number;
  charCount?: number;
  separator?: SeparatorHint;
}

/**
 * A split of documents. Each `for await` restarts from the first document.
 *
 * @example
 * const docs = Documents.fromArray('train', 'demo:train', ['a story', 'another']);
 * for await (const d of docs) console.log(d);
 */
export class Documents implements DocumentSplit {
  readonly documentCount?: number;
  readonly charCount?: number;
  /** What the corpus's pipeline puts between documents (prepareShards' default separator). */
  readonly separator: SeparatorHint;

  constructor(
    readonly name: SplitName,
    readonly id: string,
    private readonly source: () => AsyncIterable<string>,
    info: DocumentsInfo = {},
  ) {
    this.documentCount = info.documentCount;
    this.charCount = info.charCount;
    this.separator = info.separator ?? 'eos';
  }

  /** A split over documents already in memory (sizes known). */
  static fromArray(name: SplitName, id: string, docs: readonly string[], info: DocumentsInfo = {}): Documents {
    let chars = 0;
    for (const d of docs) chars += d.length;
    return new Documents(
      name,
      id,
      async function* () {
        yield* docs;
      },
      { documentCount: docs.length, charCount: chars, ...info },
    );
  }

  [Symbol.asyncIterator](): AsyncIterator<string> {
    return this.source()[Symbol.asyncIterator]();
  }

  /** The first n documents as a new split (its id says so, so shards of it are cached apart). */
  take(n: number): Documents {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Documents.take: n must be a non-negative integer, got ${n}`);
    if (this.documentCount !== undefined && n >= this.documentCount) return this;
    const src = this.source;
    return new Documents(this.name, `${this.id}:first=${n}`, () => takeFirst(src(), n), {
      documentCount: this.documentCount === undefined ? undefined : Math.min(n, this.documentCount),
      separator: this.separator,
    });
  }

  /** Reads every document into an array (small corpora, tests). */
  async toArray(): Promise<string[]> {
    const out: string[] = [];
    for await (const d of this) out.push(d);
    return out;
  }

  toString(): string {
    const parts = [this.documentCount === undefined ? undefined : `${this.documentCount} documents`, this.charCount === undefined ? undefined : `${this.charCount} chars`];
    return `Documents(${this.name}, ${this.id}${parts.some((p) => p) ? ', ' + parts.filter((p) => p).join(', ') : ''})`;
  }
}

/** Yields the first n items of a stream, then closes it (so files and downloads are released). */
export async function* takeFirst<T>(it: AsyncIterable<T>, n: number): AsyncGenerator<T> {
  if (n <= 0) return;
  let i = 0;
  for await (const x of it) {
    yield x;
    if (++i >= n) return;
  }
}

/** The train/validation rule: a fraction of documents chosen by a seeded hash of their index. */
export interface SplitRule {
  /** Fraction of documents in validation, in [0, 1). */
  validationFraction: number;
  /** Seed of the assignment; the same seed gives the same split on every machine. */
  seed: number;
}

export function checkSplitRule(fn: string, rule: SplitRule): void {
  if (!(rule.validationFraction >= 0 && rule.validationFraction < 1))
    throw new RangeError(`${fn}: validationFraction must be in [0, 1), got ${rule.validationFraction}`);
  if (!Number.isSafeInteger(rule.seed) || rule.seed < 0) throw new RangeError(`${fn}: seed must be a non-negative integer, got ${rule.seed}`);
}

/** A uniform value in [0, 1) from (seed, index): splitmix32-style mixing, identical on every platform. */
export function hashUnit(seed: number, index: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ (Math.floor(seed / 2 ** 32) * 0x85ebca6b)) >>> 0;
  h = (h ^ (index >>> 0)) >>> 0;
  h = (h + Math.imul(Math.floor(index / 2 ** 32), 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 2 ** 32;
}

/** For a stream: is document `index` in validation? (Expected fraction, not exact.) */
export function inValidation(rule: SplitRule, index: number): boolean {
  return hashUnit(rule.seed, index) < rule.validationFraction;
}

/**
 * For n known documents: a mask with exactly round(n·fraction) validation documents (at least one when the
 * fraction is > 0 and n ≥ 2), the ones with the smallest hashes.
 */
export function validationMask(rule: SplitRule, n: number): Uint8Array {
  const mask = new Uint8Array(n);
  let k = Math.round(n * rule.validationFraction);
  if (rule.validationFraction > 0 && n >= 2) k = Math.max(1, Math.min(k, n - 1));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => hashUnit(rule.seed, a) - hashUnit(rule.seed, b) || a - b);
  for (let i = 0; i < k; i++) mask[order[i]] = 1;
  return mask;
}

/** Splits in-memory documents into train and validation (original order kept inside each). */
export function splitArray(docs: readonly string[], rule: SplitRule): { train: string[]; validation: string[] } {
  const mask = validationMask(rule, docs.length);
  const train: string[] = [];
  const validation: string[] = [];
  docs.forEach((d, i) => (mask[i] ? validation : train).push(d));
  return { train, validation };
}

/** One stream of documents divided into the two splits by inValidation (each split re-reads the stream). */
export function splitStream(
  id: string,
  source: () => AsyncIterable<string>,
  rule: SplitRule,
  info: { separator?: SeparatorHint } = {},
): { train: Documents; validation: Documents } {
  const part = (want: boolean) =>
    async function* (): AsyncGenerator<string> {
      let i = 0;
      for await (const d of source()) if (inValidation(rule, i++) === want) yield d;
    };
  const suffix = `split=${rule.validationFraction}/${rule.seed}`;
  return {
    train: new Documents('train', `${id}:${suffix}:train`, part(false), info),
    validation: new Documents('validation', `${id}:${suffix}:validation`, part(true), info),
  };
}
