// The registry and the LanguageModel contract on the smallest model ('bigram').
import * as flashlm from '../../lib';
import { Tensor } from '../../lib/tensor/tensor';

describe('models registry', () => {
  test('lists bigram and creates it with overrides', () => {
    expect(flashlm.models.list().map((e) => e.name)).toContain('bigram');
    const m = flashlm.models.create('bigram', { vocabSize: 10, dim: 4 });
    expect(m.config).toEqual({ vocabSize: 10, contextLength: 256, dim: 4 });
    // embed 10x4 + norm 4 + head 10x4
    expect(m.parameterCounts()).toEqual({ total: 84, ternary: 0, activePerToken: 84 });
  });

  test('unknown names and config keys are clear errors', () => {
    expect(() => flashlm.models.create('nope')).toThrow(/unknown model 'nope'.*bigram/);
    expect(() => flashlm.models.create('bigram', { width: 3 } as never)).toThrow(/unknown config key 'width'/);
  });

  test('same seed, same weights; different seed, different weights', () => {
    const a = flashlm.models.create('bigram', { vocabSize: 10, dim: 4 }, { seed: 1 });
    const b = flashlm.models.create('bigram', { vocabSize: 10, dim: 4 }, { seed: 1 });
    const c = flashlm.models.create('bigram', { vocabSize: 10, dim: 4 }, { seed: 2 });
    const w = (m: flashlm.LanguageModel) => Array.from(m.stateDict().get('embed.weight')!.f32());
    expect(w(a)).toEqual(w(b));
    expect(w(a)).not.toEqual(w(c));
  });
});

describe('bigram model', () => {
  const m = flashlm.models.create('bigram', { vocabSize: 12, contextLength: 8, dim: 4 });
  const tokens = Tensor.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 5], 'i32');

  test('forward shape, loss equals hand cross-entropy, decode equals forward', () => {
    const logits = m.forward(tokens);
    expect(logits.shape).toEqual([2, 5, 12]);
    const targets = Tensor.from([2, 3, 4, 5, 6, 7, 8, 9, 10, 11], [2, 5], 'i32');
    const l = m.loss(tokens, targets).f32()[0];
    const z = logits.f32();
    let nll = 0;
    for (let r = 0; r < 10; r++) {
      const row = Array.from(z.subarray(r * 12, r * 12 + 12));
      const mx = Math.max(...row);
      const lse = mx + Math.log(row.reduce((s, v) => s + Math.exp(v - mx), 0));
      nll += lse - row[targets.i32()[r]];
    }
    expect(l).toBeCloseTo(nll / 10, 5);
    const state = m.createDecodeState(2, 8);
    const first = m.decode(Tensor.from([1, 2, 3, 6, 7, 8], [2, 3], 'i32'), state);
    const next = m.decode(Tensor.from([4, 9], [2, 1], 'i32'), state);
    expect(state.position).toBe(4);
    expect(Array.from(first.f32().subarray(0, 12))).toEqual(Array.from(z.subarray(0, 12)));
    expect(Array.from(next.f32().subarray(12, 24))).toEqual(Array.from(z.subarray(8 * 12, 9 * 12)));
  });

  test('bad tokens: dtype, shape, length, capacity', () => {
    expect(() => m.forward(Tensor.from([1, 2], [2]))).toThrow(/bigram.forward: tokens must be i32/);
    expect(() => m.forward(Tensor.from([1, 2], [2], 'i32'))).toThrow(/tokens must be \(B, T\)/);
    expect(() => m.forward(Tensor.zeros([1, 9], 'i32'))).toThrow(/exceeds the model's contextLength \(8\)/);
    const s = m.createDecodeState(1, 2);
    expect(() => m.decode(Tensor.zeros([1, 3], 'i32'), s)).toThrow(/exceed the decode state's capacity \(2\)/);
    expect(() => m.decode(Tensor.zeros([2, 1], 'i32'), s)).toThrow(/decode state was made for 1/);
  });
});
