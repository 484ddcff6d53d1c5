// What train() accepts as data, turned into token streams: a corpus (a byte-level BPE of the model's
// vocabulary size is trained on its train split once, cached by corpus id and size, then both splits are
// tokenized into cached shards), a corpus name, token shards (files or arrays), or a directory of shards.
// The descriptor saved in config.json lets a resumed run find the same data again.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { Corpus } from '../data/corpus/corpus';
import { corpus as namedCorpus, CORPUS_NAMES } from '../data/corpus';
import { BpeTokenizer } from '../data/tokenizer/bpe';
import { trainBpeAsync } from '../data/tokenizer/train';
import { readShard, type TokenShard } from '../data/shards/format';
import { prepareShards } from '../data/shards/prepare';
import { cacheDir } from '../data/loaders/cache';
import type { TokenSource } from '../data/sampling/samplers';
import type { Tokenizer } from '../data/types';
import type { EvalData } from '../eval/evaluate';

/** train() data: a Corpus, a corpus name ('sotu'), a shard file or directory, or token arrays. */
export type TrainData = Corpus | string | TokenSource | { train: TokenSource | string; validation?: TokenSource | string };

/** How config.json records the data, so `--resume` can find it again. */
export type DataDescriptor =
  | { kind: 'corpus'; name: string; id: string; trainShard: string; validationShard: string }
  | { kind: 'shards'; train: string; validation: string | null }
  | { kind: 'memory' };

export interface PreparedData {
  train: TokenSource;
  validation: TokenSource | null;
  /** The tokenizer the tokens came from (trained or given), when known. */
  tokenizer: Tokenizer | null;
  /** What evaluate() scores: the corpus (whole documents, bits/char) or validation tokens. */
  evalData: EvalData | null;
  descriptor: DataDescriptor;
}

export const END_OF_TEXT = '<|endoftext|>';

/** The cached BPE for (corpus, vocabSize): trained once on the train split, then read back. */
export async function corpusTokenizer(c: Corpus, vocabSize: number, log: (line: string) => void = () => {}): Promise<BpeTokenizer> {
  const key = createHash('sha256').update(`${c.train.id}\0bpe\0${vocabSize}`).digest('hex').slice(0, 20);
  const file = path.join(cacheDir(), 'tokenizers', `${c.name}-${vocabSize}-${key}.json`);
  if (fs.existsSync(file)) {
    try {
      return BpeTokenizer.load(file);
    } catch {
      // A corrupt cache entry is retrained below (and replaced atomically).
    }
  }
  log(`training a byte-level BPE tokenizer (vocab ${vocabSize}) on ${c.name}/train; cached at ${file}`);
  const tok = await trainBpeAsync(c.train, { vocabSize, specialTokens: [END_OF_TEXT] });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  tok.save(file);
  return tok;
}

function loadShardArg(v: TokenSource | string, what: string): { tokens: TokenSource; file: string | null } {
  if (typeof v !== 'string') return { tokens: v, file: null };
  if (!fs.existsSync(v)) throw new RangeError(`train: ${what} shard '${v}' does not exist`);
  return { tokens: readShard(v), file: path.resolve(v) };
}

/** Finds train*.tok / validation*.tok (and tokenizer.json) in a directory. */
function shardDirectory(dir: string): { train: string; validation: string | null; tokenizer: string | null } {
  const files = fs.readdirSync(dir);
  const pick = (prefix: string) => files.filter((f) => f.startsWith(prefix) && f.endsWith('.tok'));
  const train = pick('train');
  if (train.length !== 1)
    throw new RangeError(`train: directory '${dir}' must hold exactly one train*.tok shard, found ${train.length}. HINT: flashlm.data.prepareShards writes them`);
  const val = pick('validation');
  if (val.length > 1) throw new RangeError(`train: directory '${dir}' holds ${val.length} validation*.tok shards; expected at most one`);
  const tok = files.includes('tokenizer.json') ? path.join(dir, 'tokenizer.json') : null;
  return { train: path.join(dir, train[0]), validation: val.length ? path.join(dir, val[0]) : null, tokenizer: tok };
}

function checkVocab(tokens: TokenSource, vocabSize: number, what: string): void {
  const shardVocab = (tokens as TokenShard).vocabSize;
  if (typeof shardVocab === 'number' && shardVocab > vocabSize)
    throw new RangeError(`train: the ${what} shard's vocabulary (${shardVocab}) is larger than the model's vocabSize (${vocabSize})`);
}

/**
 * Resolves `data` for a model of `vocabSize` ids. `tokenizer` overrides the trained one (its vocabSize
 * must not exceed the model's).
 */
export async function prepareTrainingData(
  data: TrainData,
  vocabSize: number,
  options: { tokenizer?: Tokenizer | null; log?: (line: string) => void } = {},
): Promise<PreparedData> {
  const log = options.log ?? (() => {});
  if (typeof data === 'string' && (CORPUS_NAMES as readonly string[]).includes(data)) data = namedCorpus(data as (typeof CORPUS_NAMES)[number]);
  if (Corpus.isCorpus(data)) {
    const tokenizer = options.tokenizer ?? (await corpusTokenizer(data, vocabSize, log));
    if (tokenizer.vocabSize > vocabSize) throw new RangeError(`train: the tokenizer's vocabSize (${tokenizer.vocabSize}) exceeds the model's (${vocabSize})`);
    log(`tokenizing ${data.name} (train and validation; cached)`);
    const { train, validation } = await prepareShards(data, tokenizer);
    return {
      train, validation, tokenizer, evalData: data,
      descriptor: { kind: 'corpus', name: data.name, id: data.id, trainShard: train.file, validationShard: validation.file },
    };
  }
  let tokenizer: Tokenizer | null = options.tokenizer ?? null;
  let train: { tokens: TokenSource; file: string | null };
  let validation: { tokens: TokenSource; file: string | null } | null = null;
  if (typeof data === 'string') {
    if (!fs.existsSync(data))
      throw new RangeError(`train: data '${data}' is neither a corpus name (${CORPUS_NAMES.join(', ')}) nor an existing shard file or directory`);
    if (fs.statSync(data).isDirectory()) {
      const found = shardDirectory(data);
      train = loadShardArg(found.train, 'train');
      if (found.validation) validation = loadShardArg(found.validation, 'validation');
      if (tokenizer === null && found.tokenizer) tokenizer = BpeTokenizer.load(found.tokenizer);
    } else {
      train = loadShardArg(data, 'train');
    }
  } else if (isSplitPair(data)) {
    train = loadShardArg(data.train, 'train');
    if (data.validation !== undefined) validation = loadShardArg(data.validation, 'validation');
  } else {
    train = { tokens: data, file: null };
  }
  checkVocab(train.tokens, vocabSize, 'train');
  if (validation) checkVocab(validation.tokens, vocabSize, 'validation');
  const descriptor: DataDescriptor = train.file !== null && (validation === null || validation.file !== null)
    ? { kind: 'shards', train: train.file, validation: validation?.file ?? null }
    : { kind: 'memory' };
  return {
    train: train.tokens,
    validation: validation?.tokens ?? null,
    tokenizer,
    evalData: validation ? { tokens: validation.tokens } : null,
    descriptor,
  };
}

function isSplitPair(d: unknown): d is { train: TokenSource | string; validation?: TokenSource | string } {
  return typeof d === 'object' && d !== null && !ArrayBuffer.isView(d) && !Array.isArray(d) && 'train' in d && !('tokens' in d);
}

/** Data for a resumed run from its descriptor (the user may also pass the data again). */
export async function dataFromDescriptor(d: DataDescriptor, vocabSize: number, tokenizer: Tokenizer | null): Promise<PreparedData> {
  if (d.kind === 'corpus') {
    if ((CORPUS_NAMES as readonly string[]).includes(d.name)) {
      const c = namedCorpus(d.name as (typeof CORPUS_NAMES)[number]);
      if (c.id === d.id) return prepareTrainingData(c, vocabSize, { tokenizer });
    }
    return prepareTrainingData({ train: d.trainShard, validation: d.validationShard }, vocabSize, { tokenizer });
  }
  if (d.kind === 'shards') {
    return prepareTrainingData(d.validation ? { train: d.train, validation: d.validation } : { train: d.train }, vocabSize, { tokenizer });
  }
  throw new RangeError('train: this run trained on in-memory tokens; pass the same data again to resume it');
}
