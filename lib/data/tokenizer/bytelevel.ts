// The byte-level half of GPT-2 style BPE: the byte <-> printable-char table, the GPT-2 pre-tokenizer
// (a hand-written scanner equivalent to HF's regex, on HF's own character classes), UTF-8 helpers, and the
// byte-level decoder. Shared by the encoder (bpe.ts), the trainer (train.ts) and the v4 tokenizer.
// Follows huggingface/tokenizers pre_tokenizers/byte_level.rs.
import { LETTER_RANGES, NUMBER_RANGES, SPACE_RANGES } from './unicode_tables';

/** byte -> the printable char GPT-2 uses for it ('Ġ' for a space), and the reverse as a Map. */
export const BYTE_TO_CHAR: readonly string[] = (() => {
  const printable = (b: number): boolean => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const out: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCharCode(printable(b) ? b : 256 + n++);
  return out;
})();
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** The 256 byte-level chars sorted by code point: the order HF's trainer gives the initial alphabet ids. */
export const BYTE_ALPHABET: readonly string[] = [...BYTE_TO_CHAR].sort((a, b) => a.charCodeAt(0) - b.charCodeAt(0));

// Character classes of the pre-tokenizer regex, one byte per code point (1.1 MB, built once).
export const OTHER = 0;
export const LETTER = 1;
export const NUMBER = 2;
export const SPACE = 3;
const CLASS = (() => {
  const t = new Uint8Array(0x110000);
  const fill = (ranges: readonly number[], k: number): void => {
    for (let i = 0; i < ranges.length; i += 2) t.fill(k, ranges[i], ranges[i + 1] + 1);
  };
  fill(LETTER_RANGES, LETTER);
  fill(NUMBER_RANGES, NUMBER);
  fill(SPACE_RANGES, SPACE);
  return t;
})();

/** The pre-tokenizer class (OTHER, LETTER, NUMBER, SPACE) of a code point. */
export function charClass(cp: number): number {
  return CLASS[cp];
}

/**
 * Lone surrogates become U+FFFD, as they do when the reference (a Rust library) receives a JS string;
 * valid strings are returned unchanged (and quickly).
 */
export function toWellFormed(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /[\uD800-\uDFFF]/.test(s) ? s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD') : s;
}

/**
 * Splits s[start, end) into GPT-2 pieces, writing piece ends (UTF-16 indices) to `ends` and returning
 * how many. Same result as matching HF's regex
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 * left to right; s must be well-formed (see toWellFormed). `ends` grows when too small.
 */
export function splitGpt2(s: string, start: number, end: number, ends: { buf: Int32Array }): number {
  let n = 0;
  let i = start;
  while (i < end) {
    if (n + 1 >= ends.buf.length) {
      const bigger = new Int32Array(ends.buf.length * 2);
      bigger.set(ends.buf);
      ends.buf = bigger;
    }
    const c = s.charCodeAt(i);
    // 's 't 're 've 'm 'll 'd
    if (c === 0x27 && i + 1 < end) {
      const c1 = s.charCodeAt(i + 1);
      if (c1 === 0x73 || c1 === 0x74 || c1 === 0x6d || c1 === 0x64) {
        ends.buf[n++] = i += 2;
        continue;
      }
      if (i + 2 < end) {
        const c2 = s.charCodeAt(i + 2);
        if ((c1 === 0x72 && c2 === 0x65) || (c1 === 0x76 && c2 === 0x65) || (c1 === 0x6c && c2 === 0x6c)) {
          ends.buf[n++] = i += 3;
          continue;
        }
      }
    }
    let j = i;
    let k: number;
    if (c === 0x20 && i + 1 < end) {
      // " ?\p{L}+" etc.: a single space joins a following letter, number or symbol run
      const next = codePointAt(s, i + 1);
      k = CLASS[next];
      if (k !== SPACE) j = i + 1;
      else k = SPACE;
    } else {
      k = CLASS[codePointAt(s, i)];
    }
    if (k !== SPACE) {
      while (j < end) {
        const cp = codePointAt(s, j);
        if (CLASS[cp] !== k) break;
        j += cp > 0xffff ? 2 : 1;
      }
      ends.buf[n++] = i = j;
      continue;
    }
    // A whitespace run: \s+(?!\S) keeps the last space for the next word, \s+ takes a lone one.
    // Every space char is in the BMP, so each is one UTF-16 unit.
    while (j < end && CLASS[s.charCodeAt(j)] === SPACE && !isSurrogate(s.charCodeAt(j))) j++;
    if (j < end && j - i > 1) j--;
    ends.buf[n++] = i = j;
  }
  return n;
}

function isSurrogate(u: number): boolean {
  return u >= 0xd800 && u <= 0xdfff;
}

function codePointAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
    const d = s.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return (c - 0xd800) * 0x400 + (d - 0xdc00) + 0x10000;
  }
  return c;
}

/** UTF-8 bytes of s[start, end) (well-formed) into out (length ≥ 3·(end−start)); returns the byte count. */
export function utf8Bytes(s: string, start: number, end: number, out: Uint8Array): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      c = (c - 0xd800) * 0x400 + (s.charCodeAt(++i) - 0xdc00) + 0x10000;
      out[n++] = 0xf0 | (c >> 18);
      out[n++] = 0x80 | ((c >> 12) & 63);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return n;
}

/** The byte-level string of a piece: each UTF-8 byte as its printable char ("Ġworld" for " world"). */
export function toByteLevel(s: string): string {
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  for (const b of bytes) out += BYTE_TO_CHAR[b];
  return out;
}

const lossy = new TextDecoder('utf-8', { fatal: false });

/**
 * HF's ByteLevel decoder: each token whose chars are all byte-level chars becomes those bytes, any other
 * token (an added token such as "<|endoftext|>") its own UTF-8; then the bytes are decoded as UTF-8 with
 * U+FFFD for invalid sequences (Rust's from_utf8_lossy and WHATWG's decoder replace the same way).
 */
export function decodeByteLevel(tokens: readonly string[]): string {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const t of tokens) {
    let bytes = new Uint8Array(t.length);
    let ok = true;
    for (let i = 0; i < t.length; i++) {
      const b = CHAR_TO_BYTE.get(t[i]);
      if (b === undefined) {
        ok = false;
        break;
      }
      bytes[i] = b;
    }
    if (!ok) bytes = Buffer.from(t, 'utf8');
    parts.push(bytes);
    total += bytes.length;
  }
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return lossy.decode(all);
}
