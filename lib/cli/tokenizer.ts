// `flashlm tokenizer train|encode|decode`: train a byte-level BPE tokenizer.json, and encode/decode text
// through any tokenizer line by line (stdin -> stdout). Usage errors exit 2, bad files or data exit 1.
import * as fs from 'node:fs';

import { BpeTokenizer } from '../data/tokenizer/bpe';
import { LlamaTokenizer } from '../data/tokenizer/llama';
import { CORPUS_NAMES, corpus as loadCorpus, type CorpusName } from '../data/corpus';
import { trainBpe, trainBpeAsync } from '../data/tokenizer/train';
import { V4Tokenizer } from '../data/tokenizer/v4';

export const TOKENIZER_USAGE = `usage:
  flashlm tokenizer train (--corpus NAME | --text FILE...) --vocab N [--min-frequency F] [--special TOK...]
                          [--prefix-space] --out tokenizer.json
  flashlm tokenizer encode --tokenizer FILE   text on stdin -> one JSON array of ids per input line
  flashlm tokenizer decode --tokenizer FILE   one JSON array of ids per line on stdin -> text lines

  --corpus NAME             the train split of a flashlm corpus (sotu, moby-dick, tinystories, fineweb-edu);
                            each document is pre-tokenized whole
  --text FILE...            text files, read line by line as Hugging Face's Tokenizer.train(files) does
  --prefix-space            add_prefix_space (HF's default, the original recipe's): a space before each text;
                            then decode(encode(x)) gives x with that space
  --tokenizer FILE          a Hugging Face byte-level BPE tokenizer.json, a v4 tokenizer file, or "llama32k"`;

class UsageError extends Error {}

interface Parsed {
  flags: Set<string>;
  values: Map<string, string[]>;
}

const TAKES: Record<string, Set<string>> = {
  train: new Set(['--corpus', '--text', '--vocab', '--min-frequency', '--special', '--out']),
  encode: new Set(['--tokenizer']),
  decode: new Set(['--tokenizer']),
};
const FLAGS: Record<string, Set<string>> = { train: new Set(['--prefix-space']), encode: new Set(), decode: new Set() };
const MULTI = new Set(['--text', '--special']);

function parse(sub: string, args: string[]): Parsed {
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (FLAGS[sub].has(a)) {
      flags.add(a);
      continue;
    }
    if (!TAKES[sub].has(a)) throw new UsageError(`unknown option '${a}' for 'tokenizer ${sub}'`);
    const list: string[] = [];
    // Multi-valued options take every following argument up to the next --option.
    while (i + 1 < args.length && !(args[i + 1].startsWith('--') && (TAKES[sub].has(args[i + 1]) || FLAGS[sub].has(args[i + 1])))) {
      list.push(args[++i]);
      if (!MULTI.has(a)) break;
    }
    if (list.length === 0) throw new UsageError(`${a} needs a value`);
    values.set(a, [...(values.get(a) ?? []), ...list]);
  }
  return { flags, values };
}

function one(p: Parsed, name: string): string | undefined {
  const v = p.values.get(name);
  if (v && v.length > 1) throw new UsageError(`${name} given more than once`);
  return v?.[0];
}

function intOption(p: Parsed, name: string, min: number): number | undefined {
  const v = one(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${name} must be an integer ≥ ${min}, got '${v}'`);
  return n;
}

/** The train split of a flashlm corpus (the validation split never shapes the tokenizer). */
function corpusTrainSplit(name: string): AsyncIterable<string> {
  if (!(CORPUS_NAMES as string[]).includes(name)) {
    throw new UsageError(`unknown corpus '${name}'; expected one of: ${CORPUS_NAMES.join(', ')} (or pass --text FILE...)`);
  }
  return loadCorpus(name as CorpusName).train;
}

/** Lines with their line endings, as HF's train_from_files feeds them. */
function fileLines(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); expected a text file`);
  }
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

type AnyTokenizer = { encode(t: string): Uint32Array; decode(ids: ArrayLike<number>): string };

export function loadAnyTokenizer(file: string): AnyTokenizer {
  if (file === 'llama32k') return new LlamaTokenizer();
  let head = '';
  try {
    head = fs.readFileSync(file, 'utf8').slice(0, 200);
  } catch {
    /* BpeTokenizer.load reports it */
  }
  if (head.includes('"flashlm-v4-gpt2-remap"')) return V4Tokenizer.load(file);
  return BpeTokenizer.load(file);
}

function readStdinLines(): string[] {
  const text = fs.readFileSync(0, 'utf8');
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

async function train(p: Parsed): Promise<number> {
  const corpus = one(p, '--corpus');
  const files = p.values.get('--text');
  if ((corpus === undefined) === (files === undefined)) throw new UsageError('give exactly one of --corpus NAME or --text FILE...');
  const vocab = intOption(p, '--vocab', 1);
  if (vocab === undefined) throw new UsageError('--vocab N is required');
  const out = one(p, '--out');
  if (out === undefined) throw new UsageError('--out tokenizer.json is required');
  const t0 = Date.now();
  const options = {
    vocabSize: vocab,
    minFrequency: intOption(p, '--min-frequency', 0) ?? 0,
    specialTokens: p.values.get('--special') ?? [],
    addPrefixSpace: p.flags.has('--prefix-space'),
  };
  let tok;
  try {
    tok = corpus !== undefined ? await trainBpeAsync(corpusTrainSplit(corpus), options) : trainBpe((files as string[]).flatMap(fileLines), options);
  } catch (e) {
    // Settings trainBpe rejects (a vocab below the alphabet, an empty special) are usage errors here.
    if (e instanceof RangeError || e instanceof TypeError) throw new UsageError(e.message);
    throw e;
  }
  tok.save(out);
  console.error(`flashlm tokenizer: ${out}: vocab ${tok.vocabSize}, ${tok.merges.length} merges, trained in ${((Date.now() - t0) / 1000).toFixed(2)} s`);
  return 0;
}

function encode(p: Parsed): number {
  const file = one(p, '--tokenizer');
  if (file === undefined) throw new UsageError('--tokenizer FILE is required');
  const tok = loadAnyTokenizer(file);
  const out: string[] = [];
  for (const line of readStdinLines()) out.push(JSON.stringify(Array.from(tok.encode(line))));
  if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
  return 0;
}

function decode(p: Parsed): number {
  const file = one(p, '--tokenizer');
  if (file === undefined) throw new UsageError('--tokenizer FILE is required');
  const tok = loadAnyTokenizer(file);
  const out: string[] = [];
  readStdinLines().forEach((line, i) => {
    let ids: unknown;
    try {
      ids = JSON.parse(line);
    } catch {
      ids = undefined;
    }
    if (!Array.isArray(ids) || !ids.every((x) => Number.isInteger(x))) throw new Error(`stdin line ${i + 1}: expected a JSON array of integer token ids, got ${JSON.stringify(line.slice(0, 60))}`);
    try {
      out.push(tok.decode(ids as number[]));
    } catch (e) {
      throw new Error(`stdin line ${i + 1}: ${(e as Error).message}`);
    }
  });
  if (out.length > 0) process.stdout.write(out.join('\n') + '\n');
  return 0;
}

/** Runs `flashlm tokenizer ...`; returns the exit code. */
export async function tokenizerCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub === undefined || sub === 'help' || sub === '--help' || sub === '-h') {
      console.log(TOKENIZER_USAGE);
      return sub === undefined ? 2 : 0;
    }
    if (!(sub in TAKES)) throw new UsageError(`unknown subcommand '${sub}'`);
    const p = parse(sub, rest);
    return sub === 'train' ? await train(p) : sub === 'encode' ? encode(p) : decode(p);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`flashlm tokenizer: ${e.message}\n\n${TOKENIZER_USAGE}`);
      return 2;
    }
    console.error(`flashlm tokenizer: ${(e as Error).message}`);
    return 1;
  }
}
