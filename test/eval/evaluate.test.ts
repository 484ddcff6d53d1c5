// evaluate() on a tiny corpus against a hand computation: the bigram model's NLL of each token depends only
// on the token before it, so a plain loop over (previous, next) pairs gives the exact sum whatever the windows.
import * as flashlm from '../../lib';
import { Documents } from '../../lib/data/corpus/documents';
import { Corpus } from '../../lib/data/corpus/corpus';
import { Tensor } from '../../lib/tensor/tensor';
import { ByteTokenizer } from '../data/data_util';

const tok = new ByteTokenizer(); // ids = UTF-8 bytes, '<|endoftext|>' = 256
const EOS = 256;
// one document longer than contextLength (16) so it spans several windows; multi-byte characters so that
// code points, bytes and tokens all differ
const DOCS = ['Once upon a time there was a small cat.', 'Żółw é 🐢!', 'ab', 'The end of the story, which is longer than sixteen bytes.'];
const model = flashlm.models.create('bigram', { vocabSize: 257, contextLength: 16, dim: 8 }, { seed: 3 });

function corpus(docs = DOCS): Corpus {
  return new Corpus('tiny', 'tiny', Documents.fromArray('train', 'tiny:train', ['train text never read']), Documents.fromArray('validation', 'tiny:val', docs), { source: 'test', split: 'given' });
}

/** −ln p(next | prev) for the bigram model, float64 log-softmax over its logits for `prev`. */
function nll(prev: number, next: number): number {
  const z = flashlm.noGrad(() => model.forward(Tensor.from([prev], [1, 1], 'i32'))).f32();
  let mx = -Infinity;
  for (const v of z) mx = Math.max(mx, v);
  let s = 0;
  for (const v of z) s += Math.exp(v - mx);
  return mx + Math.log(s) - z[next];
}

function hand(docs: string[]): { nll: number; tokens: number; codePoints: number; bytes: number } {
  let total = 0;
  let tokens = 0;
  let codePoints = 0;
  let bytes = 0;
  for (const d of docs) {
    const ids = [EOS, ...tok.encode(d), EOS];
    for (let i = 1; i < ids.length; i++) total += nll(ids[i - 1], ids[i]);
    tokens += ids.length - 1;
    codePoints += [...d].length;
    bytes += Buffer.byteLength(d);
  }
  return { nll: total, tokens, codePoints, bytes };
}

/**
 * A model whose logits depend only on the position inside the window: logit[v] = 5 when v equals the
 * position, else 0. Its NLL therefore says exactly where every window starts.
 */
class PositionModel extends flashlm.LanguageModel {
  constructor() {
    super('position', { vocabSize: 257, contextLength: 16 });
  }
  forward(tokens: Tensor): Tensor {
    const [B, T] = tokens.shape;
    const out = new Float32Array(B * T * 257);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out[(b * T + t) * 257 + t] = 5;
    return Tensor.from(out, [B, T, 257]);
  }
  createDecodeState(): flashlm.DecodeState {
    throw new Error('not used');
  }
  decode(): Tensor {
    throw new Error('not used');
  }
}

describe('evaluate', () => {
  test('windows: each document starts its own, every contextLength predictions a new one begins at position 0', async () => {
    const lse = Math.log(256 + Math.exp(5));
    let want = 0;
    let n = 0;
    for (const d of DOCS) {
      const ids = [EOS, ...tok.encode(d), EOS];
      for (let j = 1; j < ids.length; j++, n++) want += lse - (ids[j] === (j - 1) % 16 ? 5 : 0);
    }
    const m = await flashlm.evaluate(new PositionModel(), corpus(), { tokenizer: tok, batchSize: 3 });
    expect(m.tokens).toBe(n);
    expect(m.meanLoss).toBeCloseTo(want / n, 5);
  });


  test('equals the hand computation: mean loss, PPL, bits per token, per code point and per UTF-8 byte', async () => {
    const h = hand(DOCS);
    const m = await flashlm.evaluate(model, corpus(), { tokenizer: tok });
    expect(m.split).toBe('validation');
    expect(m.documents).toBe(4);
    expect(m.tokens).toBe(h.tokens);
    expect(m.codePoints).toBe(h.codePoints);
    expect(m.utf8Bytes).toBe(h.bytes);
    expect(m.separator).toBe(EOS);
    expect(m.meanLoss).toBeCloseTo(h.nll / h.tokens, 5);
    expect(m.perplexity).toBeCloseTo(Math.exp(h.nll / h.tokens), 3);
    expect(m.bitsPerToken).toBeCloseTo(h.nll / h.tokens / Math.LN2, 5);
    expect(m.bitsPerChar!).toBeCloseTo(h.nll / (h.codePoints * Math.LN2), 5);
    expect(m.bitsPerByte!).toBeCloseTo(h.nll / (h.bytes * Math.LN2), 5);
    // the emoji and accents make these three different things
    expect(m.bitsPerChar).not.toBeCloseTo(m.bitsPerByte!, 3);
    // windows: [EOS, 39 bytes, EOS] = 40 predictions = 3 windows of 16; 16 bytes 'Żółw é 🐢!' +2 -> 17 = 2; 'ab' -> 1; 56+2 -> 57 = 4
    expect(m.windows).toBe(3 + 2 + 1 + 4);
    // in a notebook it shows the labelled lines
    const shown = (m as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for('Jupyter.display')]()['text/plain'];
    expect(shown).toBe(flashlm.formatEvaluation(m));
    expect(flashlm.evalColumns(m)).toEqual({ eval_loss: m.meanLoss, eval_ppl: m.perplexity, eval_bits_per_token: m.bitsPerToken, eval_bits_per_char: m.bitsPerChar, eval_bits_per_byte: m.bitsPerByte, eval_tokens: m.tokens });
    expect(Object.keys(flashlm.evalColumns(m)).sort()).toEqual([...flashlm.EVAL_COLUMNS].sort());
    expect(shown).toMatch(/bits\/token .*"BPC"[\s\S]*bits\/char .*true BPC/);
  });

  test('the same numbers for every batch size (up to float summation order) and it is deterministic', async () => {
    const ref = await flashlm.evaluate(model, corpus(), { tokenizer: tok, batchSize: 1 });
    for (const batchSize of [2, 3, 7, 64]) {
      const m = await flashlm.evaluate(model, corpus(), { tokenizer: tok, batchSize });
      expect(m.tokens).toBe(ref.tokens);
      expect(Math.abs(m.meanLoss - ref.meanLoss)).toBeLessThan(1e-6 * ref.meanLoss);
    }
    expect((await flashlm.evaluate(model, corpus(), { tokenizer: tok, batchSize: 3 })).meanLoss).toBe((await flashlm.evaluate(model, corpus(), { tokenizer: tok, batchSize: 3 })).meanLoss);
  });

  test('token shard data split at the separator equals the corpus path; text gives bits per char', async () => {
    const stream = DOCS.flatMap((d) => [...tok.encode(d), EOS]);
    const fromCorpus = await flashlm.evaluate(model, corpus(), { tokenizer: tok });
    const fromTokens = await flashlm.evaluate(model, { tokens: Uint16Array.from(stream), documents: DOCS }, { tokenizer: tok });
    expect(fromTokens.tokens).toBe(fromCorpus.tokens);
    expect(fromTokens.documents).toBe(4);
    expect(fromTokens.meanLoss).toBeCloseTo(fromCorpus.meanLoss, 6);
    expect(fromTokens.bitsPerChar!).toBeCloseTo(fromCorpus.bitsPerChar!, 6);
    const noText = await flashlm.evaluate(model, { tokens: stream }, { separator: EOS });
    expect(noText.bitsPerChar).toBeNull();
    expect(noText.bitsPerByte).toBeNull();
    expect(noText.bitsPerToken).toBeCloseTo(fromCorpus.bitsPerToken, 6);
    await expect(flashlm.evaluate(model, { tokens: stream, documents: DOCS.slice(1) }, { separator: EOS })).rejects.toThrow(/more documents than the 3 document texts/);
    await expect(flashlm.evaluate(model, { tokens: stream, documents: [...DOCS, 'x'] }, { separator: EOS })).rejects.toThrow(/more document texts were given/);
  });

  test('token data without a separator is one stream: all but its first token scored, windows across documents', async () => {
    const stream = DOCS.flatMap((d) => tok.encode(d));
    let want = 0;
    for (let i = 1; i < stream.length; i++) want += nll(stream[i - 1], stream[i]);
    const m = await flashlm.evaluate(model, { tokens: Int32Array.from(stream), documents: DOCS }, { separator: 'none' });
    expect(m.tokens).toBe(stream.length - 1);
    expect(m.documents).toBe(1);
    expect(m.meanLoss).toBeCloseTo(want / (stream.length - 1), 5);
    expect(m.bitsPerChar!).toBeCloseTo(want / ([...DOCS.join('')].length * Math.LN2), 5);
    await expect(flashlm.evaluate(model, { tokens: stream, documents: DOCS }, { separator: 'none', maxTokens: 5 })).rejects.toThrow(/one stream, so maxDocuments\/maxTokens cannot be matched/);
  });

  test('without a separator each document starts unscored at its first token', async () => {
    const h = hand(DOCS);
    const m = await flashlm.evaluate(model, corpus(), { tokenizer: tok, separator: 'none' });
    // no leading EOS context and no trailing EOS target: two fewer predictions per document
    expect(m.tokens).toBe(h.tokens - 2 * DOCS.length);
    expect(m.separator).toBeNull();
  });

  test('maxDocuments and maxTokens take whole documents', async () => {
    const two = await flashlm.evaluate(model, corpus(), { tokenizer: tok, maxDocuments: 2 });
    const h = hand(DOCS.slice(0, 2));
    expect(two.documents).toBe(2);
    expect(two.tokens).toBe(h.tokens);
    expect(two.codePoints).toBe(h.codePoints);
    const some = await flashlm.evaluate(model, corpus(), { tokenizer: tok, maxTokens: 41 }); // first doc has 40
    expect(some.documents).toBe(2);
    expect(some.tokens).toBe(h.tokens);
  });

  test('a second call on the same split reuses the encoded documents (same numbers, no re-encoding)', async () => {
    let calls = 0;
    const counting = new ByteTokenizer({ tag: ':counting' });
    const encode = counting.encode.bind(counting);
    counting.encode = (t: string) => (calls++, encode(t));
    const a = await flashlm.evaluate(model, corpus(), { tokenizer: counting, maxDocuments: 2 });
    expect(calls).toBe(2);
    const b = await flashlm.evaluate(model, corpus(), { tokenizer: counting });
    expect(calls).toBe(4); // the first two came from the cache
    const c = await flashlm.evaluate(model, corpus(), { tokenizer: counting });
    expect(calls).toBe(4);
    expect(c.meanLoss).toBe(b.meanLoss);
    expect(a.tokens).toBeLessThan(b.tokens);
    await flashlm.evaluate(model, corpus(), { tokenizer: counting, cache: false });
    expect(calls).toBe(8);
  });

  test('lets the event loop turn after every batch (Node frees collected tensor buffers from its immediate queue)', async () => {
    let turns = 0;
    let running = true;
    const tick = () => {
      if (!running) return;
      turns++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const m = await flashlm.evaluate(model, corpus(), { tokenizer: tok, batchSize: 1 });
    running = false;
    expect(m.windows).toBeGreaterThan(2);
    expect(turns).toBeGreaterThanOrEqual(m.windows);
  });

  test('restores training mode, records no gradient graph', async () => {
    model.train();
    await flashlm.evaluate(model, corpus(), { tokenizer: tok });
    expect(model.training).toBe(true);
    model.eval();
    await flashlm.evaluate(model, corpus(), { tokenizer: tok });
    expect(model.training).toBe(false);
    for (const p of model.parameters()) expect(p.grad).toBeNull();
  });

  test('an interrupt stops it with KeyboardInterrupt and restores the mode', async () => {
    const word = new Int32Array(new SharedArrayBuffer(4));
    flashlm.setInterruptFlag(word);
    try {
      model.train();
      Atomics.store(word, 0, 1);
      await expect(flashlm.evaluate(model, corpus(), { tokenizer: tok })).rejects.toMatchObject({ name: 'KeyboardInterrupt' });
      expect(model.training).toBe(true);
    } finally {
      flashlm.setInterruptFlag(null);
    }
  });

  test('clear errors: train split, no tokenizer, bad ids, bad options, empty data', async () => {
    const c = corpus();
    await expect(flashlm.evaluate(model, c.train, { tokenizer: tok })).rejects.toThrow(/validation split only, got the 'train' split/);
    await expect(flashlm.evaluate(model, c)).rejects.toThrow(/needs options.tokenizer/);
    await expect(flashlm.evaluate(model, { tokens: [1, 2, 300] })).rejects.toThrow(/tokens\[2\] = 300 is not an id in \[0, 257\)/);
    await expect(flashlm.evaluate(model, c, { tokenizer: tok, batchSize: 0 })).rejects.toThrow(/batchSize must be an integer >= 1/);
    await expect(flashlm.evaluate(model, c, { tokenizer: new ByteTokenizer({ vocabSize: 300 }) })).rejects.toThrow(/tokenizer has 300 ids but the model's vocabSize is 257/);
    await expect(flashlm.evaluate(model, corpus([]), { tokenizer: tok })).rejects.toThrow(/no token was scored/);
    await expect(flashlm.evaluate(model, c, { tokenizer: new ByteTokenizer({ specials: [] }), separator: 'eos' })).rejects.toThrow(/no end-of-text token/);
  });
});
