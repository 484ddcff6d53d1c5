// The v7 family (v7, v7-ts, bitnet-bench): spec parameter counts, decode == forward, gradients to
// every parameter, attention maps, bad input.
import * as flashlm from '../../lib';
import { Tensor } from '../../lib/tensor/tensor';
import { native } from '../../lib/native';
import { expectThrows } from '../native/util';

const small = () => flashlm.models.create('bitnet-bench', flashlm.models.entry('bitnet-bench').testOverrides);

function tokens(B: number, T: number, V: number, seed = 1): Tensor {
  const ids: number[] = [];
  let s = seed;
  for (let i = 0; i < B * T; i++) { s = (s * 1103515245 + 12345) % 2 ** 31; ids.push(s % V); }
  return Tensor.from(ids, [B, T], 'i32');
}

describe('v7 family', () => {
  test.each([
    ['bitnet-bench', 6_163_712, 5_111_808],
    ['v7', 109_529_856, 84_934_656],
    ['v7-ts', 33_298_944, 16_908_288],
  ])('%s has the spec parameter count (+ one α per BitLinear)', (name, spec, ternary) => {
    const m = flashlm.models.create(name);
    const e = flashlm.models.entry(name);
    expect(e.specParameters).toBe(spec);
    const layers = (m.config as flashlm.models.EclipseConfig).layers;
    expect(flashlm.models.eclipseSpecParameters(m.config as flashlm.models.EclipseConfig)).toBe(spec);
    expect(m.parameterCounts()).toEqual({ total: spec + 7 * layers, ternary, activePerToken: spec + 7 * layers });
    expect(m.stateDict().has('layers.0.attn.q_proj.alpha')).toBe(true);
  });

  test('parameter names are the PyTorch twin names, the tied head is stored once', () => {
    const names = [...small().stateDict().keys()];
    expect(names.slice(0, 4)).toEqual(['embed_tokens.weight', 'layers.0.attn_norm.weight', 'layers.0.attn.q_proj.weight', 'layers.0.attn.q_proj.alpha']);
    expect(names).toContain('layers.1.mlp.down_proj.weight');
    expect(names.at(-1)).toBe('norm.weight');
    expect(names.filter((n) => n.includes('embed'))).toHaveLength(1);
  });

  test('decode (prefill, then one token at a time) equals forward on the whole sequence', () => {
    const m = small();
    const x = tokens(2, 12, 64);
    const full = m.forward(x).f32();
    const state = m.createDecodeState(2, 16);
    const xs = x.i32();
    const pieces: Float32Array[] = [];
    const take = (from: number, to: number) => {
      const ids: number[] = [];
      for (let b = 0; b < 2; b++) for (let t = from; t < to; t++) ids.push(xs[b * 12 + t]);
      pieces.push(m.decode(Tensor.from(ids, [2, to - from], 'i32'), state).f32());
    };
    take(0, 5);
    for (let t = 5; t < 12; t++) take(t, t + 1);
    expect(state.position).toBe(12);
    let worst = 0;
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 12; t++) {
        const piece = t < 5 ? pieces[0] : pieces[t - 4];
        const row = t < 5 ? b * 5 + t : b;
        for (let v = 0; v < 64; v++) worst = Math.max(worst, Math.abs(piece[row * 64 + v] - full[(b * 12 + t) * 64 + v]));
      }
    }
    // Same quantized forward; only the attention's summation order differs (tiled vs. cache).
    expect(worst).toBeLessThan(1e-4);
  });

  test('every parameter receives a finite, non-zero gradient', () => {
    const m = small();
    const x = tokens(2, 8, 64, 3), y = tokens(2, 8, 64, 4);
    m.loss(x, y).backward();
    for (const [name, p] of m.namedParameters()) {
      const g = p.grad?.f32();
      expect(g).toBeDefined();
      expect(g!.every(Number.isFinite)).toBe(true);
      expect({ name, nonzero: g!.some((v) => v !== 0) }).toEqual({ name, nonzero: true });
    }
  });

  test('forward shapes and describe() for the display tree', () => {
    const m = small();
    expect(m.forward(tokens(3, 7, 64)).shape).toEqual([3, 7, 64]);
    const d = (m as flashlm.models.EclipseModel).describe();
    expect(d).toEqual({ ternary: m.parameterCounts().ternary, activePerToken: m.parameterCounts().total, note: 'd16 × 2 blocks, 2 heads, SwiGLU 32, V64, T16, tied head' });
    expect(flashlm.viz.moduleBundle(m)['text/plain']).toContain('d16 × 2 blocks');
  });

  test('attention probabilities are causal rows that sum to 1', () => {
    const m = small();
    const p = m.attentionProbs!(tokens(1, 6, 64), 1);
    expect(p.shape).toEqual([1, 2, 6, 6]);
    const d = p.f32();
    for (let r = 0; r < 12; r++) {
      const i = r % 6;
      const row = d.subarray(r * 6, r * 6 + 6);
      expect(row.slice(i + 1).every((v) => v === 0)).toBe(true);
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    }
    expect(() => m.attentionProbs!(tokens(1, 6, 64), 2)).toThrow(/layer must be an integer in \[0, 2\)/);
  });

  test('bad input: token ids out of range, wrong state, bad config', () => {
    const m = small();
    expect(() => m.forward(Tensor.from([1, 99], [1, 2], 'i32'))).toThrow(/99/);
    const other = flashlm.models.create('bigram', { vocabSize: 64, contextLength: 16, dim: 4 });
    expect(() => m.decode(Tensor.from([1], [1, 1], 'i32'), other.createDecodeState(1, 4))).toThrow(/live state from this model/);
    expect(() => flashlm.models.create('bitnet-bench', { heads: 3 })).toThrow(/heads \(3\) must divide dim/);
  });

  test('attentionDecode validates lengths and capacity before touching memory', () => {
    const f = (n: number) => new Float32Array(n);
    expectThrows(() => native.attentionDecode(f(4), f(4), f(4), f(8), f(8), f(4), 1, 1, 1, 4, 2, 2, 0.5), 'RangeError', /attentionDecode: start \+ t \(3\) exceeds capacity \(2\)/);
    expectThrows(() => native.attentionDecode(f(3), f(4), f(4), f(8), f(8), f(4), 1, 1, 1, 4, 0, 2, 0.5), 'RangeError', /attentionDecode.*q/);
    expectThrows(() => native.attentionDecode(f(4), f(4), f(4), f(7), f(8), f(4), 1, 1, 1, 4, 0, 2, 0.5), 'RangeError', /attentionDecode.*kCache/);
  });
});
