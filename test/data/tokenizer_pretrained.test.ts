// v4's GPT-2 remap tokenizer (spec §3) and the LLaMA 32K tokenizer (spec §9).
import * as fs from 'node:fs';
import * as path from 'node:path';

import { gpt2Decode, gpt2Encode, LlamaTokenizer, V4Tokenizer } from '../../lib/data';
import { randomUnicode, rng, sotuDocs, tmpDir } from './tokenizer_util';

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('V4Tokenizer', () => {
  // SOTU addresses have no line breaks: sentences stand in for stories.
  const stories = sotuDocs().slice(0, 3).flatMap((d) => d.split(/(?<=\.) /)).slice(0, 400);

  test('GPT-2 ids and text are identical to js-tiktoken gpt2 (sotu, random Unicode)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Tiktoken } = require('js-tiktoken/lite');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ranks = require('js-tiktoken/ranks/gpt2');
    const ref = new Tiktoken(ranks.default ?? ranks);
    const r = rng(11);
    const texts = [...sotuDocs().slice(100, 102), ...Array.from({ length: 300 }, () => randomUnicode(r, 60))];
    texts.forEach((t, i) => {
      const ids = gpt2Encode(t);
      expect([i, ids]).toEqual([i, ref.encode(t, [], [])]);
      expect(gpt2Decode(ids)).toBe(ref.decode(ids));
    });
  });

  test('GPT-2 ids are those of tiktoken gpt2', () => {
    expect(gpt2Encode('Hello world')).toEqual([15496, 995]);
    expect(gpt2Encode(' the')).toEqual([262]);
    expect(gpt2Encode('<|endoftext|>').length).toBeGreaterThan(1); // plain text, not the special
  });

  test('keeps the most frequent GPT-2 ids by count, ties by first occurrence, over the first N stories', () => {
    const tok = V4Tokenizer.build(stories, { maxStories: 300, keep: 500 });
    expect(tok.vocabSize).toBe(504);
    const counts = new Map<number, number>();
    for (const s of stories.slice(0, 300)) for (const g of gpt2Encode(s)) counts.set(g, (counts.get(g) ?? 0) + 1);
    const first = new Map([...counts.keys()].map((g, i) => [g, i]));
    const ids = tok.gpt2Ids;
    expect(ids.length).toBe(500);
    for (let i = 1; i < ids.length; i++) {
      const [a, b] = [counts.get(ids[i - 1]) as number, counts.get(ids[i]) as number];
      expect(a).toBeGreaterThanOrEqual(b);
      if (a === b) expect(first.get(ids[i - 1]) as number).toBeLessThan(first.get(ids[i]) as number);
    }
    // Nothing dropped is more frequent than the last kept one.
    const kept = new Set(ids);
    const last = counts.get(ids[ids.length - 1]) as number;
    for (const [g, c] of counts) if (!kept.has(g)) expect(c).toBeLessThanOrEqual(last);
  });

  test('encode remaps by rank, unknown -> UNK (1); decode drops ids < 4; save/load round trip', () => {
    const tok = V4Tokenizer.build(stories, { keep: 2000 });
    expect(tok.specialTokenId('<pad>')).toBe(0);
    expect(tok.specialTokenId('<unk>')).toBe(1);
    expect(tok.specialTokenId('<bos>')).toBe(2);
    expect(tok.specialTokenId('<eos>')).toBe(3);
    const text = stories[3];
    const ids = Array.from(tok.encode(text));
    const g = gpt2Encode(text);
    const rank = new Map(tok.gpt2Ids.map((x, i) => [x, i]));
    expect(ids).toEqual(g.map((x) => (rank.has(x) ? (rank.get(x) as number) + 4 : 1)));
    const rare = 'Zxqwv';
    expect(Array.from(tok.encode(rare))).toContain(1);
    expect(tok.decode([2, ...tok.encode(' the nation'), 3, 0])).toBe(' the nation');
    const f = path.join(dir, 'v4.json');
    tok.save(f);
    const back = V4Tokenizer.load(f);
    expect(back.fingerprint()).toBe(tok.fingerprint());
    expect(Array.from(back.encode(text))).toEqual(ids);
    expect(() => tok.decode([tok.vocabSize])).toThrow(/V4Tokenizer\.decode: ids\[0\] is 2004; expected a token id in \[0, 2004\)/);
    fs.writeFileSync(f, '{"format": "other"}');
    expect(() => V4Tokenizer.load(f)).toThrow(/v4\.json: not a v4 tokenizer/);
  });

  test('default size is the original V = 10,000', () => {
    expect(V4Tokenizer.build(stories.slice(0, 20)).vocabSize).toBe(10000);
  });
});

describe('LlamaTokenizer', () => {
  const tok = new LlamaTokenizer();

  test('LLaMA 32K ids and specials', () => {
    expect(tok.vocabSize).toBe(32000);
    expect(Array.from(tok.encode('Hello world'))).toEqual([15043, 3186]);
    expect(tok.specialTokenId('<s>')).toBe(1);
    expect(tok.specialTokenId('</s>')).toBe(2);
    expect(tok.fingerprint()).toMatch(/^[0-9a-f]{64}$/);
  });

  test('decode(encode(x)) === x on text and on random Unicode', () => {
    for (const p of sotuDocs()[0].split(/(?<=\.) /).slice(0, 20)) expect(tok.decode(tok.encode(p))).toBe(p);
    const r = rng(5);
    for (let i = 0; i < 50; i++) {
      const x = randomUnicode(r, 30, false).replace(/^\s+/, '').replace(/\s+/g, ' ');
      if (x.length > 0) expect(tok.decode(tok.encode(x))).toBe(x);
    }
    expect(() => tok.decode([32000])).toThrow(/expected a token id in \[0, 32000\)/);
  });

  test('the chunked, cached encode gives the ids of the package encoder on whole texts (sotu, spaces, ▁, random Unicode)', () => {
    // What the chunking is exact because of: no merge joins a piece ending in a non-▁ character to a piece starting with ▁.
    expect(LlamaTokenizer.crossingMerges()).toEqual([]);
    const fresh = new LlamaTokenizer(); // an empty cache, then the same texts again from the cache
    const texts = [
      sotuDocs()[0].slice(0, 60000), sotuDocs()[1].slice(0, 20000), 'Hello world', '  leading and   inner  spaces  ', 'trailing   ',
      'a\u2581b \u2581\u2581c\u2581', '\n\nline\nbreaks\n', 'tab\tand\u00a0nbsp', ' ', '\u2581', 'émigré 東京 🎉🎉 a̐b',
    ];
    const r = rng(11);
    for (let i = 0; i < 300; i++) texts.push(randomUnicode(r, 60, false));
    for (const pass of [1, 2])
      for (const x of texts) expect({ pass, x, ids: Array.from(fresh.encode(x)) }).toEqual({ pass, x, ids: Array.from(LlamaTokenizer.referenceEncode(x)) });
  });
});
