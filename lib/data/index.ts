// flashlm.data: tokenizers, corpora, token shards and samplers (issue 4).
export * from './tokenizer';
export type { Tokenizer, DocumentSplit, SplitName } from './types';
