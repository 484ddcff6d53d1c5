// v4 "Bolt": spec parameter counts, names, decode (carried conv inputs) == forward, gradients to every
// parameter, the conv module's step == forward, init scales, bad input.
import * as flashlm from '../../lib';
import { Generator } from '../../lib/random';
import { Tensor } from '../../lib/tensor/tensor';

const small = () => flashlm.models.create('v4-bolt', flashlm.models.entry('v4-bolt').testOverrides) as flashlm.models.BoltModel;

function tokens(B: number, T: number, V: number, seed = 1): Tensor {
  const ids: number[] = [];
  let s = seed;
  for (let i = 0; i < B * T; i++) { s = (s * 1103515245 + 12345) % 2 ** 31; ids.push(s % V); }
  return Tensor.from(ids, [B, T], 'i32');
}

function std(a: Float32Array): number {
  const m = a.reduce((s, v) => s + v, 0) / a.length;
  return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / a.length);
}

describe('v4 Bolt', () => {
  test.each([
    ['v4-bolt', 4_364_736],
    ['v4-bolt-large', 16_847_232],
  ])('%s has the spec parameter count, all projections ternary', (name, spec) => {
    const m = flashlm.models.create(name) as flashlm.models.BoltModel;
    expect(flashlm.models.entry(name).specParameters).toBe(spec);
    expect(flashlm.models.boltSpecParameters(m.config)).toBe(spec);
    const { dim: d, layers: L, hidden: h } = m.config;
    expect(m.parameterCounts()).toEqual({ total: spec, ternary: L * (3 * d * d + 3 * d * h), activePerToken: spec });
  });

  test('parameter names and shapes (the PyTorch twin uses the same), tied head stored once', () => {
    const sd = small().stateDict();
    const shapes = Object.fromEntries([...sd].slice(0, 9).map(([n, t]) => [n, t.shape]));
    expect(shapes).toEqual({
      'embed_tokens.weight': [64, 16],
      'layers.0.mixer_norm.weight': [16],
      'layers.0.mixer.up_proj.weight': [32, 16],
      'layers.0.mixer.conv.weight': [16, 4],
      'layers.0.mixer.down_proj.weight': [16, 16],
      'layers.0.mlp_norm.weight': [16],
      'layers.0.mlp.gate_proj.weight': [32, 16],
      'layers.0.mlp.up_proj.weight': [32, 16],
      'layers.0.mlp.down_proj.weight': [16, 32],
    });
    expect([...sd.keys()].at(-1)).toBe('norm.weight');
    expect([...sd.keys()].filter((n) => n.includes('embed'))).toHaveLength(1);
  });

  test('init follows the spec: BitLinear N(0, 2/out), conv N(0, 2/(d·k)), embedding N(0, 0.02²)', () => {
    const m = flashlm.models.create('v4-bolt', { layers: 1 }) as flashlm.models.BoltModel; // d192, h512, k8
    const b = m.layers.at(0);
    expect(std((b.mlp.down_proj as flashlm.BitLinear).weight.f32())).toBeCloseTo(Math.sqrt(2 / 192), 3);
    expect(std(b.mixer.up_proj.weight.f32())).toBeCloseTo(Math.sqrt(2 / 384), 3);
    expect(std(b.mixer.conv.weight.f32()) / Math.sqrt(2 / (192 * 8))).toBeCloseTo(1, 1);
    expect(std(m.embed_tokens.weight.f32())).toBeCloseTo(0.02, 3);
    expect(b.mixer.up_proj.quantizer).toBe('BL-T');
    expect(b.mixer.up_proj.eps).toBe(1e-8);
  });

  test('decode (prefill, then one token at a time, past contextLength) equals forward on each window', () => {
    const m = small();
    const B = 2, T = 16;
    const x = tokens(B, T, 64);
    const full = m.forward(x).f32();
    const state = m.createDecodeState(B, Infinity);
    const xs = x.i32();
    const slice = (from: number, to: number) => {
      const ids: number[] = [];
      for (let b = 0; b < B; b++) for (let t = from; t < to; t++) ids.push(xs[b * T + t]);
      return Tensor.from(ids, [B, to - from], 'i32');
    };
    let worst = 0;
    const check = (out: Float32Array, from: number, to: number) => {
      const n = to - from;
      for (let b = 0; b < B; b++) for (let t = from; t < to; t++) for (let v = 0; v < 64; v++)
        worst = Math.max(worst, Math.abs(out[(b * n + t - from) * 64 + v] - full[(b * T + t) * 64 + v]));
    };
    // each call in its own tidy() scope, as generate() runs it: the carried state must survive them
    const step = (from: number, to: number) => check(flashlm.tidy(() => m.decode(slice(from, to), state).f32().slice()), from, to);
    step(0, 5);
    for (let t = 5; t < T; t++) step(t, t + 1);
    expect(state.position).toBe(T);
    expect(worst).toBeLessThan(1e-5); // the same ops in the same order, only the conv windows differ
    // no positions and no cache: decoding goes on past the training context
    expect(m.decode(slice(0, 1), state).shape).toEqual([B, 1, 64]);
    state.dispose();
    expect(() => m.decode(slice(0, 1), state)).toThrow(/live state/);
  });

  test('CausalDepthwiseConv.step carries exactly the last K − 1 inputs', () => {
    const conv = new flashlm.CausalDepthwiseConv(3, 4, { generator: new Generator(5) });
    const x = new Generator(6).normal([2, 9, 3]);
    const full = conv.forward(x).f32();
    const state = conv.initialState(2);
    const got: number[][] = [[], []];
    const xs = x.f32();
    for (const [from, to] of [[0, 2], [2, 3], [3, 9]]) {
      const piece = Tensor.from(Array.from({ length: 2 * (to - from) * 3 }, (_, i) => {
        const b = Math.floor(i / ((to - from) * 3)), r = i % ((to - from) * 3);
        return xs[b * 27 + from * 3 + r];
      }), [2, to - from, 3]);
      const y = flashlm.tidy(() => conv.step(piece, state).f32().slice()); // the state survives the scope
      for (let b = 0; b < 2; b++) got[b].push(...y.subarray(b * (to - from) * 3, (b + 1) * (to - from) * 3));
    }
    const want = [Array.from(full.subarray(0, 27)), Array.from(full.subarray(27, 54))];
    for (let b = 0; b < 2; b++) for (let i = 0; i < 27; i++) expect(got[b][i]).toBeCloseTo(want[b][i], 6);
    expect(() => conv.step(Tensor.zeros([2, 1, 3]), conv.initialState(1))).toThrow(/state must be \(2, 3, 3\)/);
  });

  test('every parameter receives a finite, non-zero gradient', () => {
    const m = small();
    m.loss(tokens(2, 16, 64, 3), tokens(2, 16, 64, 4)).backward();
    for (const [name, p] of m.namedParameters()) {
      const g = p.grad?.f32();
      expect(g).toBeDefined();
      expect(g!.every(Number.isFinite)).toBe(true);
      expect({ name, nonzero: g!.some((v) => v !== 0) }).toEqual({ name, nonzero: true });
    }
  });

  test('describe() and display tree; no attention maps', () => {
    const m = small();
    expect(m.describe().note).toBe('d16 × 2 blocks, gated conv k4, SwiGLU 32, V64, T16, tied head, BL-T');
    expect(flashlm.viz.moduleBundle(m)['text/plain']).toContain('gated conv k4');
    expect(m.attentionProbs).toBeUndefined();
  });

  test('bad input: ids out of range, too long, bad config, bad state', () => {
    const m = small();
    expect(() => m.forward(Tensor.from([1, 99], [1, 2], 'i32'))).toThrow(/99/);
    expect(() => m.forward(tokens(1, 17, 64))).toThrow(/exceeds the model's contextLength \(16\)/);
    expect(() => flashlm.models.create('v4-bolt', { kernelSize: 0 })).toThrow(/config.kernelSize must be a positive integer/);
    expect(() => m.createDecodeState(0, 4)).toThrow(/batch must be a positive integer/);
    const other = flashlm.models.create('bitnet-bench', flashlm.models.entry('bitnet-bench').testOverrides);
    expect(() => m.decode(Tensor.from([1], [1, 1], 'i32'), other.createDecodeState(1, 4))).toThrow(/live state from this model/);
  });
});

