// How fast does the data side feed training? One JSON line each:
//   split:   cutting TinyStories-style text into stories (<|endoftext|>), MB/s of UTF-8 text
//   parquet: reading the text column of a parquet file row group by row group (hyparquet), MB/s of text
//   prepare: prepareShards on sotu with a byte-level BPE of vocab 4096 (encode + write), MB/s of text
//   read:    readShard (read + id check) of that shard, M tokens/s
//   sample:  BatchSampler 'random' (B 32, T 256) batches/s, i32 tensors built
// Options: --runs=N (default 3). Fixtures are generated in a temp dir and removed.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BatchSampler, SEPARATIONS, corpus, parquetTexts, prepareShards, readShard, splitDocuments, trainBpe } from '../lib/data';

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 3);
const round = (x: number) => Math.round(x * 100) / 100;
const now = () => Number(process.hrtime.bigint()) / 1e9;

async function timeIt(fn: () => Promise<void> | void): Promise<number[]> {
  const t: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = now();
    await fn();
    t.push(now() - t0);
  }
  return t;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-bench-data-'));
  try {
    const c = corpus('sotu', { validationFraction: 0 });
    const docs = await c.train.toArray();
    const mb = docs.reduce((s, d) => s + Buffer.byteLength(d), 0) / 1e6;

    const txt = path.join(dir, 'stories.txt');
    fs.writeFileSync(txt, docs.join('\n<|endoftext|>\n'));
    const split = await timeIt(async () => {
      let n = 0;
      for await (const _ of splitDocuments(fs.createReadStream(txt, { encoding: 'utf8', highWaterMark: 1 << 20 }), SEPARATIONS.stories)) n++;
      if (n !== docs.length) throw new Error(`split: ${n} documents, expected ${docs.length}`);
    });
    console.log(JSON.stringify({ bench: 'data', what: 'split', mb: round(mb), mb_per_s: round(mb / Math.min(...split)), runs: split.map(round) }));

    const pq = path.join(dir, 'sotu.parquet');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parquetWriteBuffer } = require('hyparquet-writer') as typeof import('hyparquet-writer', { with: { 'resolution-mode': 'import' } });
    fs.writeFileSync(pq, Buffer.from(parquetWriteBuffer({ columnData: [{ name: 'text', data: docs, type: 'STRING' }], rowGroupSize: 32 })));
    const parquet = await timeIt(async () => {
      for await (const _ of parquetTexts(pq));
    });
    console.log(JSON.stringify({ bench: 'data', what: 'parquet', mb: round(mb), row_groups: Math.ceil(docs.length / 32), mb_per_s: round(mb / Math.min(...parquet)), runs: parquet.map(round) }));

    const tok = trainBpe(docs, { vocabSize: 4096, specialTokens: ['<|endoftext|>'] });
    let shardFile = '';
    const prep = await timeIt(async () => {
      shardFile = (await prepareShards(c.train, tok, dir, { rebuild: true })).file;
    });
    console.log(JSON.stringify({ bench: 'data', what: 'prepare', corpus: 'sotu', vocab: 4096, mb: round(mb), mb_per_s: round(mb / Math.min(...prep)), runs: prep.map(round) }));

    let tokens = 0;
    const read = await timeIt(() => {
      tokens = readShard(shardFile).tokenCount;
    });
    console.log(JSON.stringify({ bench: 'data', what: 'read', tokens, m_tokens_per_s: round(tokens / 1e6 / Math.min(...read)), runs: read.map((x) => round(x * 1000) / 1000) }));

    const sampler = new BatchSampler(readShard(shardFile), 'random', { batchSize: 32, blockSize: 256, seed: 0 });
    const n = 200;
    const sample = await timeIt(() => {
      for (let i = 0; i < n; i++) {
        const { x, y } = sampler.next();
        x.dispose();
        y.dispose();
      }
    });
    console.log(JSON.stringify({ bench: 'data', what: 'sample', kind: 'random', B: 32, T: 256, batches_per_s: Math.round(n / Math.min(...sample)), runs: sample.map((x) => round(x * 1000) / 1000) }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
