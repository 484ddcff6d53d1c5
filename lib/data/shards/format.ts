// The token shard file: a 1024-byte little-endian header, then the token ids as u16 (vocab ≤ 65536) or u32.
// Writes are atomic (temp file + rename; nothing half-written survives an error); reads check magic,
// version, length, every id against the vocab, and optionally the tokenizer fingerprint.
//
//   offset  size  field
//   0       8     magic "FLMTOKS\0"
//   8       4     format version (1)
//   12      4     bytes per token (2 = u16, 4 = u32)
//   16      4     vocab size
//   20      4     reserved (0)
//   24      8     token count
//   32      8     document count
//   40      4     fingerprint length F (≤ 256)     44  4  source length S (≤ 720)
//   48      F     tokenizer fingerprint (UTF-8)    304 S  source id (UTF-8): what was tokenized, with options
//   1024    ...   tokens
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FormatError } from '../../errors';

export const SHARD_MAGIC = 'FLMTOKS\0';
export const SHARD_VERSION = 1;
export const HEADER_BYTES = 1024;
const FP_AT = 48;
const FP_MAX = 256;
const SRC_AT = 304;
const SRC_MAX = HEADER_BYTES - SRC_AT;

/** What a shard header holds. */
export interface ShardHeader {
  version: number;
  bytesPerToken: 2 | 4;
  vocabSize: number;
  tokenCount: number;
  documentCount: number;
  fingerprint: string;
  source: string;
}

/** A shard in memory: its header and its tokens (a typed array over the file's body). */
export interface TokenShard extends ShardHeader {
  file: string;
  tokens: Uint16Array | Uint32Array;
}

/** u16 when every id fits (vocab ≤ 65536), else u32. */
export function bytesPerTokenFor(vocabSize: number): 2 | 4 {
  return vocabSize <= 65536 ? 2 : 4;
}

/** A source id that fits the header: long ones are replaced by their hash. */
export function fitSource(source: string): string {
  return Buffer.byteLength(source) <= SRC_MAX ? source : `sha256:${createHash('sha256').update(source).digest('hex')}`;
}

function encodeHeader(h: ShardHeader): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b.write(SHARD_MAGIC, 0, 'latin1');
  b.writeUInt32LE(h.version, 8);
  b.writeUInt32LE(h.bytesPerToken, 12);
  b.writeUInt32LE(h.vocabSize, 16);
  b.writeBigUInt64LE(BigInt(h.tokenCount), 24);
  b.writeBigUInt64LE(BigInt(h.documentCount), 32);
  const fp = Buffer.from(h.fingerprint, 'utf8');
  const src = Buffer.from(h.source, 'utf8');
  if (fp.length > FP_MAX) throw new RangeError(`writeShard: tokenizer fingerprint is ${fp.length} bytes, at most ${FP_MAX} fit the header`);
  if (src.length > SRC_MAX) throw new RangeError(`writeShard: source id is ${src.length} bytes, at most ${SRC_MAX} fit the header (use fitSource)`);
  b.writeUInt32LE(fp.length, 40);
  b.writeUInt32LE(src.length, 44);
  fp.copy(b, FP_AT);
  src.copy(b, SRC_AT);
  return b;
}

/** Parses and checks a header; `size` is the file size, to detect truncation. */
function decodeHeader(file: string, b: Buffer, size: number): ShardHeader {
  const hint = 'HINT: rebuild it with flashlm.data.prepareShards';
  if (size < HEADER_BYTES)
    throw new FormatError(`${file}: truncated token shard: ${size} bytes, the header alone is ${HEADER_BYTES}. ${hint}`);
  const magic = b.toString('latin1', 0, 8);
  if (magic !== SHARD_MAGIC) throw new FormatError(`${file}: not a token shard (bad magic ${JSON.stringify(magic)}, expected ${JSON.stringify(SHARD_MAGIC)}). ${hint}`);
  const version = b.readUInt32LE(8);
  if (version !== SHARD_VERSION) throw new FormatError(`${file}: token shard format version ${version}, this flashlm reads version ${SHARD_VERSION}. ${hint}`);
  const bpt = b.readUInt32LE(12);
  if (bpt !== 2 && bpt !== 4) throw new FormatError(`${file}: bytes per token is ${bpt}, expected 2 (u16) or 4 (u32)`);
  const vocabSize = b.readUInt32LE(16);
  if (vocabSize < 1 || (bpt === 2 && vocabSize > 65536)) throw new FormatError(`${file}: vocab size ${vocabSize} does not fit ${bpt}-byte tokens`);
  const tokenCount = Number(b.readBigUInt64LE(24));
  const documentCount = Number(b.readBigUInt64LE(32));
  const fpLen = b.readUInt32LE(40);
  const srcLen = b.readUInt32LE(44);
  if (fpLen > FP_MAX || srcLen > SRC_MAX) throw new FormatError(`${file}: header string lengths ${fpLen}/${srcLen} exceed ${FP_MAX}/${SRC_MAX}`);
  const want = HEADER_BYTES + tokenCount * bpt;
  if (size !== want)
    throw new FormatError(`${file}: ${size < want ? 'truncated' : 'oversized'} token shard: ${size} bytes, expected ${want} (${tokenCount} tokens × ${bpt} bytes + ${HEADER_BYTES}-byte header). ${hint}`);
  return {
    version,
    bytesPerToken: bpt,
    vocabSize,
    tokenCount,
    documentCount,
    fingerprint: b.toString('utf8', FP_AT, FP_AT + fpLen),
    source: b.toString('utf8', SRC_AT, SRC_AT + srcLen),
  };
}

/** What a reader may require of a shard. */
export interface ShardExpectation {
  fingerprint?: string;
  vocabSize?: number;
  source?: string;
}

function fail(file: string, what: string, got: string | number, want: string | number): never {
  throw new FormatError(`${file}: ${what} is ${JSON.stringify(got)}, expected ${JSON.stringify(want)} (made from other data or another tokenizer). HINT: rebuild it with flashlm.data.prepareShards`);
}

/** Reads only the header (cache checks). @example readShardHeader('train.tok').tokenCount */
export function readShardHeader(file: string, expect: ShardExpectation = {}): ShardHeader {
  const fd = openRead(file);
  try {
    const size = fs.fstatSync(fd).size;
    const b = Buffer.alloc(HEADER_BYTES);
    fs.readSync(fd, b, 0, Math.min(HEADER_BYTES, size), 0);
    const h = decodeHeader(file, b, size);
    if (expect.fingerprint !== undefined && h.fingerprint !== expect.fingerprint) fail(file, 'the tokenizer fingerprint', h.fingerprint, expect.fingerprint);
    if (expect.vocabSize !== undefined && h.vocabSize !== expect.vocabSize) fail(file, 'the vocab size', h.vocabSize, expect.vocabSize);
    if (expect.source !== undefined && h.source !== expect.source) fail(file, 'the source', h.source, expect.source);
    return h;
  } finally {
    fs.closeSync(fd);
  }
}

function openRead(file: string): number {
  try {
    return fs.openSync(file, 'r');
  } catch (e) {
    throw new Error(`readShard: cannot open '${file}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a token shard. HINT: build it with flashlm.data.prepareShards`);
  }
}

/**
 * Reads a shard into a typed array (u16 or u32, as stored) and checks every id is < vocab.
 *
 * @example
 * const shard = readShard('train.tok', { fingerprint: tok.fingerprint() });
 * shard.tokens.length === shard.tokenCount;
 */
export function readShard(file: string, expect: ShardExpectation = {}): TokenShard {
  const h = readShardHeader(file, expect);
  const bytes = h.tokenCount * h.bytesPerToken;
  const body = new ArrayBuffer(bytes);
  const view = new Uint8Array(body);
  const fd = openRead(file);
  try {
    // Chunked reads: one readSync is limited to 2 GiB.
    for (let done = 0; done < bytes; ) {
      const n = fs.readSync(fd, view, done, Math.min(bytes - done, 1 << 28), HEADER_BYTES + done);
      if (n === 0) throw new FormatError(`${file}: truncated token shard: the body ended after ${done} of ${bytes} bytes`);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  const tokens = h.bytesPerToken === 2 ? new Uint16Array(body) : new Uint32Array(body);
  if (h.bytesPerToken === 4 || h.vocabSize < 65536) {
    for (let i = 0; i < tokens.length; i++)
      if (tokens[i] >= h.vocabSize) throw new FormatError(`${file}: token ${i} is id ${tokens[i]}, expected ids < vocab size ${h.vocabSize}`);
  }
  return { ...h, file, tokens };
}

/**
 * Writes a shard token by token to a temp file beside `file`, renamed into place only by finish(); abort()
 * (or any error in push/finish) deletes the temp file, so the final name never holds a partial shard.
 *
 * @example
 * const w = new ShardWriter('train.tok', { vocabSize: 4096, fingerprint: tok.fingerprint(), source: 'demo' });
 * w.push(tok.encode('hello')); w.endDocument(); w.finish();
 */
export class ShardWriter {
  private readonly tmp: string;
  private fd: number | undefined;
  private readonly buf: Uint16Array | Uint32Array;
  private used = 0;
  private written = 0;
  private docs = 0;
  readonly bytesPerToken: 2 | 4;

  constructor(
    readonly file: string,
    private readonly meta: { vocabSize: number; fingerprint: string; source: string },
  ) {
    if (!Number.isSafeInteger(meta.vocabSize) || meta.vocabSize < 1 || meta.vocabSize > 2 ** 32)
      throw new RangeError(`ShardWriter: vocabSize must be an integer in [1, 2^32], got ${meta.vocabSize}`);
    this.bytesPerToken = bytesPerTokenFor(meta.vocabSize);
    this.buf = this.bytesPerToken === 2 ? new Uint16Array(1 << 20) : new Uint32Array(1 << 20);
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    this.tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
    this.fd = fs.openSync(this.tmp, 'w');
    try {
      fs.writeSync(this.fd, Buffer.alloc(HEADER_BYTES), 0, HEADER_BYTES, 0);
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Tokens written so far. */
  get tokenCount(): number {
    return this.written + this.used;
  }

  /** Appends ids; an id outside [0, vocab) aborts the write and throws. */
  push(ids: ArrayLike<number>): void {
    try {
      const V = this.meta.vocabSize;
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        if (!(Number.isInteger(id) && id >= 0 && id < V))
          throw new RangeError(`ShardWriter(${this.file}): token id ${id} (document ${this.docs}, position ${i}) is not an integer in [0, ${V})`);
        this.buf[this.used++] = id;
        if (this.used === this.buf.length) this.flush();
      }
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Counts a finished document (the header's document count). */
  endDocument(): void {
    this.docs++;
  }

  private flush(): void {
    if (this.fd === undefined) throw new Error(`ShardWriter(${this.file}): used after finish() or abort()`);
    const bytes = new Uint8Array(this.buf.buffer, 0, this.used * this.bytesPerToken);
    fs.writeSync(this.fd, bytes, 0, bytes.length, HEADER_BYTES + this.written * this.bytesPerToken);
    this.written += this.used;
    this.used = 0;
  }

  /** Writes the header, syncs, and renames the temp file to its final name. */
  finish(): ShardHeader {
    try {
      this.flush();
      const h: ShardHeader = {
        version: SHARD_VERSION,
        bytesPerToken: this.bytesPerToken,
        vocabSize: this.meta.vocabSize,
        tokenCount: this.written,
        documentCount: this.docs,
        fingerprint: this.meta.fingerprint,
        source: this.meta.source,
      };
      fs.writeSync(this.fd!, encodeHeader(h), 0, HEADER_BYTES, 0);
      fs.fsyncSync(this.fd!);
      fs.closeSync(this.fd!);
      this.fd = undefined;
      fs.renameSync(this.tmp, this.file);
      return h;
    } catch (e) {
      this.abort();
      throw e;
    }
  }

  /** Drops the temp file; the final file is untouched. */
  abort(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = undefined;
    }
    try {
      fs.unlinkSync(this.tmp);
    } catch {
      /* never created or already renamed */
    }
  }
}

/**
 * Writes a whole token array as one shard, atomically.
 *
 * @example
 * writeShard('t.tok', new Uint16Array([1, 2, 3]), { vocabSize: 256, fingerprint: 'bytes-v1', source: 'demo' });
 */
export function writeShard(file: string, tokens: ArrayLike<number>, meta: { vocabSize: number; fingerprint: string; source: string; documentCount?: number }): ShardHeader {
  const w = new ShardWriter(file, meta);
  w.push(tokens);
  for (let i = 0; i < (meta.documentCount ?? 0); i++) w.endDocument();
  return w.finish();
}
