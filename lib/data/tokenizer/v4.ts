// v4 "Bolt"'s tokenizer (spec §3): GPT-2 BPE ids (gpt2.ts: js-tiktoken's gpt2 ranks, tiktoken's table)
// of the 9,996 most frequent tokens over the first 50,000 training stories, remapped by frequency rank to
// ids 4..9999; PAD 0, UNK 1, BOS 2, EOS 3. Other GPT-2 ids become UNK; decode drops ids < 4. Ties in
// frequency keep first-occurrence order, as Python's Counter.most_common does.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';

import { FormatError } from '../../errors';
import { writeFileAtomic } from '../../io/atomic';
import { gpt2Decode, gpt2Encode } from './gpt2';

export { gpt2Encode, gpt2Decode };

export const V4_SPECIALS = { '<pad>': 0, '<unk>': 1, '<bos>': 2, '<eos>': 3 } as const;
const FORMAT = 'flashlm-v4-gpt2-remap';

export interface BuildV4Options {
  /** How many stories to count over. Default 50,000 (the original). */
  maxStories?: number;
  /** How many GPT-2 ids to keep. Default 9,996 (vocab 10,000 with the 4 specials). */
  keep?: number;
}

export class V4Tokenizer {
  readonly vocabSize: number;
  /** GPT-2 id of each kept token, in rank order: our id = 4 + index. */
  readonly gpt2Ids: readonly number[];
  private readonly toOurs = new Map<number, number>();
  private readonly json: string;

  /** gpt2Ids in rank order; vocabSize defaults to 4 + gpt2Ids.length (the original's V is fixed at 10,000). */
  constructor(gpt2Ids: readonly number[], vocabSize = gpt2Ids.length + 4) {
    if (!Number.isInteger(vocabSize) || vocabSize < gpt2Ids.length + 4) throw new RangeError(`V4Tokenizer: vocabSize must be an integer ≥ 4 + gpt2Ids.length (${gpt2Ids.length + 4}), got ${vocabSize}`);
    this.gpt2Ids = gpt2Ids;
    gpt2Ids.forEach((g, i) => this.toOurs.set(g, i + 4));
    this.vocabSize = vocabSize;
    this.json = JSON.stringify({ format: FORMAT, version: 1, vocab_size: vocabSize, specials: V4_SPECIALS, gpt2_ids: gpt2Ids });
  }

  /**
   * Counts GPT-2 ids over the first maxStories stories and keeps the most frequent.
   * @example const tok = V4Tokenizer.build(stories.slice(0, 50000));
   */
  static build(stories: Iterable<string>, options: BuildV4Options = {}): V4Tokenizer {
    const maxStories = options.maxStories ?? 50000;
    const keep = options.keep ?? 9996;
    const counts = new Map<number, number>(); // insertion order = first occurrence
    let n = 0;
    for (const story of stories) {
      if (n++ >= maxStories) break;
      for (const id of gpt2Encode(story)) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    const ranked = [...counts].map(([id, c], order) => ({ id, c, order }));
    ranked.sort((a, b) => b.c - a.c || a.order - b.order);
    return new V4Tokenizer(ranked.slice(0, keep).map((r) => r.id), keep + 4);
  }

  /** Reads a file written by save(). */
  static load(path: string): V4Tokenizer {
    let parsed: { format?: unknown; gpt2_ids?: unknown; vocab_size?: unknown };
    try {
      parsed = JSON.parse(fs.readFileSync(path, 'utf8'));
    } catch (e) {
      throw new FormatError(`${path}: cannot read a v4 tokenizer (${(e as Error).message}). HINT: build one with V4Tokenizer.build(stories).save(path)`);
    }
    const ids = parsed?.gpt2_ids;
    if (parsed?.format !== FORMAT || !Array.isArray(ids) || !ids.every((g) => Number.isInteger(g) && g >= 0 && g < 50257)) {
      throw new FormatError(`${path}: not a v4 tokenizer; expected {"format": "${FORMAT}", "gpt2_ids": [GPT-2 ids]}`);
    }
    const size = parsed.vocab_size ?? ids.length + 4;
    if (!Number.isInteger(size) || (size as number) < ids.length + 4) throw new FormatError(`${path}: vocab_size ${JSON.stringify(size)} must be an integer ≥ 4 + the number of GPT-2 ids (${ids.length + 4})`);
    return new V4Tokenizer(ids as number[], size as number);
  }

  save(path: string): void {
    writeFileAtomic(path, [Buffer.from(this.json, 'utf8')]);
  }

  fingerprint(): string {
    return createHash('sha256').update(this.json).digest('hex');
  }

  specialTokenId(token: string): number | undefined {
    return (V4_SPECIALS as Record<string, number>)[token];
  }

  /** Remapped ids; GPT-2 tokens outside the kept set become UNK (1). No BOS/EOS is added. */
  encode(text: string): Uint32Array {
    const g = gpt2Encode(text);
    const out = new Uint32Array(g.length);
    for (let i = 0; i < g.length; i++) out[i] = this.toOurs.get(g[i]) ?? 1;
    return out;
  }

  encodeBatch(texts: readonly string[]): Uint32Array[] {
    return texts.map((t) => this.encode(t));
  }

  /** Text of ids; ids < 4 (PAD, UNK, BOS, EOS) are dropped, as in the original. */
  decode(ids: ArrayLike<number>): string {
    const g: number[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new RangeError(`V4Tokenizer.decode: ids[${i}] is ${id}; expected a token id in [0, ${this.vocabSize})`);
      if (id >= 4 + this.gpt2Ids.length) throw new RangeError(`V4Tokenizer.decode: ids[${i}] is ${id}, which no token has (the corpus it was built from had only ${this.gpt2Ids.length} distinct GPT-2 tokens)`);
      if (id >= 4) g.push(this.gpt2Ids[id - 4]);
    }
    return gpt2Decode(g);
  }
}
