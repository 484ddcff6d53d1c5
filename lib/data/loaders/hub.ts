// Corpora from the Hugging Face hub: TinyStories (the V2 GPT-4 .txt files split on <|endoftext|>, or the
// parquet layout) and FineWeb-Edu parquet shards. Files are fetched lazily, when a split is first iterated
// (or by corpus.download()), into the cache; `local` points at a directory of files instead.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Corpus } from '../corpus/corpus';
import { Documents, checkSplitRule, splitStream, type SplitRule } from '../corpus/documents';
import { resolveSeparation, splitDocuments, type Separation, type SeparationName } from '../corpus/separation';
import { cacheDir, hubCachePath } from './cache';
import { DataUnavailableError, download, remoteBuffer, remoteText } from './download';
import { parquetTexts } from './parquet';

/** Options shared by the hub corpora. */
export interface HubOptions {
  /** Keep at most this many documents per split. */
  maxDocuments?: number;
  /** A directory holding the files (hub layout or flat); nothing is downloaded. */
  local?: string;
  /** Hub address (default $HF_ENDPOINT or https://huggingface.co); tests point it at 127.0.0.1. */
  baseUrl?: string;
  /** Revision (default 'main'). */
  revision?: string;
  /** Cache root (default FLASHLM_CACHE or the user cache dir). */
  cacheDir?: string;
  /** Terminal progress bar while downloading (default true). */
  progress?: boolean;
  /** Download progress callback. */
  onProgress?: (file: string, bytes: number, total: number | undefined) => void;
  /**
   * Read straight from the hub instead of downloading whole files: parquet row groups by HTTP range
   * requests, .txt as one streamed GET. Nothing is cached; suits a few documents from a big file
   * (with maxDocuments). Ignored with `local`.
   */
  stream?: boolean;
}

export interface TinyStoriesOptions extends HubOptions {
  /**
   * 'txt' (default): TinyStoriesV2-GPT4-{train,valid}.txt; 'parquet': data/*.parquet (column text), the
   * files `datasets.load_dataset('roneneldan/TinyStories')` reads, as v4 did.
   */
  format?: 'txt' | 'parquet';
  /** .txt generation: 'v2' (GPT-4 only, default) or 'v1' (TinyStories-{train,valid}.txt). */
  version?: 'v1' | 'v2';
  /** How the .txt becomes stories (default 'stories'; the original pipelines as options, spec B12). */
  separation?: SeparationName | Separation;
}

export interface FineWebEduOptions extends HubOptions {
  /** How many shards of `subset` (default 1), or explicit repo paths. */
  shards?: number | readonly string[];
  /** Folder of the shards (default 'sample/10BT'). */
  subset?: string;
  /** FineWeb-Edu has no validation split: a seeded hash of the document index holds out this fraction (default 0.01). */
  validationFraction?: number;
  seed?: number;
}

/** One file of a hub dataset. */
interface HubFile {
  repo: string;
  path: string;
  size?: number;
  sha256?: string;
}

const TINYSTORIES = 'roneneldan/TinyStories';
const FINEWEB_EDU = 'HuggingFaceFW/fineweb-edu';
const TINYSTORIES_PARQUET = {
  train: [
    'data/train-00000-of-00004-2d5a1467fff1081b.parquet',
    'data/train-00001-of-00004-5852b56a2bd28fd9.parquet',
    'data/train-00002-of-00004-a26307300439e943.parquet',
    'data/train-00003-of-00004-d243063613e5a057.parquet',
  ],
  validation: ['data/validation-00000-of-00001-869c898b519ad725.parquet'],
};

function hubUrl(base: string, repo: string, revision: string, file: string): string {
  return `${base.replace(/\/+$/, '')}/datasets/${repo}/resolve/${encodeURIComponent(revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

function fileUrl(f: HubFile, o: HubOptions): string {
  return hubUrl(o.baseUrl ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co', f.repo, o.revision ?? 'main', f.path);
}

function prefixed<T>(fn: string, p: Promise<T>): Promise<T> {
  return p.catch((e: unknown) => {
    if (e instanceof Error && !e.message.startsWith(fn)) e.message = `${fn}: ${e.message}`;
    throw e;
  });
}

async function* prefixedStream(fn: string, it: AsyncIterable<string>): AsyncGenerator<string> {
  try {
    yield* it;
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith(fn)) e.message = `${fn}: ${e.message}`;
    throw e;
  }
}

function streamHint(fn: string, f: HubFile): string {
  return `${fn} streams ${f.path} from the hub dataset ${f.repo}. Offline? Download it elsewhere and pass { local: '<dir>' } naming a directory that holds ${path.basename(f.path)}.`;
}

/** Finds or fetches one file; returns its local path. */
async function fetchFile(fn: string, f: HubFile, o: HubOptions): Promise<string> {
  const revision = o.revision ?? 'main';
  if (o.local !== undefined) {
    const candidates = [path.join(o.local, ...f.path.split('/')), path.join(o.local, path.basename(f.path))];
    const hit = candidates.find((c) => fs.existsSync(c));
    if (!hit) throw new DataUnavailableError(`${fn}: ${f.path} is not in the local directory ${o.local}; expected ${candidates.join(' or ')}. HINT: download it from ${hubUrl('https://huggingface.co', f.repo, revision, f.path)}`);
    return hit;
  }
  const root = cacheDir(o.cacheDir);
  const dest = hubCachePath(root, f.repo, revision, f.path);
  const url = fileUrl(f, o);
  const hint =
    `${fn} needs ${f.path} from the hub dataset ${f.repo}. Offline? Download it elsewhere, then either put it at ${dest} ` +
    `or pass { local: '<dir>' } naming a directory that holds ${path.basename(f.path)} (or set FLASHLM_CACHE to a cache that has it).`;
  return prefixed(fn, download(url, dest, { size: f.size, sha256: f.sha256, progress: o.progress, hint, onProgress: o.onProgress && ((b, t) => o.onProgress!(f.path, b, t)) }));
}

async function* textFileDocs(fn: string, f: HubFile, o: HubOptions, rule: Separation): AsyncGenerator<string> {
  if (o.stream && o.local === undefined) {
    const chunks = await prefixed(fn, remoteText(fileUrl(f, o), { hint: streamHint(fn, f) }));
    yield* prefixedStream(fn, splitDocuments(chunks, rule));
    return;
  }
  const file = await fetchFile(fn, f, o);
  yield* splitDocuments(fs.createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 }), rule);
}

async function* parquetDocs(fn: string, files: readonly HubFile[], o: HubOptions): AsyncGenerator<string> {
  for (const f of files) {
    if (o.stream && o.local === undefined) {
      const url = fileUrl(f, o);
      const buffer = await prefixed(fn, remoteBuffer(url, { hint: streamHint(fn, f) }));
      yield* prefixedStream(fn, parquetTexts({ label: url, buffer }, 'text'));
    } else yield* parquetTexts(await fetchFile(fn, f, o), 'text');
  }
}

function limited(d: Documents, o: HubOptions): Documents {
  return o.maxDocuments === undefined ? d : d.take(o.maxDocuments);
}

/**
 * TinyStories (roneneldan/TinyStories): train and validation as the dataset ships them.
 *
 * @example
 * const c = flashlm.data.corpus('tinystories', { maxDocuments: 10000 });
 * const legacy = flashlm.data.corpus('tinystories', { separation: 'v5.2' }); // blank-line chunks (B12)
 */
export function tinystories(o: TinyStoriesOptions = {}): Corpus {
  const fn = "corpus('tinystories')";
  const format = o.format ?? 'txt';
  if (format !== 'txt' && format !== 'parquet') throw new RangeError(`${fn}: format must be 'txt' or 'parquet', got '${String(format)}'`);
  const revision = o.revision ?? 'main';
  let train: Documents;
  let validation: Documents;
  let id: string;
  let separationNote: string | undefined;
  const all: HubFile[] = [];
  if (format === 'txt') {
    const version = o.version ?? 'v2';
    if (version !== 'v1' && version !== 'v2') throw new RangeError(`${fn}: version must be 'v1' or 'v2', got '${String(version)}'`);
    const stem = version === 'v2' ? 'TinyStoriesV2-GPT4' : 'TinyStories';
    const rule = resolveSeparation(fn, o.separation);
    const tf: HubFile = { repo: TINYSTORIES, path: `${stem}-train.txt` };
    const vf: HubFile = { repo: TINYSTORIES, path: `${stem}-valid.txt` };
    all.push(tf, vf);
    id = `tinystories:${stem}.txt@${revision}:${JSON.stringify(rule.delimiter)}/${rule.minLength}/${rule.separator}`;
    train = new Documents('train', `${id}:train`, () => textFileDocs(fn, tf, o, rule), { separator: rule.separator });
    validation = new Documents('validation', `${id}:validation`, () => textFileDocs(fn, vf, o, rule), { separator: rule.separator });
    separationNote = rule.note;
  } else {
    if (o.separation !== undefined && o.separation !== 'stories')
      throw new RangeError(`${fn}: separation '${typeof o.separation === 'string' ? o.separation : 'custom'}' reproduces a .txt pipeline; use format 'txt' (parquet rows are already one story each)`);
    const tf = TINYSTORIES_PARQUET.train.map((p) => ({ repo: TINYSTORIES, path: p }));
    const vf = TINYSTORIES_PARQUET.validation.map((p) => ({ repo: TINYSTORIES, path: p }));
    all.push(...tf, ...vf);
    id = `tinystories:parquet@${revision}`;
    train = new Documents('train', `${id}:train`, () => parquetDocs(fn, tf, o));
    validation = new Documents('validation', `${id}:validation`, () => parquetDocs(fn, vf, o));
  }
  return new Corpus('tinystories', id, limited(train, o), limited(validation, o), {
    source: `huggingface.co/datasets/${TINYSTORIES} (${format})`,
    license: 'CDLA-Sharing-1.0',
    split: 'the dataset’s own train and validation files',
    separation: separationNote,
  }, async () => Promise.all(all.map((f) => fetchFile(fn, f, o))));
}

/**
 * FineWeb-Edu (HuggingFaceFW/fineweb-edu) parquet shards, streamed by row group.
 *
 * @example
 * const c = flashlm.data.corpus('fineweb-edu', { shards: 1, maxDocuments: 30000 });
 */
export function finewebEdu(o: FineWebEduOptions = {}): Corpus {
  const fn = "corpus('fineweb-edu')";
  const subset = o.subset ?? 'sample/10BT';
  let paths: string[];
  if (typeof o.shards === 'object') paths = [...o.shards];
  else {
    const n = o.shards ?? 1;
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`${fn}: shards must be a positive integer or a list of repo paths, got ${n}`);
    paths = Array.from({ length: n }, (_, i) => `${subset}/${String(i).padStart(3, '0')}_00000.parquet`);
  }
  if (paths.length === 0) throw new RangeError(`${fn}: shards is an empty list; expected at least one repo path`);
  const files = paths.map((p) => ({ repo: FINEWEB_EDU, path: p }));
  const rule: SplitRule = { validationFraction: o.validationFraction ?? 0.01, seed: o.seed ?? 0 };
  checkSplitRule(fn, rule);
  const id = `fineweb-edu:${o.revision ?? 'main'}:${paths.join(',')}`;
  const { train, validation } = splitStream(id, () => parquetDocs(fn, files, o), rule);
  return new Corpus('fineweb-edu', id, limited(train, o), limited(validation, o), {
    source: `huggingface.co/datasets/${FINEWEB_EDU} (${paths.length} parquet shard${paths.length > 1 ? 's' : ''})`,
    license: 'ODC-By 1.0',
    split: `document-level hash split, ${rule.validationFraction} validation, seed ${rule.seed}`,
  }, async () => Promise.all(files.map((f) => fetchFile(fn, f, o))));
}
