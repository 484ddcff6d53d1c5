// The Corpus type a training loop receives: a name, a stable id for caching, and train/validation splits of
// documents. Which corpora exist and how they are read live in embedded.ts, text.ts and ../loaders.
import type { SplitName } from '../types';
import type { Documents } from './documents';

/** Facts shown with a corpus (source, license, split rule). */
export interface CorpusInfo {
  source: string;
  license?: string;
  split: string;
  separation?: string;
}

/**
 * A corpus: documents in a train and a validation split. `flashlm.train` and `prepareShards` accept it.
 *
 * @example
 * const c = flashlm.data.corpus('sotu');
 * for await (const doc of c.validation) console.log(doc.slice(0, 80));
 */
export class Corpus {
  constructor(
    /** The corpus name ('sotu', 'tinystories', 'text', ...). */
    readonly name: string,
    /** Stable id of the source and options: cache keys of derived data start with it. */
    readonly id: string,
    readonly train: Documents,
    readonly validation: Documents,
    readonly info: CorpusInfo,
    /** Fetches what the splits need (hub files) ahead of iteration; embedded and local corpora need nothing. */
    private readonly fetcher: () => Promise<string[]> = async () => [],
  ) {}

  /** Marks a value as a Corpus across module copies (instanceof fails when two copies of flashlm load). */
  readonly kind = 'flashlm.Corpus' as const;

  static isCorpus(x: unknown): x is Corpus {
    return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'flashlm.Corpus';
  }

  split(name: SplitName): Documents {
    if (name === 'train') return this.train;
    if (name === 'validation') return this.validation;
    throw new RangeError(`Corpus.split: name must be 'train' or 'validation', got '${String(name)}'`);
  }

  /** Downloads (or finds in the cache) every file of both splits; returns their local paths. */
  download(): Promise<string[]> {
    return this.fetcher();
  }

  toString(): string {
    const count = (d: Documents) => (d.documentCount === undefined ? 'streamed' : `${d.documentCount} docs${d.charCount === undefined ? '' : `, ${(d.charCount / 1e6).toFixed(2)} M chars`}`);
    return `Corpus ${this.name} (${this.info.source}): train ${count(this.train)}; validation ${count(this.validation)}; split ${this.info.split}`;
  }

  [Symbol.for('Jupyter.display')](): Record<string, string> {
    return { 'text/plain': this.toString() };
  }
}
