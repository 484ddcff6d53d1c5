// Byte-level BPE against the reference (HF `tokenizers` npm): identical ids on the default corpus and on
// random Unicode, identical decode, decode(encode(x)) === x, our tokenizer.json loads in the reference.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { BpeTokenizer, trainBpe } from '../../lib/data';
import { hf, randomUnicode, refEncode, rng, sotuDocs, tmpDir } from './tokenizer_util';

const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function paragraphs(docs: string[]): string[] {
  return docs.flatMap((d) => d.split('\n\n')).filter((p) => p.length > 0);
}

describe('BpeTokenizer vs the reference', () => {
  const docs = sotuDocs();
  // Trained on the train-ish half, tested on everything: unseen words exercise the merge path.
  const ours = trainBpe(docs.slice(0, 150), { vocabSize: 4096, specialTokens: ['<|endoftext|>', '<pad>'] });
  const file = path.join(dir, 'sotu4096.json');
  ours.save(file);
  const ref = hf.Tokenizer.fromFile(file);

  test('our tokenizer.json loads in the reference with the same vocab', () => {
    expect(ref.getVocabSize(true)).toBe(4096);
    expect(ours.vocabSize).toBe(4096);
    expect(ref.tokenToId('<|endoftext|>')).toBe(0);
    expect(ref.tokenToId('<pad>')).toBe(1);
    const loaded = BpeTokenizer.load(file);
    expect(loaded.fingerprint()).toBe(ours.fingerprint());
    expect(loaded.specialTokenId('<|endoftext|>')).toBe(0);
    expect(loaded.specialTokenId('nope')).toBeUndefined();
  });

  test('identical ids on the whole default corpus (sotu), and decode round-trips', async () => {
    const texts = paragraphs(docs);
    const want = await refEncode(ref, texts);
    const got = ours.encodeBatch(texts);
    let mismatches = 0;
    texts.forEach((t, i) => {
      if (want[i].length !== got[i].length || want[i].some((x, j) => x !== got[i][j])) mismatches++;
    });
    expect(mismatches).toBe(0);
    for (let i = 0; i < texts.length; i += 7) expect(ours.decode(got[i])).toBe(texts[i]);
  });

  test('identical ids on random Unicode (emoji, CJK, combining marks, controls, lone surrogates)', async () => {
    const r = rng(1234);
    const texts = Array.from({ length: 600 }, () => randomUnicode(r, 80));
    const want = await refEncode(ref, texts);
    texts.forEach((t, i) => expect([i, Array.from(ours.encode(t))]).toEqual([i, want[i]]));
  });

  test('decode(encode(x)) === x for well-formed text, and decode equals the reference decode', async () => {
    const r = rng(99);
    for (let i = 0; i < 300; i++) {
      const x = randomUnicode(r, 60, false);
      const ids = ours.encode(x);
      expect(ours.decode(ids)).toBe(x);
      expect(ours.decode(ids)).toBe(await ref.decode(Array.from(ids), false));
    }
    // Arbitrary id sequences: partial UTF-8 becomes U+FFFD exactly as in the reference.
    for (let i = 0; i < 200; i++) {
      const ids = Array.from({ length: 1 + Math.floor(r() * 12) }, () => Math.floor(r() * 4096));
      expect(ours.decode(ids)).toBe(await ref.decode(ids, false));
      expect(ours.decode(ids, { skipSpecialTokens: true })).toBe(await ref.decode(ids, true));
    }
  });

  test('lone surrogates are encoded as U+FFFD, as the reference receives them', () => {
    expect(Array.from(ours.encode('a\uD800b'))).toEqual(Array.from(ours.encode('a\uFFFDb')));
    expect(ours.decode(ours.encode('x\uDC00'))).toBe('x\uFFFD');
  });

  test('special tokens in text are matched as added tokens', () => {
    const ids = Array.from(ours.encode('one<|endoftext|>two<pad><|endoftext|>'));
    expect(ids.filter((x) => x === 0).length).toBe(2);
    expect(ids.filter((x) => x === 1).length).toBe(1);
    expect(ours.decode(ids)).toBe('one<|endoftext|>two<pad><|endoftext|>');
    expect(ours.decode(ids, { skipSpecialTokens: true })).toBe('onetwo');
  });

  test('add_prefix_space and files without an alphabet (the original recipe) match the reference', async () => {
    const r = rng(7);
    const texts = [...Array.from({ length: 200 }, () => randomUnicode(r, 40)), ...paragraphs(docs.slice(200, 203))];
    // The original recipe's tokenizer: prefix space, no full alphabet, no decoder.
    const orig = trainBpe(docs.slice(0, 20), { vocabSize: 1000, addPrefixSpace: true, fullAlphabet: false, specialTokens: ['<eos>'] });
    const j = JSON.parse(orig.toJSON());
    j.decoder = null;
    const f = path.join(dir, 'orig.json');
    fs.writeFileSync(f, JSON.stringify(j));
    const want = await refEncode(hf.Tokenizer.fromFile(f), texts);
    const mine = BpeTokenizer.load(f);
    texts.forEach((t, i) => expect([i, Array.from(mine.encode(t))]).toEqual([i, want[i]]));
  });

  test('encodeBatch equals encode; empty text gives no ids', () => {
    const texts = ['', 'a', ' hello  world\n', '🦙🦙'];
    expect(ours.encodeBatch(texts).map((x) => Array.from(x))).toEqual(texts.map((t) => Array.from(ours.encode(t))));
    expect(ours.encode('').length).toBe(0);
  });
});

describe('reading other tokenizer.json files', () => {
  test('legacy "a b" merges, unk_token and ignore_merges behave as in the reference', async () => {
    const vocab: Record<string, number> = { '<unk>': 0, a: 1, b: 2, ab: 3, Ġ: 4, Ġab: 5, abab: 6, c: 7 };
    const base = {
      version: '1.0', truncation: null, padding: null, added_tokens: [], normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: null, decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    };
    const texts = ['abab ab', 'ab c', 'xyz ab', 'aabb', 'abab', 'ababab'];
    for (const model of [
      { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: ['a b', 'Ġ ab', 'ab ab'] },
      { type: 'BPE', dropout: null, unk_token: '<unk>', continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: true, byte_fallback: false, ignore_merges: true, vocab, merges: [['a', 'b'], ['Ġ', 'ab']] },
    ]) {
      const text = JSON.stringify({ ...base, model });
      const f = path.join(dir, 'small.json');
      fs.writeFileSync(f, text);
      const want = await refEncode(hf.Tokenizer.fromFile(f), texts);
      const mine = BpeTokenizer.fromJSON(text);
      texts.forEach((t, i) => expect([t, Array.from(mine.encode(t))]).toEqual([t, want[i]]));
    }
  });
});

describe('errors', () => {
  test('invalid JSON, unsupported model type, missing file, bad merges: FormatError naming the file', () => {
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"model": ');
    expect(() => BpeTokenizer.load(bad)).toThrow(/bad\.json: not valid JSON .*expected a Hugging Face tokenizer\.json/);
    fs.writeFileSync(bad, JSON.stringify({ model: { type: 'WordPiece', vocab: {} } }));
    expect(() => BpeTokenizer.load(bad)).toThrow(/bad\.json: model\.type is "WordPiece"; only byte-level "BPE" models are supported/);
    expect(() => BpeTokenizer.load(path.join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read the tokenizer \(ENOENT\).*HINT/);
    fs.writeFileSync(bad, JSON.stringify({ model: { type: 'BPE', vocab: { a: 0 }, merges: [['a', 'b']] }, pre_tokenizer: { type: 'ByteLevel' } }));
    expect(() => BpeTokenizer.load(bad)).toThrow(/bad\.json: merge 0 \("a" "b"\) uses "b", which is not in the vocab/);
    fs.writeFileSync(bad, JSON.stringify({ model: { type: 'BPE', vocab: { a: 0 }, merges: [] }, pre_tokenizer: { type: 'Metaspace' } }));
    expect(() => BpeTokenizer.load(bad)).toThrow(/pre_tokenizer is "Metaspace"; expected \{"type": "ByteLevel"/);
    try {
      BpeTokenizer.load(bad);
    } catch (e) {
      expect((e as Error).name).toBe('FormatError');
    }
  });

  test('decode rejects ids outside the vocab, naming the position', () => {
    const tok = trainBpe(['hello world'], { vocabSize: 300 });
    expect(() => tok.decode([1, tok.vocabSize])).toThrow(/decode: ids\[1\] is \d+; expected a token id in \[0, \d+\)/);
    expect(() => tok.decode([-1])).toThrow(RangeError);
    expect(() => tok.decode([1.5])).toThrow(RangeError);
  });
});

describe('Llama-3 / cl100k-style files: Sequence[Split(regex), ByteLevel], TemplateProcessing, ignore_merges', () => {
  const docs = sotuDocs();
  const base = JSON.parse(trainBpe(docs.slice(0, 30), { vocabSize: 3000, specialTokens: ['<|begin_of_text|>', '<|end_of_text|>'] }).toJSON());
  const pattern = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  const file = { ...base };
  file.pre_tokenizer = {
    type: 'Sequence',
    pretokenizers: [
      { type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false },
      { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    ],
  };
  file.post_processor = {
    type: 'Sequence',
    processors: [
      { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
      {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
        pair: [{ SpecialToken: { id: '<|begin_of_text|>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
        special_tokens: { '<|begin_of_text|>': { id: '<|begin_of_text|>', ids: [0], tokens: ['<|begin_of_text|>'] } },
      },
    ],
  };
  file.model = { ...base.model, ignore_merges: true };
  const text = JSON.stringify(file);
  const f = path.join(dir, 'llama3like.json');
  fs.writeFileSync(f, text);
  const ref = hf.Tokenizer.fromFile(f);
  const mine = BpeTokenizer.fromJSON(text, f);

  test('identical ids on text and random Unicode, with and without the BOS the template adds', async () => {
    const r = rng(31);
    const texts = [...docs.slice(200, 202), 'It\'S 12345 dollars\r\n\r\n  ok\t\tDON\'T', ...Array.from({ length: 400 }, () => randomUnicode(r, 60))];
    const withBos = (await ref.encodeBatch(texts)).map((e) => e.getIds());
    const without = await refEncode(ref, texts);
    texts.forEach((t, i) => {
      expect([i, Array.from(mine.encode(t))]).toEqual([i, withBos[i]]);
      expect([i, Array.from(mine.encode(t, { addSpecialTokens: false }))]).toEqual([i, without[i]]);
    });
    expect(withBos[0][0]).toBe(0);
  });

  test('Split behaviours and inverted patterns match the reference', async () => {
    const r = rng(77);
    const texts = ['a-b--c d', '--x--', 'no dashes', ...Array.from({ length: 60 }, () => randomUnicode(r, 30))];
    for (const behavior of ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous']) {
      for (const invert of [false, true]) {
        for (const pat of [{ String: '-' }, { Regex: '\\s+|\\p{N}' }]) {
          const j = { ...file, post_processor: null, pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: pat, behavior, invert }, { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: false }] } };
          const g = path.join(dir, 'split.json');
          fs.writeFileSync(g, JSON.stringify(j));
          const want = await refEncode(hf.Tokenizer.fromFile(g), texts);
          const ours = BpeTokenizer.fromJSON(JSON.stringify(j));
          texts.forEach((t, i) => expect([behavior, invert, i, Array.from(ours.encode(t))]).toEqual([behavior, invert, i, want[i]]));
        }
      }
    }
  });

  test('unsupported pre-tokenizers and regex constructs are a FormatError naming the field', () => {
    const j = { ...file, pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: '\\w+' }, behavior: 'Isolated', invert: false }, { type: 'ByteLevel' }] } };
    expect(() => BpeTokenizer.fromJSON(JSON.stringify(j), 'x.json')).toThrow(/x\.json: pre_tokenizer\.pretokenizers\[0\]\.pattern\.Regex "\\\\w\+": \\w is not supported/);
    const k = { ...file, pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, { type: 'ByteLevel' }] } };
    expect(() => BpeTokenizer.fromJSON(JSON.stringify(k), 'x.json')).toThrow(/pretokenizers\[0\] is "Digits"; only Split and ByteLevel are supported/);
  });
});

describe('normalizers (NFKC, Lowercase, Replace) and normalized added tokens', () => {
  const base = JSON.parse(trainBpe(sotuDocs().slice(0, 30), { vocabSize: 2000, specialTokens: ['<|endoftext|>'] }).toJSON());
  base.added_tokens.push({ id: 2000, content: '<EOS>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: false });
  base.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFKC' }, { type: 'Lowercase' }, { type: 'Replace', pattern: { String: '\u00e9' }, content: 'e' }] };
  const text = JSON.stringify(base);
  const f = path.join(dir, 'norm.json');
  fs.writeFileSync(f, text);
  const ref = hf.Tokenizer.fromFile(f);
  const mine = BpeTokenizer.fromJSON(text, f);

  // Known gap, not tested: ~190 code points (e.g. U+32FF, U+A7F1) that the reference's normalization
  // tables predate get a compatibility mapping from ICU; random text rarely meets them.
  test('identical ids on text and random Unicode', async () => {
    const r = rng(55);
    const texts = ['The ﬁnal <EOS> and <eos> and <|endoftext|>, Café ÉTÉ', 'ＡＢＣ①②', ...Array.from({ length: 300 }, () => randomUnicode(r, 50))];
    const want = await refEncode(ref, texts);
    texts.forEach((t, i) => expect([i, Array.from(mine.encode(t))]).toEqual([i, want[i]]));
    expect(Array.from(mine.encode('<EOS><eos>'))).toEqual([2000, 2000]);
  });
});
