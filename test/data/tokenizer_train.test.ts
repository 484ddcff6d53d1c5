// The BPE trainer against HF's BpeTrainer: the npm reference can only train with its default trainer
// (vocab 30000, min_frequency 0, no specials, no initial alphabet), so both train with exactly those
// settings on the same files and must give the same vocab and the same merges in the same order.
// Settings the reference cannot take are checked by the properties HF's algorithm guarantees.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { BpeTokenizer, trainBpe, trainBpeAsync } from '../../lib/data';
import { BYTE_ALPHABET } from '../../lib/data/tokenizer/bytelevel';
import { hf, linesWithEndings, mobyDocs, sotuDocs, tmpDir } from './tokenizer_util';

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function refTrain(text: string, name: string): { vocab: Record<string, number>; merges: Array<[string, string]> } {
  const file = path.join(dir, `${name}.txt`);
  fs.writeFileSync(file, text);
  const tok = new hf.Tokenizer(hf.BPE.empty());
  tok.setPreTokenizer(hf.byteLevelPreTokenizer());
  tok.train([file]);
  const out = path.join(dir, `${name}.json`);
  tok.save(out, false);
  return JSON.parse(fs.readFileSync(out, 'utf8')).model;
}

describe.each([
  ['moby-dick', () => mobyDocs().join('\n')],
  ['sotu', () => sotuDocs().join('\n')],
])('same vocab and merges as HF BpeTrainer (default settings) on %s', (name, corpus) => {
  test('identical', () => {
    const text = corpus();
    const want = refTrain(text, name);
    const ours = JSON.parse(trainBpe(linesWithEndings(text), { vocabSize: 30000, addPrefixSpace: true, fullAlphabet: false }).toJSON()).model;
    expect(Object.keys(ours.vocab).length).toBe(Object.keys(want.vocab).length);
    expect(ours.vocab).toEqual(want.vocab);
    expect(ours.merges.length).toBe(want.merges.length);
    const firstDiff = want.merges.findIndex((m, i) => m[0] !== ours.merges[i][0] || m[1] !== ours.merges[i][1]);
    expect(firstDiff).toBe(-1);
  });
});

describe('trainer settings', () => {
  const docs = mobyDocs();

  test('specials get ids 0.. in order, then the full 256-byte alphabet by code point, vocab size exact', () => {
    const tok = trainBpe(docs, { vocabSize: 1000, specialTokens: ['<|endoftext|>', '<pad>', '<unk>'] });
    expect(tok.vocabSize).toBe(1000);
    expect(tok.vocab.size).toBe(1000);
    expect(tok.tokenToId('<|endoftext|>')).toBe(0);
    expect(tok.tokenToId('<pad>')).toBe(1);
    expect(tok.tokenToId('<unk>')).toBe(2);
    BYTE_ALPHABET.forEach((ch, i) => expect(tok.tokenToId(ch)).toBe(3 + i));
    expect(tok.merges.length).toBe(1000 - 3 - 256);
    // Bytes never seen in training still encode (the fix for the original's missing alphabet).
    const x = 'never seen: \u{1F999} \u0000 \u00ff';
    expect(tok.decode(tok.encode(x))).toBe(x);
  });

  test('a smaller vocab gives a prefix of the merges of a larger one (greedy, deterministic)', () => {
    const small = trainBpe(docs, { vocabSize: 600 });
    const large = trainBpe(docs, { vocabSize: 2000 });
    expect(large.merges.slice(0, small.merges.length)).toEqual(small.merges);
    expect(trainBpe(docs, { vocabSize: 600 }).toJSON()).toBe(small.toJSON());
  });

  test('min frequency stops merging at the first pair rarer than it', () => {
    const all = trainBpe(docs, { vocabSize: 30000 });
    const f50 = trainBpe(docs, { vocabSize: 30000, minFrequency: 50 });
    const f10 = trainBpe(docs, { vocabSize: 30000, minFrequency: 10 });
    expect(f50.merges.length).toBeGreaterThan(100);
    expect(f50.merges.length).toBeLessThan(f10.merges.length);
    expect(f10.merges.length).toBeLessThan(all.merges.length);
    expect(all.merges.slice(0, f10.merges.length)).toEqual(f10.merges);
    expect(all.merges.slice(0, f50.merges.length)).toEqual(f50.merges);
    // The whole corpus has fewer than 10^7 words, so no pair is that frequent: no merges at all.
    expect(trainBpe(docs, { vocabSize: 30000, minFrequency: 1e7 }).merges.length).toBe(0);
  });

  test('add_prefix_space is written to tokenizer.json and used when encoding', () => {
    const a = trainBpe(docs.slice(0, 5), { vocabSize: 400, addPrefixSpace: true });
    expect(JSON.parse(a.toJSON()).pre_tokenizer).toEqual({ type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true });
    expect(Array.from(a.encode('the'))).toEqual(Array.from(a.encode(' the')));
    const b = BpeTokenizer.fromJSON(a.toJSON());
    expect(Array.from(b.encode('whale'))).toEqual(Array.from(a.encode('whale')));
  });

  test('bad settings are rejected with the argument named', () => {
    expect(() => trainBpe(docs, { vocabSize: 0 })).toThrow(/trainBpe: vocabSize must be an integer/);
    expect(() => trainBpe(docs, { vocabSize: 300, minFrequency: -1 })).toThrow(/minFrequency/);
    expect(() => trainBpe(docs, { vocabSize: 257, specialTokens: ['<a>', '<b>'] })).toThrow(/vocabSize 257 is below the 258 ids the specials and the 256-byte alphabet take/);
    expect(() => trainBpe(docs, { vocabSize: 300, specialTokens: [''] })).toThrow(/specialTokens/);
  });
});

test('same vocab and merges as HF BpeTrainer on 100 small random corpora (many count ties)', () => {
  let seed = 1;
  const r = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const alphabet = ['a', 'b', 'c', 'ab', 'ba', 'abc', ' ', '  ', 'é', '日', "'s"];
  for (let trial = 0; trial < 100; trial++) {
    let text = '';
    const lines = 1 + Math.floor(r() * 20);
    for (let l = 0; l < lines; l++) {
      const n = Math.floor(r() * 30);
      for (let i = 0; i < n; i++) text += alphabet[Math.floor(r() * alphabet.length)];
      text += '\n';
    }
    const want = refTrain(text, 'fuzz');
    const ours = JSON.parse(trainBpe(linesWithEndings(text), { vocabSize: 30000, addPrefixSpace: true, fullAlphabet: false }).toJSON()).model;
    expect([trial, ours.merges]).toEqual([trial, want.merges]);
    expect([trial, ours.vocab]).toEqual([trial, want.vocab]);
  }
});

test('trainBpeAsync over a stream gives the same tokenizer as trainBpe', async () => {
  const docs = mobyDocs().slice(0, 30);
  async function* stream(): AsyncGenerator<string> {
    for (const d of docs) yield d;
  }
  const a = await trainBpeAsync(stream(), { vocabSize: 800, specialTokens: ['<eos>'] });
  expect(a.toJSON()).toBe(trainBpe(docs, { vocabSize: 800, specialTokens: ['<eos>'] }).toJSON());
});
