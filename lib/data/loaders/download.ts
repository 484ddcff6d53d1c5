// Downloads one file into the cache, the way the hub needs: follows redirects (resolve URLs point to a CDN),
// resumes an interrupted download with a Range request on <file>.part, checks the size and the SHA-256
// (given, or the hub's X-Linked-Size / X-Linked-ETag headers), and only then renames .part to the final
// name, so the cache never holds a corrupt file. Offline or unreachable → DataUnavailableError with a hint.
// remoteBuffer / remoteText read without caching (stream: true): Range requests, or one streamed GET.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SingleBar } from 'cli-progress';

/** A file could not be fetched (offline, server down, HTTP error); the message says how to supply it locally. */
export class DataUnavailableError extends Error {
  override name = 'DataUnavailableError';
}

/** A downloaded file did not match its expected size or hash (the partial file was deleted). */
export class DownloadIntegrityError extends Error {
  override name = 'DownloadIntegrityError';
}

export interface DownloadOptions {
  /** Expected size in bytes (else the server's X-Linked-Size or Content-Length/Content-Range total). */
  size?: number;
  /** Expected SHA-256, hex (else the hub's X-Linked-ETag when it is one). */
  sha256?: string;
  /** Show a terminal progress bar on stderr (default true; periodic lines when stderr is not a TTY). */
  progress?: boolean;
  /** Called as bytes arrive (notebook progress displays). */
  onProgress?: (bytes: number, total: number | undefined) => void;
  /** Sent as `Authorization: Bearer` to the first host only (gated hub repos; default $HF_TOKEN). */
  token?: string;
  /** What to tell the user when the file cannot be fetched (how to point at a local copy). */
  hint?: string;
  /** Socket idle timeout in ms (default 30000). */
  timeoutMs?: number;
}

interface Hop {
  res: http.IncomingMessage;
  /** The URL that answered, after redirects. */
  url: string;
  linkedSize?: number;
  linkedSha?: string;
}

const OFFLINE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNRESET', 'ESOCKETTIMEDOUT']);

/** GET with redirects followed by hand, so the hub's X-Linked-* headers on the redirect are kept. */
function get(url: string, headers: Record<string, string>, opts: DownloadOptions, hops = 0, seen: Omit<Hop, 'res' | 'url'> = {}): Promise<Hop> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : undefined;
    if (!lib) return reject(new TypeError(`download: unsupported URL protocol '${u.protocol}' in ${url}`));
    const req = lib.get(u, { headers: { 'user-agent': 'flashlm', ...headers } }, (res) => {
      const linkedSize = res.headers['x-linked-size'];
      const linkedEtag = String(res.headers['x-linked-etag'] ?? '').replace(/"/g, '');
      const next = { ...seen };
      if (linkedSize !== undefined && /^\d+$/.test(String(linkedSize))) next.linkedSize = Number(linkedSize);
      if (/^[0-9a-f]{64}$/i.test(linkedEtag)) next.linkedSha = linkedEtag.toLowerCase();
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (hops >= 10) return reject(new DataUnavailableError(`download: too many redirects fetching ${url}`));
        const to = new URL(res.headers.location, u).toString();
        // Credentials go to the first host only, never to a CDN it redirects to.
        const h = { ...headers };
        if (new URL(to).host !== u.host) delete h.authorization;
        get(to, h, opts, hops + 1, next).then(resolve, reject);
        return;
      }
      resolve({ res, url, ...next });
    });
    req.setTimeout(opts.timeoutMs ?? 30000, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
  });
}

function unavailable(url: string, cause: string, opts: DownloadOptions): DataUnavailableError {
  return new DataUnavailableError(`could not fetch ${url} (${cause}).${opts.hint ? ` HINT: ${opts.hint}` : ''}`);
}

/** get(), with network failures turned into a DataUnavailableError that carries the hint. */
async function fetchOrExplain(url: string, headers: Record<string, string>, opts: DownloadOptions): Promise<Hop> {
  try {
    return await get(url, headers, opts);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err instanceof DataUnavailableError || err instanceof TypeError) throw err;
    throw unavailable(url, err.code && OFFLINE_CODES.has(err.code) ? `${err.code}: offline or the server is unreachable` : err.message, opts);
  }
}

/** SHA-256 of a file, hex. */
export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(fs.createReadStream(file, { highWaterMark: 1 << 22 }), async function* (src: AsyncIterable<Buffer>) {
    for await (const b of src) h.update(b);
  });
  return h.digest('hex');
}

function rm(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    /* already gone */
  }
}

/**
 * Downloads `url` to `dest` unless it is already there; returns `dest`.
 *
 * @example
 * await download('https://huggingface.co/datasets/roneneldan/TinyStories/resolve/main/TinyStoriesV2-GPT4-valid.txt', '/tmp/valid.txt');
 */
export async function download(url: string, dest: string, opts: DownloadOptions = {}): Promise<string> {
  if (fs.existsSync(dest)) {
    if (opts.size === undefined || fs.statSync(dest).size === opts.size) return dest;
    rm(dest); // a cached file of the wrong size: fetch it again
  }
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  for (let attempt = 0; attempt < 2; attempt++) {
    const have = fs.existsSync(part) ? fs.statSync(part).size : 0;
    const headers: Record<string, string> = {};
    if (have > 0) headers.range = `bytes=${have}-`;
    const token = opts.token ?? process.env.HF_TOKEN;
    if (token) headers.authorization = `Bearer ${token}`;
    const hop = await fetchOrExplain(url, headers, opts);
    const { res } = hop;
    const status = res.statusCode ?? 0;
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
    if (status === 416) {
      // Nothing left to send: the part is complete if it has the full size, else start over.
      res.resume();
      const total = Number(/\/(\d+)$/.exec(String(res.headers['content-range'] ?? ''))?.[1] ?? NaN);
      if (have > 0 && have === (opts.size ?? hop.linkedSize ?? total)) return finish(url, part, dest, have, hop, opts);
      rm(part);
      continue;
    }
    if (status !== 200 && status !== 206) {
      res.resume();
      const why = status === 401 || status === 403 ? 'the repository may be gated: set HF_TOKEN' : status === 404 ? 'not found: check the repository, revision and path' : res.statusMessage ?? '';
      throw unavailable(url, `HTTP ${status}${why ? `, ${why}` : ''}`, opts);
    }
    const resumed = status === 206 && range !== null && Number(range[1]) === have;
    if (status === 206 && !resumed) {
      res.resume();
      rm(part);
      continue;
    }
    const start = resumed ? have : 0;
    const total = range && range[3] !== '*' ? Number(range[3]) : res.headers['content-length'] !== undefined ? start + Number(res.headers['content-length']) : undefined;
    const expected = opts.size ?? hop.linkedSize ?? total;
    const bar = opts.progress === false ? undefined : progressBar(path.basename(dest), expected, start);
    let got = start;
    let failure: unknown;
    try {
      await appendBody(res, part, resumed, (n) => {
        got = start + n;
        bar?.update(got);
        opts.onProgress?.(got, expected);
      });
    } catch (e) {
      failure = e;
    } finally {
      bar?.stop();
    }
    if (failure !== undefined) {
      // Keep the .part (every byte received is in it): the next call resumes from where this one stopped.
      const err = failure as NodeJS.ErrnoException;
      if (err.code === 'EWRITE') throw err;
      throw unavailable(url, `interrupted after ${got} bytes: ${err.code ?? err.message}; call again to resume from ${part}`, opts);
    }
    return finish(url, part, dest, expected, hop, opts);
  }
  throw unavailable(url, 'the server did not honour the resume request twice', opts);
}

/**
 * Appends a response body to `part`. Unlike stream.pipeline, a lost connection does not discard the bytes
 * still queued for the file: they are written and the file is closed before this returns or throws, so the
 * .part is an exact prefix and no late write can land after a resume has started.
 */
async function appendBody(res: http.IncomingMessage, part: string, append: boolean, onBytes: (n: number) => void): Promise<void> {
  const ws = fs.createWriteStream(part, { flags: append ? 'a' : 'w' });
  let writeError: Error | undefined;
  ws.on('error', (e) => (writeError ??= e));
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  let n = 0;
  let readError: unknown;
  try {
    for await (const chunk of res) {
      if (writeError) break;
      n += (chunk as Buffer).length;
      onBytes(n);
      if (!ws.write(chunk)) await new Promise<void>((resolve) => {
        ws.once('drain', resolve);
        ws.once('error', () => resolve());
      });
    }
    if (!writeError && !res.complete) readError = Object.assign(new Error('connection closed early'), { code: 'ECONNRESET' });
  } catch (e) {
    readError = e;
  }
  ws.end();
  await closed;
  if (writeError) throw Object.assign(new Error(`download: cannot write ${part}: ${writeError.message}`), { code: 'EWRITE' });
  if (readError !== undefined) throw readError;
}

async function finish(url: string, part: string, dest: string, expectedSize: number | undefined, hop: Hop, opts: DownloadOptions): Promise<string> {
  const size = fs.statSync(part).size;
  if (expectedSize !== undefined && size !== expectedSize) {
    rm(part);
    throw new DownloadIntegrityError(`download: ${url} gave ${size} bytes, expected ${expectedSize}; the partial file was deleted. HINT: call again to refetch`);
  }
  const want = opts.sha256?.toLowerCase() ?? hop.linkedSha;
  if (want !== undefined) {
    const sha = await sha256File(part);
    if (sha !== want) {
      rm(part);
      throw new DownloadIntegrityError(`download: ${url} has SHA-256 ${sha}, expected ${want}; the file was deleted. HINT: call again to refetch`);
    }
  }
  fs.renameSync(part, dest);
  return dest;
}

function progressBar(label: string, total: number | undefined, start: number): SingleBar {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const bar = new SingleBar({
    format: `${label} |{bar}| {percentage}% | {got}/{all} MB | ETA {eta_formatted}`,
    noTTYOutput: !process.stderr.isTTY,
    notTTYSchedule: 10000,
    etaBuffer: 50,
    hideCursor: true,
  });
  bar.start(total ?? 0, start, { got: mb(start), all: total === undefined ? '?' : mb(total) });
  const update = bar.update.bind(bar);
  bar.update = ((v: number) => update(v, { got: mb(v) })) as SingleBar['update'];
  return bar;
}

/** A random-access view of a remote file (hyparquet's AsyncBuffer): each slice is one Range request. */
export interface RemoteBuffer {
  byteLength: number;
  slice(start: number, end?: number): Promise<ArrayBuffer>;
}

async function readBody(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Opens a remote file for range reads without downloading it (parquet row groups straight from the hub).
 * The redirect is resolved once; a signed CDN URL that expires (403/410) is resolved again.
 *
 * @example
 * const buf = await remoteBuffer('https://huggingface.co/datasets/HuggingFaceFW/fineweb-edu/resolve/main/sample/10BT/000_00000.parquet');
 */
export async function remoteBuffer(url: string, opts: DownloadOptions = {}): Promise<RemoteBuffer> {
  const token = opts.token ?? process.env.HF_TOKEN;
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const request = (from: string, range: string): Promise<Hop> => fetchOrExplain(from, { ...auth, range }, opts);
  const first = await request(url, 'bytes=0-0');
  first.res.resume();
  const total = /\/(\d+)$/.exec(String(first.res.headers['content-range'] ?? ''));
  if (first.res.statusCode !== 206 || !total) {
    const status = first.res.statusCode ?? 0;
    if (status === 200) throw unavailable(url, 'the server ignores Range requests, so the file cannot be streamed; drop { stream: true } to download it', opts);
    throw unavailable(url, `HTTP ${status}${status === 404 ? ', not found: check the repository, revision and path' : ''}`, opts);
  }
  const byteLength = Number(total[1]);
  let resolved = first.url;
  return {
    byteLength,
    async slice(start: number, end: number = byteLength): Promise<ArrayBuffer> {
      if (end <= start) return new ArrayBuffer(0);
      const range = `bytes=${start}-${end - 1}`;
      let hop = await request(resolved, range);
      if ((hop.res.statusCode === 403 || hop.res.statusCode === 410) && resolved !== url) {
        hop.res.resume();
        hop = await request(url, range);
        resolved = hop.url;
      }
      if (hop.res.statusCode !== 206) {
        hop.res.resume();
        throw unavailable(url, `HTTP ${hop.res.statusCode} for range ${range}`, opts);
      }
      let body: Buffer;
      try {
        body = await readBody(hop.res);
      } catch (e) {
        throw unavailable(url, `connection lost reading range ${range}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, opts);
      }
      if (body.length !== end - start) throw unavailable(url, `range ${range} returned ${body.length} bytes, expected ${end - start}`, opts);
      return body.buffer.slice(body.byteOffset, body.byteOffset + body.length) as ArrayBuffer;
    },
  };
}

/**
 * Streams a remote text file as decoded UTF-8 chunks without caching it (one GET; nothing is resumed).
 *
 * @example
 * for await (const story of splitDocuments(await remoteText(url), SEPARATIONS.stories)) ...
 */
export async function remoteText(url: string, opts: DownloadOptions = {}): Promise<AsyncIterable<string>> {
  const token = opts.token ?? process.env.HF_TOKEN;
  const hop = await fetchOrExplain(url, token ? { authorization: `Bearer ${token}` } : {}, opts);
  const status = hop.res.statusCode ?? 0;
  if (status !== 200) {
    hop.res.resume();
    throw unavailable(url, `HTTP ${status}${status === 404 ? ', not found: check the repository, revision and path' : ''}`, opts);
  }
  hop.res.setEncoding('utf8');
  const res = hop.res;
  return (async function* () {
    try {
      for await (const chunk of res) yield chunk as string;
    } catch (e) {
      throw unavailable(url, `connection lost while streaming: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, opts);
    }
    if (!res.complete) throw unavailable(url, 'connection closed before the end of the file', opts);
  })();
}
