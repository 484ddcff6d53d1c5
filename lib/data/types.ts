// The shared contracts of lib/data: what a tokenizer must offer the corpus/shard pipeline, and what a split
// of documents looks like to a training loop. Tokenizers live in ./tokenizer, corpora in ./corpus, shards in
// ./shards; each depends only on these types, never on one another's classes.

/**
 * What the data pipeline needs from a tokenizer. BpeTokenizer, V4Tokenizer and LlamaTokenizer satisfy it.
 *
 * @example
 * const ids = tok.encode('Once upon a time'); // Uint32Array | number[]
 * tok.decode(ids) === 'Once upon a time';
 */
export interface Tokenizer {
  /** Number of ids; every id the tokenizer emits is < vocabSize. Decides the shard dtype (u16 when ≤ 65536). */
  readonly vocabSize: number;
  /** Text → ids, with no special tokens added around it. */
  encode(text: string): Uint32Array | number[];
  /** Ids → text. */
  decode(ids: ArrayLike<number>): string;
  /** A stable hash of the tokenizer's definition (its tokenizer.json); token shards store it in their header. */
  fingerprint(): string;
  /** The id of a special token such as '<|endoftext|>' or '<eos>', or undefined when it has none. */
  specialTokenId(token: string): number | undefined;
}

/**
 * One split (train or validation) of a corpus: a re-iterable stream of documents (stories, addresses, web
 * pages), each a string. Every `for await` walks the split from the start, in the same order.
 *
 * @example
 * for await (const doc of corpus.train) console.log(doc.length);
 */
export interface DocumentSplit extends AsyncIterable<string> {
  /** 'train' or 'validation'. */
  readonly name: SplitName;
  /** A stable id of exactly these documents (corpus, source files, split rule, options): the shard cache key. */
  readonly id: string;
  /** Number of documents when known before iterating (embedded corpora, local files after a scan). */
  readonly documentCount?: number;
  /** Total UTF-16 length of the documents when known before iterating. */
  readonly charCount?: number;
  /** What the source's pipeline puts between documents when tokenized (default 'eos'; 'none' for v5, B12). */
  readonly separator?: 'eos' | 'none';
}

export type SplitName = 'train' | 'validation';
