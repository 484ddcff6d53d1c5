// prepareShards: tokenizes a split once into a token shard and reuses it. The cache key is the split's id
// (corpus, files, split rule), the tokenizer fingerprint and the separator; the file name is its hash and
// the header repeats it, so any mismatch (or a corrupt file) rebuilds. Documents are separated by the
// end-of-text token by default (spec B12); 'none' reproduces v5.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FormatError } from '../../errors';
import { Corpus } from '../corpus/corpus';
import { cacheDir } from '../loaders/cache';
import type { DocumentSplit, Tokenizer } from '../types';
import { ShardWriter, fitSource, readShard, readShardHeader, type TokenShard } from './format';

/** End-of-text tokens tried, in order, when the separator is 'eos'. */
export const EOS_CANDIDATES = ['<|endoftext|>', '<eos>', '<|eos|>', '</s>', '<|end_of_text|>', '<EOS>'];

export interface PrepareOptions {
  /**
   * What follows each document: 'eos' (the tokenizer's end-of-text special, default unless the split says
   * 'none'), 'none', a special token's text, or an id.
   */
  separator?: 'eos' | 'none' | string | number;
  /** Stop after this many tokens (whole documents; the last one may be cut). */
  maxTokens?: number;
  /** Rebuild even when a matching shard exists. */
  rebuild?: boolean;
  /** Called every ~1000 documents and at the end. */
  onProgress?: (documents: number, tokens: number) => void;
}

/** Resolves the separator to an id, or undefined for none. */
export function separatorId(tokenizer: Tokenizer, sep: PrepareOptions['separator']): number | undefined {
  if (sep === 'none') return undefined;
  if (sep === undefined || sep === 'eos') {
    for (const t of EOS_CANDIDATES) {
      const id = tokenizer.specialTokenId(t);
      if (id !== undefined) return id;
    }
    throw new RangeError(`prepareShards: the tokenizer has no end-of-text special token (tried ${EOS_CANDIDATES.join(', ')}). HINT: pass { separator: '<your token>' | id | 'none' }`);
  }
  if (typeof sep === 'number') {
    if (!Number.isInteger(sep) || sep < 0 || sep >= tokenizer.vocabSize) throw new RangeError(`prepareShards: separator id ${sep} is not in [0, ${tokenizer.vocabSize})`);
    return sep;
  }
  const id = tokenizer.specialTokenId(sep);
  if (id === undefined) throw new RangeError(`prepareShards: the tokenizer has no special token '${sep}'; expected one of its specials, an id, 'eos' or 'none'`);
  return id;
}

function shardKey(split: DocumentSplit, sep: number | undefined, maxTokens: number | undefined): string {
  return fitSource(`${split.id}|sep=${sep ?? 'none'}|max=${maxTokens ?? 'all'}`);
}

/** The file prepareShards uses for this split, tokenizer and options. */
export function shardPath(split: DocumentSplit, tokenizer: Tokenizer, dir?: string, options: PrepareOptions = {}): string {
  const sep = separatorId(tokenizer, options.separator ?? defaultSeparator(split));
  const fp = tokenizer.fingerprint();
  const key = shardKey(split, sep, options.maxTokens);
  const h = createHash('sha256').update(`${key}\0${fp}`).digest('hex').slice(0, 20);
  return path.join(dir ?? path.join(cacheDir(), 'shards'), `${split.name}-${h}.tok`);
}

function defaultSeparator(split: DocumentSplit): 'eos' | 'none' {
  return split.separator === 'none' ? 'none' : 'eos';
}

/**
 * Tokenizes a split (or both splits of a corpus) into token shards under `dir` (default
 * <cache>/shards), or loads them when they already exist for the same data, tokenizer and options.
 *
 * @example
 * const { train, validation } = await flashlm.data.prepareShards(flashlm.data.corpus('sotu'), tok, 'data/');
 * train.tokens; // Uint16Array
 */
export async function prepareShards(split: DocumentSplit, tokenizer: Tokenizer, dir?: string, options?: PrepareOptions): Promise<TokenShard>;
export async function prepareShards(corpus: Corpus, tokenizer: Tokenizer, dir?: string, options?: PrepareOptions): Promise<{ train: TokenShard; validation: TokenShard }>;
export async function prepareShards(
  what: DocumentSplit | Corpus,
  tokenizer: Tokenizer,
  dir?: string,
  options: PrepareOptions = {},
): Promise<TokenShard | { train: TokenShard; validation: TokenShard }> {
  if (Corpus.isCorpus(what)) {
    return { train: await prepareShards(what.train, tokenizer, dir, options), validation: await prepareShards(what.validation, tokenizer, dir, options) };
  }
  const split = what;
  if (!split || typeof (split as DocumentSplit)[Symbol.asyncIterator] !== 'function' || typeof split.id !== 'string')
    throw new TypeError('prepareShards: expected a corpus or a split of documents (corpus.train / corpus.validation)');
  if (options.maxTokens !== undefined && (!Number.isSafeInteger(options.maxTokens) || options.maxTokens < 1))
    throw new RangeError(`prepareShards: maxTokens must be a positive integer, got ${options.maxTokens}`);
  const fp = tokenizer.fingerprint();
  const sep = separatorId(tokenizer, options.separator ?? defaultSeparator(split));
  const source = shardKey(split, sep, options.maxTokens);
  const file = shardPath(split, tokenizer, dir, options);
  if (!options.rebuild && fs.existsSync(file)) {
    try {
      readShardHeader(file, { fingerprint: fp, vocabSize: tokenizer.vocabSize, source });
      return readShard(file, { fingerprint: fp, vocabSize: tokenizer.vocabSize, source });
    } catch (e) {
      if (!(e instanceof FormatError)) throw e;
      // A stale or corrupt shard: fall through and rebuild it.
    }
  }
  const w = new ShardWriter(file, { vocabSize: tokenizer.vocabSize, fingerprint: fp, source });
  try {
    let docs = 0;
    const max = options.maxTokens ?? Infinity;
    for await (const doc of split) {
      let ids = tokenizer.encode(doc);
      const room = max - w.tokenCount;
      if (ids.length > room) ids = ids.slice(0, room);
      w.push(ids);
      if (sep !== undefined && w.tokenCount < max) w.push([sep]);
      w.endDocument();
      if (++docs % 1000 === 0) options.onProgress?.(docs, w.tokenCount);
      if (w.tokenCount >= max) break;
    }
    options.onProgress?.(docs, w.tokenCount);
    w.finish();
  } catch (e) {
    w.abort();
    throw e;
  }
  return readShard(file, { fingerprint: fp, vocabSize: tokenizer.vocabSize, source });
}
