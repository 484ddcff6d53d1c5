// flashlm.data: tokenizers, corpora, token shards and samplers (issue 4).
export * from './tokenizer';
export type { Tokenizer, DocumentSplit, SplitName } from './types';
export * from './corpus';
export * from './shards';
export { BatchSampler, randomWindows, shuffledWindows, sequentialWindows } from './sampling/samplers';
export type { Batch, SamplerKind, SamplerOptions, SamplerState, TokenSource } from './sampling/samplers';
export { cacheDir } from './loaders/cache';
export { download, DataUnavailableError, DownloadIntegrityError, sha256File } from './loaders/download';
export type { DownloadOptions } from './loaders/download';
export { parquetTexts, parquetInfo } from './loaders/parquet';
export { tinystories, finewebEdu } from './loaders/hub';
export type { HubOptions, TinyStoriesOptions, FineWebEduOptions } from './loaders/hub';
