// How raw text (TinyStories .txt, local files) becomes documents: the correct rule (split on <|endoftext|>,
// spec B12) and, as options, each original pipeline's rule so a notebook can show its effect. Splitting is
// streaming: text arrives in chunks and a partial document is carried across chunk boundaries.
import type { SeparatorHint } from './documents';

/** The story marker of the TinyStories .txt files. */
export const END_OF_TEXT = '<|endoftext|>';

/** A splitting rule. */
export interface Separation {
  /** The delimiter between documents. */
  delimiter: string;
  /** Keep a (stripped) document only if it has at least this many characters. */
  minLength: number;
  /** What the pipeline puts between documents when tokenizing. */
  separator: SeparatorHint;
  /** One line on what this reproduces. */
  note: string;
}

/**
 * Named rules (spec §3–§8 "Data" and B12). 'stories' is the default and correct one; v4 used it too.
 *
 * @example
 * flashlm.data.corpus('tinystories', { separation: 'v5' }); // lines glued together, no EOS (B12)
 */
export const SEPARATIONS = {
  stories: { delimiter: END_OF_TEXT, minLength: 1, separator: 'eos', note: 'split on <|endoftext|>, strip, EOS after each story (correct; v4)' },
  v4: { delimiter: END_OF_TEXT, minLength: 1, separator: 'eos', note: 'v4: each story followed by EOS (correct)' },
  v5: { delimiter: '\n', minLength: 1, separator: 'none', note: 'v5: every non-empty stripped line, concatenated with no EOS; <|endoftext|> lines kept as text (B12)' },
  'v5.2a': { delimiter: '\n\n', minLength: 1, separator: 'eos', note: 'v5.2a/b: split on blank lines, EOS after each chunk (B12); add maxDocuments: 40000 and prepareShards maxTokens to match its caps' },
  'v5.2': { delimiter: '\n\n', minLength: 51, separator: 'eos', note: 'v5.2c: split on blank lines, chunks longer than 50 chars, EOS after each (B12)' },
  v6: { delimiter: '\n\n', minLength: 51, separator: 'eos', note: 'v6: split on blank lines, chunks longer than 50 chars, EOS after each (B12)' },
  'v6.1-pt': { delimiter: '\n', minLength: 1, separator: 'eos', note: 'v6.1-PT: every non-empty stripped line followed by EOS; <|endoftext|> lines kept as text (B12)' },
  'v6.1-c': { delimiter: END_OF_TEXT, minLength: 20, separator: 'eos', note: 'v6.1-C: split on <|endoftext|>, strip, skip stories under 20 chars, EOS after each (correct)' },
} as const satisfies Record<string, Separation>;

export type SeparationName = keyof typeof SEPARATIONS;

/** Resolves a name (or a custom rule) to a Separation, with an error listing the names. */
export function resolveSeparation(fn: string, s: SeparationName | Separation | undefined): Separation {
  if (s === undefined) return SEPARATIONS.stories;
  if (typeof s === 'object') {
    if (typeof s.delimiter !== 'string' || s.delimiter.length === 0) throw new TypeError(`${fn}: separation.delimiter must be a non-empty string`);
    return s;
  }
  const rule = (SEPARATIONS as Record<string, Separation>)[s];
  if (!rule) throw new RangeError(`${fn}: unknown separation '${s}'; expected one of ${Object.keys(SEPARATIONS).join(', ')}`);
  return rule;
}

/**
 * Splits a stream of text chunks (decoded strings: open files with encoding 'utf8') into stripped documents
 * by `rule`. Chunks may cut a delimiter anywhere; the output does not depend on where.
 *
 * @example
 * for await (const story of splitDocuments(fs.createReadStream(f, 'utf8'), SEPARATIONS.stories)) ...
 */
export async function* splitDocuments(
  chunks: AsyncIterable<string> | Iterable<string>,
  rule: Separation,
  maxDocumentChars = 1 << 28,
): AsyncGenerator<string> {
  const delim = rule.delimiter;
  let buf = '';
  for await (const fresh of chunks) {
    // Fail clearly before V8's string limit (~2^29 chars) would: a marker-less multi-GB file is one document.
    if (buf.length + fresh.length > maxDocumentChars && buf.indexOf(delim, Math.max(0, buf.length - delim.length + 1)) < 0 && fresh.indexOf(delim) < 0)
      throw new RangeError(
        `splitDocuments: a document longer than ${maxDocumentChars} characters (no ${JSON.stringify(delim)} found); expected documents separated by it. HINT: pass { separation: 'v5' } for one document per line, or a custom { delimiter }`,
      );
    // A delimiter may straddle the old tail and the new chunk: search from just before the seam.
    let from = Math.max(0, buf.length - delim.length + 1);
    buf += fresh;
    let start = 0;
    for (let at = buf.indexOf(delim, from); at >= 0; at = buf.indexOf(delim, from)) {
      const doc = buf.slice(start, at).trim();
      if (doc.length >= rule.minLength) yield doc;
      start = at + delim.length;
      from = start;
    }
    buf = buf.slice(start);
  }
  const last = buf.trim();
  if (last.length >= rule.minLength) yield last;
}

/** splitDocuments over one in-memory string (tests, small files). */
export async function* splitText(text: string, rule: Separation): AsyncGenerator<string> {
  yield* splitDocuments([text], rule);
}
