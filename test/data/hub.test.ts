// The hub loaders against a local HTTP server on 127.0.0.1 that mimics huggingface.co: /datasets/<repo>/
// resolve/<rev>/<path> answers 302 to a CDN path with X-Linked-Size / X-Linked-ETag (SHA-256), and the CDN
// honours Range requests. Fixtures are written here: TinyStories .txt, TinyStories parquet, FineWeb-Edu
// parquet (gzip, several row groups). Checks: loaders, resume after a cut connection, size/hash mismatch →
// error and no cache file, cache reuse offline, `local` directories, and the offline message.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { corpus, download, parquetInfo, parquetTexts } from '../../lib/data';
import { rmDir, tempDir } from './data_util';

type Writer = typeof import('hyparquet-writer', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parquetWriteBuffer } = require('hyparquet-writer') as Writer;

const TS = 'roneneldan/TinyStories';
const FW = 'HuggingFaceFW/fineweb-edu';
const story = (split: string, i: number) => `${split} story ${i}: Once upon a time, Lily saw a cat. "Hi!" she said. 🐈 猫\nThe end.`;
const trainStories = Array.from({ length: 300 }, (_, i) => story('train', i));
const validStories = Array.from({ length: 40 }, (_, i) => story('valid', i));
const asTxt = (s: string[]) => Buffer.from(s.map((x) => `${x}\n<|endoftext|>\n`).join(''));

function parquet(texts: string[], rowGroupSize: number, gzip = false): Buffer {
  const buf = parquetWriteBuffer({
    columnData: [
      { name: 'text', data: texts, type: 'STRING' },
      { name: 'id', data: texts.map((_, i) => `doc-${i}`), type: 'STRING' },
    ],
    rowGroupSize,
    ...(gzip ? { codec: 'GZIP' as const, compressors: { GZIP: (b: Uint8Array) => new Uint8Array(zlib.gzipSync(b)) } } : {}),
  });
  return Buffer.from(buf);
}

const fwDocs = [0, 1].map((s) => Array.from({ length: 250 }, (_, i) => `FineWeb shard ${s} document ${i}: photosynthesis turns light into sugar.`));
// 2 MB of incompressible documents in 30 row groups, to see that streaming reads only the footer (hyparquet
// fetches the last 512 KB) and the row groups it needs.
const BIG = 'sample/100BT/000_00000.parquet';
const bigDocs = Array.from({ length: 3000 }, (_, i) => `doc ${i} ` + Array.from({ length: 8 }, (_, k) => createHash('sha512').update(`${i}/${k}`).digest('base64')).join(''));
const files = new Map<string, Buffer>([
  [`${FW}/${BIG}`, parquet(bigDocs, 100)],
  [`${TS}/TinyStoriesV2-GPT4-train.txt`, asTxt(trainStories)],
  [`${TS}/TinyStoriesV2-GPT4-valid.txt`, asTxt(validStories)],
  [`${TS}/data/train-00000-of-00004-2d5a1467fff1081b.parquet`, parquet(trainStories.slice(0, 100), 30)],
  [`${TS}/data/train-00001-of-00004-5852b56a2bd28fd9.parquet`, parquet(trainStories.slice(100, 200), 30)],
  [`${TS}/data/train-00002-of-00004-a26307300439e943.parquet`, parquet(trainStories.slice(200, 250), 30)],
  [`${TS}/data/train-00003-of-00004-d243063613e5a057.parquet`, parquet(trainStories.slice(250), 1000)],
  [`${TS}/data/validation-00000-of-00001-869c898b519ad725.parquet`, parquet(validStories, 16)],
  [`${FW}/sample/10BT/000_00000.parquet`, parquet(fwDocs[0], 64, true)],
  [`${FW}/sample/10BT/001_00000.parquet`, parquet(fwDocs[1], 100, true)],
  ['test/blob.bin', Buffer.from(Array.from({ length: 300000 }, (_, i) => (i * 31) & 255))],
]);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Req {
  url: string;
  range?: string;
}
let server: http.Server;
let base: string;
let log: Req[] = [];
/** Per-test knobs: cut the first CDN response after n bytes; lie about the size or hash. */
let knobs: { cutAfter?: number; wrongSize?: boolean; wrongSha?: boolean } = {};
let cache: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '');
    log.push({ url, range: req.headers.range });
    const hub = /^\/datasets\/(.+?\/.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url);
    if (hub) {
      const key = `${hub[1]}/${hub[3]}`;
      const body = files.get(key);
      if (!body) return void res.writeHead(404).end('Entry not found');
      res.writeHead(302, {
        location: `/cdn/${encodeURIComponent(key)}`,
        'x-linked-size': String(body.length + (knobs.wrongSize ? 10 : 0)),
        'x-linked-etag': `"${knobs.wrongSha ? sha(Buffer.from('other')) : sha(body)}"`,
      });
      return void res.end();
    }
    const cdn = /^\/cdn\/(.+)$/.exec(url);
    const body = cdn && files.get(cdn[1]);
    if (!body) return void res.writeHead(404).end();
    let start = 0;
    let end = body.length - 1;
    const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (m) {
      if (m[1] === '') start = body.length - Number(m[2]);
      else {
        start = Number(m[1]);
        if (m[2] !== '') end = Math.min(end, Number(m[2]));
      }
      if (start >= body.length) return void res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-length': end - start + 1, 'accept-ranges': 'bytes' });
    } else res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' });
    const slice = body.subarray(start, end + 1);
    if (knobs.cutAfter !== undefined) {
      const n = knobs.cutAfter;
      knobs.cutAfter = undefined;
      res.flushHeaders();
      return void res.write(slice.subarray(0, n), () => setTimeout(() => res.socket?.destroy(), 20));
    }
    res.end(slice);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  cache = tempDir('flashlm-cache-');
  log = [];
  knobs = {};
});
afterEach(() => rmDir(cache));

const opts = () => ({ baseUrl: base, cacheDir: cache, progress: false });
const listCache = (): string[] => {
  const out: string[] = [];
  const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : out.push(path.relative(cache, path.join(d, e.name)))));
  walk(cache);
  return out.sort();
};

describe('TinyStories', () => {
  test('txt: stories split on <|endoftext|>, cached under the hub layout, reused without the network', async () => {
    const c = corpus('tinystories', opts());
    expect(log).toEqual([]); // nothing fetched until a split is read
    expect(await c.validation.toArray()).toEqual(validStories);
    expect(await c.train.toArray()).toEqual(trainStories);
    expect(listCache()).toEqual([
      `hub/datasets/${TS}/main/TinyStoriesV2-GPT4-train.txt`,
      `hub/datasets/${TS}/main/TinyStoriesV2-GPT4-valid.txt`,
    ]);
    expect(log.filter((r) => r.url.startsWith('/datasets/'))).toHaveLength(2);
    log = [];
    const again = corpus('tinystories', { ...opts(), maxDocuments: 7, baseUrl: 'http://127.0.0.1:9' });
    expect(await again.train.toArray()).toEqual(trainStories.slice(0, 7));
    expect(log).toEqual([]);
  });

  test('txt with an original pipeline’s separation (B12)', async () => {
    const v5 = corpus('tinystories', { ...opts(), separation: 'v5' });
    const lines = await v5.validation.toArray();
    expect(lines).toContain('<|endoftext|>');
    expect(lines.length).toBe(validStories.length * 3);
    expect(v5.validation.separator).toBe('none');
    expect(v5.id).not.toBe(corpus('tinystories', opts()).id);
    expect(() => corpus('tinystories', { ...opts(), format: 'parquet', separation: 'v5' })).toThrow(/reproduces a \.txt pipeline; use format 'txt'/);
  });

  test('parquet: every train file in order, row group by row group', async () => {
    const c = corpus('tinystories', { ...opts(), format: 'parquet' });
    expect(await c.train.toArray()).toEqual(trainStories);
    expect(await c.validation.toArray()).toEqual(validStories);
    const paths = await c.download();
    expect(paths).toHaveLength(5);
    const info = await parquetInfo(paths[0]);
    expect(info).toEqual({ rows: 100, rowGroups: [30, 30, 30, 10], columns: ['text', 'id'] });
  });
});

describe('FineWeb-Edu', () => {
  test('gzip parquet shards, several row groups, deterministic disjoint hash split', async () => {
    const c = corpus('fineweb-edu', { ...opts(), shards: 2, validationFraction: 0.1, seed: 4 });
    const tr = await c.train.toArray();
    const va = await c.validation.toArray();
    expect(tr.length + va.length).toBe(500);
    expect(va.length).toBeGreaterThan(25);
    expect(va.length).toBeLessThan(80);
    expect([...tr, ...va].sort()).toEqual([...fwDocs[0], ...fwDocs[1]].sort());
    expect(await corpus('fineweb-edu', { ...opts(), shards: 2, validationFraction: 0.1, seed: 4 }).validation.toArray()).toEqual(va);
    const first = corpus('fineweb-edu', { ...opts(), maxDocuments: 3 });
    expect(await first.train.toArray()).toHaveLength(3);
  });

  test('a missing column is a clear error', async () => {
    const p = path.join(cache, 'x.parquet');
    fs.writeFileSync(p, parquet(['a'], 10));
    await expect(parquetTexts(p, 'content').next()).rejects.toThrow(/x\.parquet: no column 'content' in this parquet file; it has text, id/);
    fs.writeFileSync(p, 'not parquet at all');
    await expect(parquetTexts(p).next()).rejects.toThrow(/not a readable parquet file/);
  });
});

describe('stream: true (no download)', () => {
  test('FineWeb-Edu parquet row groups over Range requests, nothing cached', async () => {
    const c = corpus('fineweb-edu', { ...opts(), stream: true, validationFraction: 0 });
    expect(await c.train.toArray()).toEqual(fwDocs[0]);
    expect(listCache()).toEqual([]);
    const cdn = log.filter((r) => r.url.startsWith('/cdn/'));
    expect(cdn.length).toBeGreaterThan(2);
    expect(cdn.every((r) => /^bytes=\d+-\d+$/.test(r.range ?? ''))).toBe(true);
  });

  test('maxDocuments reads only the first row group, not the whole shard', async () => {
    const c = corpus('fineweb-edu', { ...opts(), stream: true, maxDocuments: 10, validationFraction: 0, shards: [BIG] });
    expect(await c.train.toArray()).toEqual(bigDocs.slice(0, 10));
    const ranges = log.filter((r) => r.url.startsWith('/cdn/') && r.range).map((r) => r.range!.split(/[=-]/).map(Number));
    const bytes = ranges.reduce((sum, [, a, b]) => sum + b - a + 1, 0);
    expect(bytes).toBeLessThan(files.get(`${FW}/${BIG}`)!.length / 3);
  });

  test('TinyStories .txt and parquet streamed', async () => {
    expect(await corpus('tinystories', { ...opts(), stream: true }).validation.toArray()).toEqual(validStories);
    expect(await corpus('tinystories', { ...opts(), stream: true, format: 'parquet' }).train.toArray()).toEqual(trainStories);
    expect(listCache()).toEqual([]);
  });

  test('a server down while streaming names the file', async () => {
    const c = corpus('fineweb-edu', { ...opts(), stream: true, baseUrl: 'http://127.0.0.1:9' });
    await expect(c.train.toArray()).rejects.toThrow(/^corpus\('fineweb-edu'\): could not fetch .*000_00000\.parquet \(ECONNREFUSED.*HINT: .*pass \{ local: '<dir>' \}/);
  });
});

describe('download', () => {
  const url = () => `${base}/datasets/test/blob/resolve/main/blob.bin`;
  const blob = files.get('test/blob.bin')!;
  beforeAll(() => files.set('test/blob/blob.bin', blob));

  test('resumes an interrupted download with a Range request', async () => {
    const dest = path.join(cache, 'blob.bin');
    knobs.cutAfter = 100000;
    await expect(download(url(), dest, { progress: false })).rejects.toThrow(/interrupted after \d+ bytes.*call again to resume/);
    expect(fs.existsSync(dest)).toBe(false);
    const have = fs.statSync(`${dest}.part`).size;
    expect(have).toBeGreaterThan(0);
    expect(have).toBeLessThanOrEqual(100000);
    let seen = 0;
    await download(url(), dest, { progress: false, onProgress: (b) => (seen = b) });
    expect(seen).toBe(blob.length);
    expect(log.filter((r) => r.url.startsWith('/cdn/')).map((r) => r.range)).toEqual([undefined, `bytes=${have}-`]);
    expect(fs.readFileSync(dest).equals(blob)).toBe(true);
    expect(fs.existsSync(`${dest}.part`)).toBe(false);
  });

  test('a complete .part left over is finished without refetching the body', async () => {
    const dest = path.join(cache, 'blob.bin');
    fs.writeFileSync(`${dest}.part`, blob);
    await download(url(), dest, { progress: false });
    expect(fs.readFileSync(dest).equals(blob)).toBe(true);
    expect(log.filter((r) => r.url.startsWith('/cdn/')).map((r) => r.range)).toEqual([`bytes=${blob.length}-`]);
  });

  test.each([
    ['hash', { wrongSha: true }, /has SHA-256 [0-9a-f]{64}, expected [0-9a-f]{64}; the file was deleted/],
    ['size', { wrongSize: true }, /gave \d+ bytes, expected \d+; the partial file was deleted/],
  ])('a %s mismatch is an error and leaves no cache file', async (_what, k, re) => {
    knobs = k;
    const c = corpus('tinystories', opts());
    await expect(c.validation.toArray()).rejects.toThrow(re);
    const dest = path.join(cache, 'blob.bin');
    await expect(download(url(), dest, { progress: false })).rejects.toThrow(re);
    expect(listCache()).toEqual([]);
    await expect(download(url(), dest, { progress: false, sha256: sha(Buffer.from('x')) })).rejects.toMatchObject({ name: 'DownloadIntegrityError' });
  });

  test('a given sha256 that matches passes', async () => {
    const dest = path.join(cache, 'blob.bin');
    await download(url(), dest, { progress: false, sha256: sha(blob), size: blob.length });
    expect(fs.readFileSync(dest).equals(blob)).toBe(true);
  });

  test('HTTP 404 names the URL', async () => {
    await expect(download(`${base}/datasets/test/blob/resolve/main/nope.bin`, path.join(cache, 'n'), { progress: false })).rejects.toThrow(/could not fetch .*nope\.bin \(HTTP 404, not found: check the repository, revision and path\)/);
  });
});

describe('offline and local files', () => {
  test('server down: the message names the file and how to point at local files', async () => {
    const down = http.createServer();
    await new Promise<void>((r) => down.listen(0, '127.0.0.1', r));
    const port = (down.address() as AddressInfo).port;
    await new Promise<void>((r) => down.close(() => r()));
    const c = corpus('tinystories', { ...opts(), baseUrl: `http://127.0.0.1:${port}` });
    const err = await c.validation.toArray().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).toBe('DataUnavailableError');
    expect(err?.message).toMatch(/^corpus\('tinystories'\): could not fetch http:\/\/127\.0\.0\.1:\d+\/datasets\/roneneldan\/TinyStories\/resolve\/main\/TinyStoriesV2-GPT4-valid\.txt \(ECONNREFUSED: offline or the server is unreachable\)/);
    expect(err?.message).toMatch(/HINT: corpus\('tinystories'\) needs TinyStoriesV2-GPT4-valid\.txt .*put it at .*TinyStoriesV2-GPT4-valid\.txt or pass \{ local: '<dir>' \}/);
    expect(listCache()).toEqual([]);
  });

  test('`local` reads a directory of files (flat or hub layout) and never downloads', async () => {
    const dir = tempDir();
    try {
      fs.writeFileSync(path.join(dir, 'TinyStoriesV2-GPT4-valid.txt'), files.get(`${TS}/TinyStoriesV2-GPT4-valid.txt`)!);
      fs.mkdirSync(path.join(dir, 'sample/10BT'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'sample/10BT/000_00000.parquet'), files.get(`${FW}/sample/10BT/000_00000.parquet`)!);
      const ts = corpus('tinystories', { local: dir, maxDocuments: 5 });
      expect(await ts.validation.toArray()).toEqual(validStories.slice(0, 5));
      await expect(ts.train.toArray()).rejects.toThrow(/TinyStoriesV2-GPT4-train\.txt is not in the local directory .*; expected .*HINT: download it from https:\/\/huggingface\.co\/datasets\/roneneldan\/TinyStories\/resolve\/main\/TinyStoriesV2-GPT4-train\.txt/);
      const fw = corpus('fineweb-edu', { local: dir, validationFraction: 0 });
      expect(await fw.train.toArray()).toEqual(fwDocs[0]);
      expect(log).toEqual([]);
    } finally {
      rmDir(dir);
    }
  });

  test('FLASHLM_CACHE sets the cache root', async () => {
    const old = process.env.FLASHLM_CACHE;
    process.env.FLASHLM_CACHE = cache;
    try {
      await corpus('tinystories', { baseUrl: base, progress: false, maxDocuments: 1 }).validation.toArray();
      expect(listCache()).toEqual([`hub/datasets/${TS}/main/TinyStoriesV2-GPT4-valid.txt`]);
    } finally {
      if (old === undefined) delete process.env.FLASHLM_CACHE;
      else process.env.FLASHLM_CACHE = old;
    }
  });
});
