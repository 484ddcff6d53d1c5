// GPT-2 BPE ids from the ranks js-tiktoken ships (the same table as tiktoken's "gpt2"). Same regex (JS,
// as js-tiktoken runs it) and same byte-pair merge (the lowest-ranked adjacent concatenation, leftmost on
// ties) as js-tiktoken, so ids are identical to its encode (tested); a per-piece cache makes it several
// times faster, which matters when v4 prepares all of TinyStories.

interface Gpt2Ranks {
  pat_str: string;
  bpe_ranks: string;
}

// Keys are "binary" strings: one char (0..255) per byte.
let table: { ranks: Map<string, number>; bytes: Uint8Array[]; pattern: string } | undefined;

function load(): NonNullable<typeof table> {
  if (table) return table;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('js-tiktoken/ranks/gpt2') as { default?: Gpt2Ranks } & Gpt2Ranks;
  const data = mod.default ?? mod;
  const ranks = new Map<string, number>();
  const bytes: Uint8Array[] = [];
  // Lines "! <offset> <base64 token> <base64 token> ...": consecutive ranks from offset.
  for (const line of data.bpe_ranks.split('\n')) {
    if (line.length === 0) continue;
    const parts = line.split(' ');
    const offset = Number.parseInt(parts[1], 10);
    for (let i = 2; i < parts.length; i++) {
      const b = Buffer.from(parts[i], 'base64');
      ranks.set(b.toString('latin1'), offset + i - 2);
      bytes[offset + i - 2] = new Uint8Array(b);
    }
  }
  table = { ranks, bytes, pattern: data.pat_str };
  return table;
}

const cache = new Map<string, number[]>();
const CACHE_MAX = 1 << 18;

/** tiktoken's byte_pair_merge on one piece (a binary string of its UTF-8 bytes). */
function bytePairEncode(piece: string, ranks: Map<string, number>): number[] {
  const whole = ranks.get(piece);
  if (whole !== undefined) return [whole];
  const starts: number[] = [];
  for (let i = 0; i <= piece.length; i++) starts.push(i);
  // starts[k]..starts[k+1] is part k; merge the adjacent pair whose bytes have the lowest rank.
  while (starts.length > 2) {
    let best = Infinity;
    let at = -1;
    for (let k = 0; k + 2 < starts.length; k++) {
      const r = ranks.get(piece.slice(starts[k], starts[k + 2]));
      if (r !== undefined && r < best) {
        best = r;
        at = k;
      }
    }
    if (at < 0) break;
    starts.splice(at + 1, 1);
  }
  const out: number[] = [];
  for (let k = 0; k + 1 < starts.length; k++) {
    const r = ranks.get(piece.slice(starts[k], starts[k + 1]));
    if (r !== undefined) out.push(r);
  }
  return out;
}

/**
 * GPT-2 ids of text; "<|endoftext|>" in the text is plain text (tiktoken's encode_ordinary).
 * @example gpt2Encode('Hello world') // [15496, 995]
 */
export function gpt2Encode(text: string): number[] {
  const { ranks, pattern } = load();
  const out: number[] = [];
  for (const m of text.matchAll(new RegExp(pattern, 'gu'))) {
    const piece = m[0];
    let ids = cache.get(piece);
    if (ids === undefined) {
      ids = bytePairEncode(Buffer.from(piece, 'utf8').toString('latin1'), ranks);
      if (cache.size >= CACHE_MAX) cache.clear();
      cache.set(piece, ids);
    }
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  }
  return out;
}

/** Text of GPT-2 ids (invalid UTF-8 becomes U+FFFD); unknown ids are skipped, as js-tiktoken does. */
export function gpt2Decode(ids: readonly number[]): string {
  const { bytes } = load();
  const parts: Uint8Array[] = [];
  let n = 0;
  for (const id of ids) {
    const b = bytes[id];
    if (b !== undefined) {
      parts.push(b);
      n += b.length;
    }
  }
  const all = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return new TextDecoder('utf-8').decode(all);
}
