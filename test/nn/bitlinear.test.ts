// BitLinear: forward and STE gradients against a plain-JS reference of the same math (every
// quantizer and activation mode), finite differences on the continuous inputs (x, α), the
// once-per-step weight cache, quantStats on a hand example, and errors that name the argument.
import { BitLinear, BitLinearOptions } from '../../lib/nn/bitlinear';
import { Linear } from '../../lib/nn/linear';
import { Module } from '../../lib/nn/module';
import { WeightQuantizer } from '../../lib/ops/quant';
import { ActivationQuant, setPreferNativeBackwardInput } from '../../lib/ops/ternary_linear';
import { setTernaryKernelsEnabled } from '../../lib/ops/ternary_kernels';
import { Generator } from '../../lib/random';
import { AdamW, SGD } from '../../lib/train/optim';
import { Tensor } from '../../lib/tensor/tensor';
import { tidy } from '../../lib/tensor/scope';
import { noGrad } from '../../lib/tensor/autograd';
import { memoryStats } from '../../lib/tensor/storage';
import { gradcheck, randomTensor } from '../gradcheck';

const fr = Math.fround;
const rhe = (v: number) => (v - Math.floor(v) === 0.5 ? (Math.floor(v) % 2 === 0 ? Math.floor(v) : Math.floor(v) + 1) : Math.round(v));
const meanAbs = (xs: ArrayLike<number>) => fr(Array.from(xs).reduce((s, v) => s + Math.abs(v), 0) / xs.length);

/** Plain reference of S1 / §9 weight quantization: per-row effective weights and BL-M's STE mask. */
function refWeights(w: Float32Array, n: number, k: number, q: WeightQuantizer): { wq: number[]; mask: number[] } {
  const wq = new Array<number>(n * k), mask = new Array<number>(n * k).fill(1);
  const ternary = (v: number, s: number) => Math.sign(fr(v / s)) * Math.min(1, rhe(Math.abs(fr(v / s))));
  if (q === 'BL-T' || q === 'BL-B158') {
    const m = meanAbs(w);
    const div = q === 'BL-T' ? fr(m + 1e-8) : fr(m + 1e-5);
    const scale = q === 'BL-T' ? div : m;
    w.forEach((v, i) => (wq[i] = ternary(v, div) * scale));
  } else if (q === 'BL-R') {
    for (let r = 0; r < n; r++) {
      const s = Math.max(meanAbs(w.subarray(r * k, (r + 1) * k)), fr(1e-5));
      for (let j = r * k; j < (r + 1) * k; j++) wq[j] = ternary(w[j], s) * s;
    }
  } else {
    const sorted = Array.from(w, Math.abs).sort((a, b) => a - b);
    const t = q === 'BL-M' ? sorted[(sorted.length - 1) >> 1] : meanAbs(w);
    w.forEach((v, i) => {
      wq[i] = Math.abs(v) > t ? Math.sign(v) : 0;
      if (q === 'BL-M') mask[i] = Math.abs(v) < fr(1.5 * t) ? 1 : 0;
    });
  }
  return { wq, mask };
}

/** Plain reference of the activation quantizers (dequantized values). */
function refActivations(x: Float32Array, rows: number, k: number, mode: ActivationQuant): number[] {
  const out = Array.from(x);
  if (mode === 'int8') {
    for (let r = 0; r < rows; r++) {
      const row = x.subarray(r * k, (r + 1) * k);
      const s = fr(Math.max(Math.max(...Array.from(row, Math.abs)), fr(1e-5)) / 127);
      for (let j = 0; j < k; j++) out[r * k + j] = Math.max(-128, Math.min(127, rhe(fr(row[j] / s)))) * s;
    }
  } else if (mode === 'ternary') {
    const s = meanAbs(x);
    for (let r = 0; r < rows; r++) {
      const row = x.subarray(r * k, (r + 1) * k);
      const t = fr(fr(0.6745) * meanAbs(row));
      for (let j = 0; j < k; j++) out[r * k + j] = (row[j] > t ? 1 : row[j] < -t ? -1 : 0) * s;
    }
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 2e-5): void {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tol * (1 + scale))) {
      throw new Error(`element ${i}: got ${actual[i]}, expected ${expected[i]} (tol ${tol}·(1 + ${scale}))`);
    }
  }
}

const gen = () => new Generator(7);
const make = (k: number, n: number, opts: Partial<BitLinearOptions> = {}) => new BitLinear(k, n, { generator: gen(), ...opts });

const CASES: Array<[WeightQuantizer, ActivationQuant]> = [
  ['BL-T', 'none'], ['BL-T', 'ternary'], ['BL-R', 'none'], ['BL-M', 'none'], ['BL-H', 'none'],
  ['BL-B158', 'int8'], ['BL-B158', 'none'], ['BL-R', 'int8'],
];

describe.each([['native ternary kernels', true], ['GEMM fallback', false]] as const)('BitLinear forward and STE backward equal a plain reference (%s)', (_label, useKernels) => {
  let before = true;
  beforeAll(() => {
    before = setTernaryKernelsEnabled(useKernels);
  });
  afterAll(() => {
    setTernaryKernelsEnabled(before);
  });

  test.each(CASES.flatMap(([q, act]) => [[q, act, 'exact'], [q, act, 'native-dx']] as Array<[WeightQuantizer, ActivationQuant, string]>))('%s with %s activations (%s input gradient)', (quantizer, activations, dxPath) => {
    const prevDx = setPreferNativeBackwardInput(dxPath === 'native-dx');
    tidy(() => {
      const [B, T, k, n] = [2, 3, 13, 7];
      const layer = make(k, n, { quantizer, activations });
      if (layer.alpha !== null) layer.alpha.f32()[0] = 1.3;
      const x = randomTensor([B, T, k], 11).requiresGrad_();
      const y = layer.forward(x);
      expect(y.shape).toEqual([B, T, n]);
      const g = randomTensor([B, T, n], 12);
      y.backward(g);

      const R = B * T, a = layer.alpha?.f32()[0] ?? 1;
      const { wq, mask } = refWeights(layer.weight.f32(), n, k, quantizer);
      const xq = refActivations(x.f32(), R, k, activations);
      const gd = g.f32();
      const y0 = new Array<number>(R * n).fill(0), dx = new Array<number>(R * k).fill(0), dw = new Array<number>(n * k).fill(0);
      for (let r = 0; r < R; r++) {
        for (let o = 0; o < n; o++) {
          for (let j = 0; j < k; j++) {
            y0[r * n + o] += xq[r * k + j] * wq[o * k + j];
            dx[r * k + j] += a * gd[r * n + o] * wq[o * k + j]; // STE: identity through Q_x
            dw[o * k + j] += a * gd[r * n + o] * xq[r * k + j] * mask[o * k + j]; // STE through Q_W
          }
        }
      }
      expectClose(y.f32(), y0.map((v) => a * v));
      expectClose(x.grad!.f32(), dx);
      expectClose(layer.weight.grad!.f32(), dw);
      if (layer.alpha !== null) {
        const da = y0.reduce((s, v, i) => s + v * gd[i], 0);
        expect(layer.alpha.grad!.f32()[0]).toBeCloseTo(da, 4);
      }
      if (quantizer === 'BL-M') expect(mask.some((m) => m === 0)).toBe(true); // the clip did something
    });
    setPreferNativeBackwardInput(prevDx);
  });

  test('α = 0 still gets its gradient (Σ g ⊙ y/α would divide by zero)', () => {
    tidy(() => {
      const layer = make(5, 3);
      const x = randomTensor([4, 5], 3);
      const ref = layer.forward(x).f32().slice();
      layer.alpha!.f32()[0] = 0;
      const y = layer.forward(x);
      expect(Array.from(y.f32()).every((v) => v === 0)).toBe(true);
      const g = randomTensor([4, 3], 4);
      y.backward(g);
      expect(layer.alpha!.grad!.f32()[0]).toBeCloseTo(ref.reduce((s, v, i) => s + v * g.f32()[i], 0), 4);
    });
  });
});

describe("opt-in 'int8-input-grad' backward", () => {
  test('dx = Q8(g)·α·W_eff (g per-row absmax int8); dW and dα stay exact', () => {
    tidy(() => {
      const [R, k, n] = [5, 11, 6];
      const exact = make(k, n, { quantizer: 'BL-B158' });
      const approx = make(k, n, { quantizer: 'BL-B158', backward: 'int8-input-grad' });
      for (const l of [exact, approx]) l.alpha!.f32()[0] = 0.8;
      const x1 = randomTensor([R, k], 5).requiresGrad_(), x2 = randomTensor([R, k], 5).requiresGrad_();
      const g = randomTensor([R, n], 6);
      exact.forward(x1).backward(g);
      approx.forward(x2).backward(g);
      expect(Array.from(approx.weight.grad!.f32())).toEqual(Array.from(exact.weight.grad!.f32()));
      expect(approx.alpha!.grad!.f32()[0]).toBe(exact.alpha!.grad!.f32()[0]);
      const { wq } = refWeights(approx.weight.f32(), n, k, 'BL-B158');
      const gq = refActivations(g.f32(), R, n, 'int8');
      const dx = new Array<number>(R * k).fill(0);
      for (let r = 0; r < R; r++) for (let o = 0; o < n; o++) for (let j = 0; j < k; j++) dx[r * k + j] += 0.8 * gq[r * n + o] * wq[o * k + j];
      expectClose(x2.grad!.f32(), dx);
      // ... and it is close to, but not the same as, the exact gradient.
      expectClose(x2.grad!.f32(), x1.grad!.f32(), 2e-2);
      expect(Array.from(x2.grad!.f32())).not.toEqual(Array.from(x1.grad!.f32()));
    });
  });
});

describe('finite differences on the continuous inputs', () => {
  test.each(['BL-T', 'BL-R', 'BL-M', 'BL-H', 'BL-B158'] as WeightQuantizer[])('x through %s with f32 activations', (quantizer) => {
    const layer = make(9, 5, { quantizer, activations: 'none' });
    gradcheck((x) => layer.forward(x), [randomTensor([3, 9], 21).requiresGrad_()]);
  });

  test.each(['int8', 'ternary', 'none'] as ActivationQuant[])('α of BL-B158 with %s activations', (activations) => {
    const layer = make(9, 5, { quantizer: 'BL-B158', activations });
    layer.alpha!.f32()[0] = 0.7;
    const x = randomTensor([3, 9], 22); // no grad: only α is checked
    gradcheck((_a) => layer.forward(x), [layer.alpha!]);
  });
});

describe('quantize once per optimizer step', () => {
  test('two forwards in one step quantize once; a step, loadStateDict or markModified invalidates', () => {
    tidy(() => {
      const layer = make(6, 4, { quantizer: 'BL-T' });
      const opt = new AdamW(layer.namedParameters(), { lr: 0.05 });
      const x = randomTensor([5, 6], 1);
      const y1 = layer.forward(x);
      const y2 = layer.forward(x);
      expect(layer.quantizeCount).toBe(1);
      expect(Array.from(y2.f32())).toEqual(Array.from(y1.f32()));
      y1.backward(randomTensor([5, 4], 2));
      opt.step();
      const y3 = layer.forward(x);
      expect(layer.quantizeCount).toBe(2);
      expect(Array.from(y3.f32())).not.toEqual(Array.from(y1.f32())); // lr 0.05 moves the scale
      layer.forward(x);
      expect(layer.quantizeCount).toBe(2);

      const other = make(6, 4, { quantizer: 'BL-T' });
      other.weight.f32().fill(0.25);
      layer.loadStateDict(other.stateDict());
      const y4 = layer.forward(x);
      expect(layer.quantizeCount).toBe(3);
      const rowSum = Array.from(x.f32().subarray(0, 6)).reduce((s, v) => s + v, 0);
      expect(y4.f32()[0]).toBeCloseTo(rowSum * 0.25, 5); // all codes +1, s = 0.25

      layer.weight.f32()[0] = -5;
      layer.weight.markModified();
      layer.forward(x);
      expect(layer.quantizeCount).toBe(4);

      const sgd = new SGD(layer.parameters(), { lr: 0.1 });
      layer.forward(x).backward(randomTensor([5, 4], 3));
      sgd.step();
      layer.forward(x);
      expect(layer.quantizeCount).toBe(5);
    });
  });

  test('a few AdamW steps of a BL-B158 layer fit a ternary target', () => {
    const target = make(8, 4, { quantizer: 'BL-B158', activations: 'none' });
    const layer = new BitLinear(8, 4, { generator: new Generator(99), quantizer: 'BL-B158' });
    const opt = new AdamW(layer.namedParameters(), { lr: 0.02, weightDecay: 0 });
    const losses: number[] = [];
    for (let step = 0; step < 60; step++) {
      tidy(() => {
        const x = randomTensor([32, 8], 100 + step);
        const t = target.forward(x).detach();
        const y = layer.forward(x);
        const diff = Array.from(y.f32(), (v, i) => v - t.f32()[i]);
        losses.push(diff.reduce((s, d) => s + d * d, 0) / diff.length);
        layer.zeroGrad();
        y.backward(Tensor.from(diff.map((d) => (2 * d) / diff.length), y.shape));
        opt.step();
      });
    }
    expect(losses[losses.length - 1]).toBeLessThan(0.3 * losses[0]);
  });
});

describe('quantStats', () => {
  test('fractions, scale, threshold and histogram on a hand example', () => {
    const layer = make(4, 2, { quantizer: 'BL-T' });
    layer.weight.f32().set([0.75, -0.75, 2.25, -2.25, 1.5, 0, 3, -1.5]);
    layer.weight.markModified();
    const s = layer.layerQuantStats('ffn.up', 4);
    expect(s).toMatchObject({ name: 'ffn.up', quantizer: 'BL-T', shape: [2, 4], fracNeg: 2 / 8, fracZero: 3 / 8, fracPos: 3 / 8, scale: 1.5, threshold: 0.75 });
    expect(s.histogram).toEqual({ edges: [-3, -1.5, 0, 1.5, 3], counts: [1, 2, 2, 3] });
    expect(s.alpha).toBeUndefined();
    expect(s.perRow).toBeUndefined();
  });

  test('BL-R reports a per-row summary; model.quantStats() names every BitLinear by path', () => {
    class Block extends Module {
      up = this.registerModule('up', make(4, 3, { quantizer: 'BL-R' }));
      proj = this.registerModule('proj', new Linear(3, 3, { generator: gen() }));
      down = this.registerModule('down', make(3, 4));
    }
    class Model extends Module {
      block = this.registerModule('block', new Block());
    }
    const m = new Model();
    m.block.up.weight.f32().set([1, 1, 1, 1, 2, -2, 2, -2, 0, 0, 0, 0]);
    m.block.up.weight.markModified();
    const stats = m.quantStats(8);
    expect(stats.map((s) => s.name)).toEqual(['block.up', 'block.down']);
    expect(stats[0].perRow!.scale).toEqual({ min: Math.fround(1e-5), mean: (1 + 2 + Math.fround(1e-5)) / 3, max: 2 });
    expect(stats[0].fracZero).toBeCloseTo(4 / 12);
    expect(stats[1].alpha).toBe(1);
    expect(stats[1].histogram.counts.reduce((a, b) => a + b, 0)).toBe(12);
    expect(m.block.down.quantStats()[0].name).toBe('');
  });
});

describe('bad input', () => {
  test('errors name BitLinear and the argument', () => {
    const layer = make(4, 3);
    expect(() => layer.forward(Tensor.zeros([2, 5]))).toThrow(/BitLinear: x must be \(\.\.\., inFeatures = 4\), got \(2, 5\)/);
    expect(() => layer.forward(Tensor.scalar(1))).toThrow(/BitLinear: x must be/);
    expect(() => layer.forward(Tensor.zeros([2, 4], 'i32'))).toThrow(/BitLinear: x must be f32, got i32/);
    expect(() => make(0, 3)).toThrow(/BitLinear: inFeatures and outFeatures must be positive integers/);
    expect(() => make(4, 3, { quantizer: 'BL-X' as WeightQuantizer })).toThrow(/BitLinear: quantizer must be one of BL-T, BL-R/);
    expect(() => make(4, 3, { activations: 'int4' as ActivationQuant })).toThrow(/BitLinear: activations must be/);
    expect(() => make(4, 3, { init: { std: -1 } })).toThrow(/BitLinear: init must be/);
    expect(() => make(4, 3, { backward: 'bf16' as 'exact' })).toThrow(/BitLinear: backward must be/);
    layer.weight.f32()[2] = NaN;
    layer.weight.markModified();
    expect(() => layer.forward(Tensor.zeros([2, 4]))).toThrow(/NaN or Inf \(first at index 2\)/);
  });

  test('forwards under noGrad free their intermediates at once (no tidy needed)', () => {
    for (const activations of ['int8', 'ternary', 'none'] as ActivationQuant[]) {
      const layer = make(8, 4, { activations });
      const x = randomTensor([16, 8], 1);
      noGrad(() => layer.forward(x)).dispose();
      const before = memoryStats().liveBytes;
      for (let i = 0; i < 5; i++) noGrad(() => layer.forward(x)).dispose();
      expect(memoryStats().liveBytes).toBe(before);
    }
  });

  test('the zero-row batch and a 1-D input work', () => {
    const layer = make(4, 3);
    expect(layer.forward(Tensor.zeros([0, 4])).shape).toEqual([0, 3]);
    expect(layer.forward(Tensor.ones([4])).shape).toEqual([3]);
  });
});
