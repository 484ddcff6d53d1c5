// Local text files as a corpus: paths or globs (tinyglobby; Node 20 has no fs.glob), read as UTF-8 streams
// and cut into documents by a Separation (default: <|endoftext|>, so a file without markers is one
// document). Train/validation: given validation files, or a seeded hash split of the documents.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { Corpus } from './corpus';
import { Documents, checkSplitRule, splitStream, type SplitRule } from './documents';
import { resolveSeparation, splitDocuments, type Separation, type SeparationName } from './separation';

/** Options of flashlm.data.text. */
export interface TextOptions {
  /** Files (or globs) holding the validation documents; without it, a hashed fraction of the documents. */
  validation?: string | readonly string[];
  /** Fraction of documents held out when `validation` is not given (default 0.1). */
  validationFraction?: number;
  /** Seed of the split (default 0). */
  seed?: number;
  /** How text becomes documents (default 'stories': split on <|endoftext|>). */
  separation?: SeparationName | Separation;
  /** Keep at most this many documents per split. */
  maxDocuments?: number;
}

/**
 * Expands paths and globs to a sorted list of readable files; a pattern with no match or a missing file is an
 * error naming it.
 *
 * @example
 * resolveFiles('text', ['data/*.txt']) // ['/abs/data/a.txt', '/abs/data/b.txt']
 */
export function resolveFiles(fn: string, pathsOrGlobs: string | readonly string[]): string[] {
  const list = typeof pathsOrGlobs === 'string' ? [pathsOrGlobs] : [...pathsOrGlobs];
  if (list.length === 0) throw new RangeError(`${fn}: expected at least one path or glob, got none`);
  const out: string[] = [];
  for (const p of list) {
    if (typeof p !== 'string' || p.length === 0) throw new TypeError(`${fn}: paths must be non-empty strings, got ${JSON.stringify(p)}`);
    if (!fs.existsSync(p) && isDynamicPattern(p)) {
      const hits = globSync(p, { absolute: true, onlyFiles: true, expandDirectories: false }).sort();
      if (hits.length === 0) throw new Error(`${fn}: no file matches the glob '${p}' (from ${process.cwd()})`);
      out.push(...hits);
      continue;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
      fs.accessSync(p, fs.constants.R_OK);
    } catch (e) {
      throw new Error(`${fn}: cannot read '${p}' (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a UTF-8 text file or a glob such as 'data/*.txt'`);
    }
    if (st.isDirectory()) throw new Error(`${fn}: '${p}' is a directory; expected a file. HINT: pass a glob such as '${path.join(p, '**/*.txt')}'`);
    out.push(path.resolve(p));
  }
  return out;
}

/** Documents of the files in order, streamed. */
export async function* fileDocuments(files: readonly string[], rule: Separation): AsyncGenerator<string> {
  for (const f of files) yield* splitDocuments(fs.createReadStream(f, { encoding: 'utf8', highWaterMark: 1 << 20 }), rule);
}

/** Stable id of files' identity and version (path, size, mtime): it changes when a file changes. */
function filesId(files: readonly string[]): string {
  const h = createHash('sha256');
  for (const f of files) {
    const st = fs.statSync(f);
    h.update(`${f}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * A corpus of local text files.
 *
 * @example
 * const c = flashlm.data.text('stories/*.txt', { validation: 'stories/valid.txt' });
 * const c2 = flashlm.data.text(['a.txt', 'b.txt'], { validationFraction: 0.05 });
 */
export function text(pathsOrGlobs: string | readonly string[], options: TextOptions = {}): Corpus {
  const fn = 'text';
  const files = resolveFiles(fn, pathsOrGlobs);
  const rule = resolveSeparation(fn, options.separation);
  const ruleTag = `${JSON.stringify(rule.delimiter)}/${rule.minLength}/${rule.separator}`;
  let train: Documents;
  let validation: Documents;
  let splitDesc: string;
  let id: string;
  if (options.validation !== undefined) {
    const vfiles = resolveFiles(fn, options.validation);
    const vset = new Set(vfiles);
    const tfiles = files.filter((f) => !vset.has(f));
    if (tfiles.length === 0) throw new RangeError(`${fn}: every file is also a validation file; expected some training files`);
    id = `text:${filesId(tfiles)}+${filesId(vfiles)}:${ruleTag}`;
    train = new Documents('train', `${id}:train`, () => fileDocuments(tfiles, rule), { separator: rule.separator });
    validation = new Documents('validation', `${id}:validation`, () => fileDocuments(vfiles, rule), { separator: rule.separator });
    splitDesc = `by file (${tfiles.length} train, ${vfiles.length} validation)`;
  } else {
    const split: SplitRule = { validationFraction: options.validationFraction ?? 0.1, seed: options.seed ?? 0 };
    checkSplitRule(fn, split);
    id = `text:${filesId(files)}:${ruleTag}`;
    ({ train, validation } = splitStream(id, () => fileDocuments(files, rule), split, { separator: rule.separator }));
    splitDesc = `document-level, ${split.validationFraction} validation, seed ${split.seed}`;
  }
  if (options.maxDocuments !== undefined) {
    train = train.take(options.maxDocuments);
    validation = validation.take(options.maxDocuments);
  }
  return new Corpus('text', id, train, validation, {
    source: files.length === 1 ? files[0] : `${files.length} files (${files[0]}, ...)`,
    split: splitDesc,
    separation: rule.note,
  });
}
