// Token shards: the binary format (format.ts) and the cached tokenization of corpus splits (prepare.ts).
export { readShard, readShardHeader, writeShard, ShardWriter, bytesPerTokenFor, SHARD_MAGIC, SHARD_VERSION, HEADER_BYTES } from './format';
export type { ShardHeader, TokenShard, ShardExpectation } from './format';
export { prepareShards, shardPath, separatorId, EOS_CANDIDATES } from './prepare';
export type { PrepareOptions } from './prepare';
