// generate(): reproducible with a seed, top-k/top-p cut-offs respected against the model's own forward
// logits, stop tokens and stop strings, batches equal to single prompts, streaming equal to the result,
// the context-full policies, and the incremental text decoder.
import * as flashlm from '../../lib';
import { Tensor } from '../../lib/tensor/tensor';
import { TextStream } from '../../lib/generate/text_stream';
import { ByteTokenizer } from '../data/data_util';

const tok = new ByteTokenizer();
const EOS = 256;
const model = flashlm.models.create('bigram', { vocabSize: 257, contextLength: 16, dim: 8 }, { seed: 5 });

/** The bigram model's next-token logits after `prev` (its decode path must sample from exactly these). */
function logitsAfter(prev: number): Float32Array {
  return flashlm.noGrad(() => model.forward(Tensor.from([prev], [1, 1], 'i32'))).f32();
}

async function collect(gen: flashlm.Generation): Promise<flashlm.GenerationEvent[]> {
  const events: flashlm.GenerationEvent[] = [];
  for await (const e of gen) events.push(e);
  return events;
}

/**
 * Logits that favour token (p + 1) at window position p, through forward and decode alike: greedy output
 * reveals where each prediction sat in its window, so the context-full policies can be read off it.
 */
class CounterModel extends flashlm.LanguageModel {
  constructor() {
    super('counter', { vocabSize: 64, contextLength: 16 });
  }
  private logits(B: number, T: number, start: number): Tensor {
    const out = new Float32Array(B * T * 64);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) out[(b * T + t) * 64 + ((start + t + 1) % 64)] = 5;
    return Tensor.from(out, [B, T, 64]);
  }
  forward(tokens: Tensor): Tensor {
    return this.logits(tokens.shape[0], tokens.shape[1], 0);
  }
  createDecodeState(batch: number, capacity: number): flashlm.DecodeState {
    return { batch, capacity, position: 0, dispose() {} };
  }
  decode(tokens: Tensor, state: flashlm.DecodeState): Tensor {
    flashlm.models.checkTokens(this, tokens, 'decode', state);
    const out = this.logits(tokens.shape[0], tokens.shape[1], state.position);
    state.position += tokens.shape[1];
    return out;
  }
}

describe('generate', () => {
  test('context-full policies, read off a position-revealing model (contextLength 16, prompt 4)', async () => {
    const counter = new CounterModel();
    const run = async (onContextFull: 'slide' | 'crop' | 'stop') =>
      (await flashlm.generate(counter, null, [0, 0, 0, 0], { temperature: 0, maxTokens: 24, onContextFull })).outputs[0];
    const upTo16 = Array.from({ length: 13 }, (_, i) => 4 + i); // predicted at positions 3..15
    // slide: the last 8 tokens are re-prefilled, so the next prediction sits at position 7
    expect((await run('slide')).tokens).toEqual([...upTo16, 8, 9, 10, 11, 12, 13, 14, 15, 16, 8, 9]);
    // crop (the originals'): every further prediction sees exactly the last 16 tokens, at position 15
    expect((await run('crop')).tokens).toEqual([...upTo16, ...Array(11).fill(16)]);
    const stopped = await run('stop');
    expect(stopped.tokens).toEqual(upTo16);
    expect(stopped.finishReason).toBe('context');
  });


  test('a fixed seed reproduces the tokens; another seed gives others', async () => {
    const opts = { maxTokens: 40, temperature: 1.5, seed: 7, stopTokens: [] };
    const a = await flashlm.generate(model, tok, 'Once', opts);
    const b = await flashlm.generate(model, tok, 'Once', opts);
    const c = await flashlm.generate(model, tok, 'Once', { ...opts, seed: 8 });
    expect(a.outputs[0].tokens).toHaveLength(40);
    expect(b.outputs[0].tokens).toEqual(a.outputs[0].tokens);
    expect(c.outputs[0].tokens).not.toEqual(a.outputs[0].tokens);
    expect(a.outputs[0].finishReason).toBe('length');
  });

  test('top-k: every sampled token is among the k largest logits after its predecessor', async () => {
    const k = 3;
    const r = await flashlm.generate(model, tok, [104, 105], { maxTokens: 60, temperature: 2, topK: k, seed: 1, stopTokens: [] });
    const ids = [105, ...r.outputs[0].tokens];
    for (let i = 1; i < ids.length; i++) {
      const z = logitsAfter(ids[i - 1]);
      const kth = [...z].sort((x, y) => y - x)[k - 1];
      expect(z[ids[i]]).toBeGreaterThanOrEqual(kth);
    }
    // with temperature 2 and no cut-off the same seed leaves the top 3 somewhere in 60 draws
    const free = await flashlm.generate(model, tok, [104, 105], { maxTokens: 60, temperature: 2, seed: 1, stopTokens: [] });
    const outside = free.outputs[0].tokens.some((t, i) => {
      const z = logitsAfter(i === 0 ? 105 : free.outputs[0].tokens[i - 1]);
      return z[t] < [...z].sort((x, y) => y - x)[k - 1];
    });
    expect(outside).toBe(true);
  });

  test('top-p: every sampled token is inside the smallest nucleus reaching p', async () => {
    const p = 0.5;
    const r = await flashlm.generate(model, tok, [120], { maxTokens: 60, temperature: 3, topP: p, seed: 2, stopTokens: [] });
    const ids = [120, ...r.outputs[0].tokens];
    for (let i = 1; i < ids.length; i++) {
      const z = Array.from(logitsAfter(ids[i - 1]), (v) => v / 3);
      const mx = Math.max(...z);
      const e = z.map((v) => Math.exp(v - mx));
      const s = e.reduce((a, b) => a + b, 0);
      const order = e.map((v, j) => [v / s, j]).sort((a, b) => b[0] - a[0]);
      const nucleus = new Set<number>();
      for (let mass = 0, j = 0; mass < p; j++) {
        nucleus.add(order[j][1]);
        mass += order[j][0];
      }
      expect(nucleus.has(ids[i])).toBe(true);
    }
  });

  test('stop strings cut the text (and the stream) before the first occurrence', async () => {
    const greedy = { maxTokens: 48, temperature: 0, stopTokens: [] };
    const full = (await flashlm.generate(model, tok, 'The', greedy)).text;
    expect(full.length).toBeGreaterThan(10);
    const stop = full.slice(5, 8);
    const cut = full.slice(0, full.indexOf(stop));
    const gen = flashlm.generate(model, tok, 'The', { ...greedy, stopStrings: ['never-there', stop] });
    const events = await collect(gen);
    const r = await gen;
    expect(r.text).toBe(cut);
    expect(events.map((e) => e.text).join('')).toBe(cut);
    expect(r.outputs[0].finishReason).toBe('stop-string');
    expect(events[events.length - 1].finishReason).toBe('stop-string');
  });

  test('a stop token ends the sequence and is not part of tokens or text', async () => {
    const full = await flashlm.generate(model, tok, 'The', { maxTokens: 30, temperature: 0, stopTokens: [] });
    const stopAt = full.outputs[0].tokens[4];
    const r = await flashlm.generate(model, tok, 'The', { maxTokens: 30, temperature: 0, stopTokens: [stopAt] });
    const first = full.outputs[0].tokens.indexOf(stopAt);
    expect(r.outputs[0].tokens).toEqual(full.outputs[0].tokens.slice(0, first));
    expect(r.outputs[0].finishReason).toBe('stop-token');
  });

  test('batched prompts (equal and different lengths) equal each prompt run alone with seed + i', async () => {
    const prompts = ['Once', 'The dog', 'Hi', 'Onc3'];
    const opts = { maxTokens: 25, temperature: 1.2, topK: 20, seed: 11, repetitionPenalty: 1.3 };
    const batch = await flashlm.generate(model, tok, prompts, opts);
    expect(batch.outputs).toHaveLength(4);
    for (let i = 0; i < prompts.length; i++) {
      const alone = await flashlm.generate(model, tok, prompts[i], { ...opts, seed: 11 + i });
      expect(batch.outputs[i].tokens).toEqual(alone.outputs[0].tokens);
      expect(batch.texts[i]).toBe(alone.text);
      expect(batch.outputs[i].promptTokens).toEqual(tok.encode(prompts[i]));
    }
  });

  test('streams tokens as they come; the pieces join to the final text; awaiting after iterating works', async () => {
    const gen = flashlm.generate(model, tok, ['ab', 'xyz'], { maxTokens: 10, seed: 3, stopTokens: [] });
    const pending = collect(gen);
    const awaited = gen.then((x) => x); // awaiting while the stream is being read waits for its end
    const events = await pending;
    const r = await gen;
    expect(await awaited).toBe(r);
    expect(events).toHaveLength(20);
    for (const i of [0, 1]) {
      const mine = events.filter((e) => e.index === i);
      expect(mine.map((e) => e.token)).toEqual(r.outputs[i].tokens);
      expect(mine.map((e) => e.text).join('')).toBe(r.texts[i]);
    }
    expect(r.stats.generatedTokens).toBe(20);
    const display = (r as unknown as Record<symbol, () => Record<string, string>>)[Symbol.for('Jupyter.display')]();
    expect(display['text/plain']).toBe(`ab${r.texts[0]}\n\nxyz${r.texts[1]}`);
    expect(Object.keys(JSON.parse(JSON.stringify(r)))).toEqual(['outputs', 'texts', 'text', 'stats']);
    expect(() => gen[Symbol.asyncIterator]()).toThrow(/iterated once/);
  });

  test('context full: slide re-prefills and goes on; stop ends with finishReason context', async () => {
    // the bigram ignores context, so sliding windows must not change its greedy tokens
    const wide = flashlm.models.create('bigram', { vocabSize: 257, contextLength: 64, dim: 8 }, { seed: 5 });
    const opts = { maxTokens: 50, temperature: 0, stopTokens: [] };
    const slid = await flashlm.generate(model, tok, 'Once', opts);
    const ref = await flashlm.generate(wide, tok, 'Once', opts);
    expect(slid.outputs[0].tokens).toHaveLength(50);
    expect(slid.outputs[0].tokens).toEqual(ref.outputs[0].tokens);
    const cropped = await flashlm.generate(model, tok, 'Once', { ...opts, onContextFull: 'crop' });
    expect(cropped.outputs[0].tokens).toEqual(ref.outputs[0].tokens);
    const stopped = await flashlm.generate(model, tok, 'Once', { ...opts, onContextFull: 'stop' });
    expect(stopped.outputs[0].finishReason).toBe('context');
    expect(stopped.outputs[0].tokens).toHaveLength(16 - 4 + 1);
    // a prompt longer than the context keeps its last contextLength tokens
    const long = await flashlm.generate(model, tok, 'x'.repeat(40), { maxTokens: 3, temperature: 0 });
    expect(long.outputs[0].tokens).toHaveLength(3);
  });

  test('runs in eval mode under noGrad and restores the mode', async () => {
    model.train();
    await flashlm.generate(model, tok, 'a', { maxTokens: 3 });
    expect(model.training).toBe(true);
    for (const p of model.parameters()) expect(p.grad).toBeNull();
  });

  test('token-id prompts without a tokenizer; empty prompt starts from end-of-text', async () => {
    const r = await flashlm.generate(model, null, [1, 2, 3], { maxTokens: 5, temperature: 0 });
    expect(r.outputs[0].tokens).toHaveLength(5);
    expect(r.text).toBe('');
    const e = await flashlm.generate(model, tok, '', { maxTokens: 2, temperature: 0, stopTokens: [] });
    expect(e.outputs[0].promptTokens).toEqual([EOS]);
  });

  test('an interrupt stops the loop (an interrupt error), frees the state and restores the mode', async () => {
    const word = new Int32Array(new SharedArrayBuffer(4));
    flashlm.setInterruptFlag(word);
    try {
      model.train();
      const gen = flashlm.generate(model, tok, 'abc', { maxTokens: 50, stopTokens: [] });
      const seen: number[] = [];
      let caught: unknown = null;
      try {
        for await (const e of gen) {
          seen.push(e.token);
          if (seen.length === 5) Atomics.store(word, 0, 1);
        }
      } catch (e) {
        caught = e;
      }
      // the loop's check or a native kernel's (ERR_FLASHLM_INTERRUPTED), whichever sees the flag first
      expect(flashlm.isInterrupt(caught)).toBe(true);
      expect(seen).toHaveLength(5);
      expect(model.training).toBe(true);
      await expect(gen).rejects.toBe(caught); // awaiting afterwards reports the same error
    } finally {
      flashlm.setInterruptFlag(null);
    }
  });

  test('breaking out of the stream ends the generation cleanly', async () => {
    model.train();
    const gen = flashlm.generate(model, tok, 'abc', { maxTokens: 50, stopTokens: [] });
    let n = 0;
    for await (const e of gen) if (e && ++n === 3) break;
    expect(model.training).toBe(true);
    await expect(gen).rejects.toThrow(/stopped before the end; no result/);
  });

  test('clear errors', () => {
    expect(() => flashlm.generate(model, null, 'text')).toThrow(/prompt 0 is text but no tokenizer/);
    expect(() => flashlm.generate(model, tok, 'a', { maxTokens: 0 })).toThrow(/maxTokens must be an integer >= 1/);
    expect(() => flashlm.generate(model, tok, [1, 999])).toThrow(/prompt 0 token 1 is 999/);
    expect(() => flashlm.generate(model, tok, 'a', { topP: 0 })).toThrow(/topP must be in \(0, 1\]/);
    expect(() => flashlm.generate(model, tok, 'a', { stopStrings: [''] })).toThrow(/stopStrings must be non-empty/);
    expect(() => flashlm.generate(model, tok, [])).toThrow(/no prompt given/);
  });
});

describe('TextStream', () => {
  test('holds a multi-byte character until it is complete', () => {
    const s = new TextStream(tok, [], []);
    const pieces = [...Buffer.from('é🐢a')].map((b) => s.push(b));
    expect(pieces).toEqual(['', 'é', '', '', '', '🐢', 'a']);
    expect(s.flush()).toBe('');
    expect(s.text).toBe('é🐢a');
  });

  test('holds a possible stop-string prefix, releases it when it is not one', () => {
    const s = new TextStream(tok, [], ['END']);
    const out = [...Buffer.from('abENxEND tail')].map((b) => s.push(b));
    expect(out.join('') + s.flush()).toBe('abENx');
    expect(s.stopped).toBe(true);
  });
});
