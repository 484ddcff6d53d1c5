// Token shards: u16/u32 round trips, every kind of bad file (magic, version, truncation, id ≥ vocab, wrong
// fingerprint) as a FormatError naming the file, atomic writes, and prepareShards' cache and separators.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FormatError } from '../../lib/errors';
import { Documents, HEADER_BYTES, trainBpe, ShardWriter, corpus, prepareShards, readShard, readShardHeader, shardPath, writeShard } from '../../lib/data';
import type { Tokenizer } from '../../lib/data/types';
import { ByteTokenizer, rmDir, tempDir } from './data_util';

let dir: string;
beforeEach(() => (dir = tempDir()));
afterEach(() => rmDir(dir));

const meta = (vocabSize: number) => ({ vocabSize, fingerprint: `fp-${vocabSize}`, source: 'test:source' });

function expectFormatError(fn: () => unknown, re: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FormatError);
  expect((err as Error).message).toMatch(re);
}

describe('round trips', () => {
  test.each([
    [300, 2, Uint16Array],
    [65536, 2, Uint16Array],
    [65537, 4, Uint32Array],
    [200000, 4, Uint32Array],
  ])('vocab %i → %i bytes per token', (V, bpt, Ctor) => {
    const ids = Array.from({ length: 3001 }, (_, i) => (i * 7919) % V);
    ids.push(V - 1, 0);
    const f = path.join(dir, 'a.tok');
    const h = writeShard(f, ids, { ...meta(V), documentCount: 4 });
    expect(h.bytesPerToken).toBe(bpt);
    expect(fs.statSync(f).size).toBe(HEADER_BYTES + ids.length * bpt);
    const s = readShard(f, { fingerprint: `fp-${V}`, vocabSize: V });
    expect(s.tokens).toBeInstanceOf(Ctor);
    expect(Array.from(s.tokens)).toEqual(ids);
    expect(s).toMatchObject({ vocabSize: V, tokenCount: ids.length, documentCount: 4, fingerprint: `fp-${V}`, source: 'test:source', version: 1 });
  });

  test('an empty shard', () => {
    const f = path.join(dir, 'e.tok');
    writeShard(f, [], meta(10));
    expect(readShard(f).tokens).toHaveLength(0);
  });

  test('the streaming writer crosses its 1M-token buffer', () => {
    const f = path.join(dir, 'big.tok');
    const w = new ShardWriter(f, meta(70000));
    const n = (1 << 20) + 12345;
    const chunk = new Uint32Array(100000);
    for (let done = 0; done < n; done += chunk.length) {
      for (let i = 0; i < chunk.length; i++) chunk[i] = (done + i) % 70000;
      w.push(done + chunk.length > n ? chunk.subarray(0, n - done) : chunk);
      w.endDocument();
    }
    w.finish();
    const s = readShard(f);
    expect(s.tokens.length).toBe(n);
    expect(s.tokens[n - 1]).toBe((n - 1) % 70000);
    expect(s.tokens[1 << 20]).toBe((1 << 20) % 70000);
  });
});

describe('bad shards are FormatErrors naming the file and what was expected', () => {
  let f: string;
  beforeEach(() => {
    f = path.join(dir, 'good.tok');
    writeShard(f, [1, 2, 3, 4, 5], meta(100));
  });

  test('bad magic', () => {
    const b = fs.readFileSync(f);
    b.write('GGUF', 0, 'latin1');
    fs.writeFileSync(f, b);
    expectFormatError(() => readShard(f), /good\.tok: not a token shard \(bad magic "GGUF.*expected "FLMTOKS.*HINT: rebuild it with flashlm\.data\.prepareShards/);
  });

  test('truncated body and truncated header', () => {
    fs.truncateSync(f, HEADER_BYTES + 7);
    expectFormatError(() => readShard(f), /good\.tok: truncated token shard: 1031 bytes, expected 1034 \(5 tokens × 2 bytes/);
    fs.truncateSync(f, 100);
    expectFormatError(() => readShard(f), /truncated token shard: 100 bytes, the header alone is 1024/);
    fs.writeFileSync(f, '');
    expectFormatError(() => readShard(f), /truncated/);
  });

  test('unknown version', () => {
    const b = fs.readFileSync(f);
    b.writeUInt32LE(9, 8);
    fs.writeFileSync(f, b);
    expectFormatError(() => readShard(f), /format version 9, this flashlm reads version 1/);
  });

  test('a token id ≥ vocab', () => {
    const b = fs.readFileSync(f);
    b.writeUInt16LE(100, HEADER_BYTES + 2 * 3);
    fs.writeFileSync(f, b);
    expectFormatError(() => readShard(f), /good\.tok: token 3 is id 100, expected ids < vocab size 100/);
  });

  test('the wrong tokenizer fingerprint or vocab', () => {
    expectFormatError(() => readShard(f, { fingerprint: 'other' }), /good\.tok: the tokenizer fingerprint is "fp-100", expected "other"/);
    expectFormatError(() => readShardHeader(f, { vocabSize: 50 }), /the vocab size is 100, expected 50/);
  });

  test('a missing file names it', () => {
    expect(() => readShard(path.join(dir, 'nope.tok'))).toThrow(/readShard: cannot open '.*nope\.tok' \(ENOENT\)/);
  });
});

describe('atomic writes', () => {
  test('an id out of range mid-write leaves no file, final or temporary', () => {
    const f = path.join(dir, 'x.tok');
    expect(() => writeShard(f, [1, 2, 300, 4], meta(256))).toThrow(/token id 300 \(document 0, position 2\) is not an integer in \[0, 256\)/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a failing document source mid-prepare leaves no file and keeps an older shard intact', async () => {
    const tok = new ByteTokenizer();
    let n = 0;
    const docs = new Documents('train', 'flaky', async function* () {
      yield 'one';
      yield 'two';
      if (n++ > 0) throw new Error('disk on fire');
    });
    const first = new Documents('train', 'flaky', async function* () {
      yield 'one';
      yield 'two';
    });
    const good = await prepareShards(first, tok, dir);
    const before = fs.readFileSync(good.file);
    n = 1;
    await expect(prepareShards(docs, tok, dir, { rebuild: true })).rejects.toThrow('disk on fire');
    expect(fs.readdirSync(dir)).toEqual([path.basename(good.file)]);
    expect(fs.readFileSync(good.file).equals(before)).toBe(true);
  });
});

describe('prepareShards', () => {
  test('tokenizes a corpus once, separates documents by EOS, and reuses the shards', async () => {
    const tok = new ByteTokenizer();
    const c = corpus('moby-dick', { maxDocuments: 6 });
    const { train, validation } = await prepareShards(c, tok, dir);
    const docs = await c.train.toArray();
    const expected: number[] = [];
    for (const d of docs) expected.push(...tok.encode(d), 256);
    expect(Array.from(train.tokens)).toEqual(expected);
    expect(train.documentCount).toBe(6);
    expect(train.tokens).toBeInstanceOf(Uint16Array);
    expect(validation.tokenCount).toBeGreaterThan(0);
    const mtime = fs.statSync(train.file).mtimeMs;
    const again = await prepareShards(c.train, tok, dir);
    expect(again.file).toBe(train.file);
    expect(fs.statSync(train.file).mtimeMs).toBe(mtime);
    expect(fs.readdirSync(dir).sort()).toEqual([path.basename(train.file), path.basename(validation.file)].sort());
  });

  test('another tokenizer, separator or split is another shard; a corrupt shard is rebuilt', async () => {
    const c = corpus('sotu', { maxDocuments: 3 });
    const a = await prepareShards(c.validation, new ByteTokenizer(), dir);
    const b = await prepareShards(c.validation, new ByteTokenizer({ tag: '-v2' }), dir);
    const none = await prepareShards(c.validation, new ByteTokenizer(), dir, { separator: 'none' });
    expect(new Set([a.file, b.file, none.file]).size).toBe(3);
    expect(none.tokenCount).toBe(a.tokenCount - 3);
    expect(shardPath(c.validation, new ByteTokenizer(), dir)).toBe(a.file);
    fs.truncateSync(a.file, 2000);
    const rebuilt = await prepareShards(c.validation, new ByteTokenizer(), dir);
    expect(Array.from(rebuilt.tokens)).toEqual(Array.from(b.tokens));
  });

  test('u32 shards, maxTokens, named separators, and the v5 split hint', async () => {
    const tok = new ByteTokenizer({ specials: ['<pad>', '<unk>', '<bos>', '<eos>'], vocabSize: 70000 });
    const docs = Documents.fromArray('train', 'mini', ['ab', 'cd', 'ef']);
    const s = await prepareShards(docs, tok, dir);
    expect(Array.from(s.tokens)).toEqual([97, 98, 259, 99, 100, 259, 101, 102, 259]);
    expect(s.tokens).toBeInstanceOf(Uint32Array);
    const cut = await prepareShards(docs, tok, dir, { maxTokens: 4, separator: '<bos>' });
    expect(Array.from(cut.tokens)).toEqual([97, 98, 258, 99]);
    const v5 = Documents.fromArray('train', 'mini-v5', ['ab', 'cd'], { separator: 'none' });
    expect(Array.from((await prepareShards(v5, tok, dir)).tokens)).toEqual([97, 98, 99, 100]);
    await expect(prepareShards(docs, tok, dir, { separator: '<nope>' })).rejects.toThrow(/no special token '<nope>'/);
    await expect(prepareShards(docs, new ByteTokenizer({ specials: ['<x>'] }), dir)).rejects.toThrow(/no end-of-text special token.*HINT: pass \{ separator/);
  });
});

test('the library BPE tokenizer satisfies the contract: shards decode back to the documents', async () => {
  const c = corpus('moby-dick', { maxDocuments: 8 });
  const docs = await c.train.toArray();
  const tok: Tokenizer = trainBpe(docs, { vocabSize: 600, specialTokens: ['<|endoftext|>'] });
  const shard = await prepareShards(c.train, tok, dir);
  expect(shard.fingerprint).toBe(tok.fingerprint());
  const eos = tok.specialTokenId('<|endoftext|>')!;
  const pieces: number[][] = [[]];
  for (const id of shard.tokens) id === eos ? pieces.push([]) : pieces[pieces.length - 1].push(id);
  expect(pieces.slice(0, -1).map((p) => tok.decode(p))).toEqual(docs);
});
