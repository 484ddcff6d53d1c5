// Elementwise ops: forward values against plain JS, gradcheck for every differentiable op
// (ReLU points kept away from 0, log/sqrt/rsqrt on positive inputs), broadcast cases whose
// gradients reduce to the input shapes, scalar operands, and argument errors.
import { DTypeError, ShapeError } from '../../lib/errors';
import * as ew from '../../lib/ops/elementwise';
import { Tensor } from '../../lib/tensor/tensor';
import { tidy } from '../../lib/tensor/scope';
import { gradcheck, randomTensor } from '../gradcheck';

const leaf = (shape: number[], seed: number, lo = -2, hi = 2) => randomTensor(shape, seed, lo, hi).requiresGrad_();
// Keeps |x| >= 0.1 so finite differences never straddle ReLU's kink.
function offKink(shape: number[], seed: number): Tensor {
  const t = randomTensor(shape, seed, -2, 2), d = t.f32();
  for (let i = 0; i < d.length; i++) if (Math.abs(d[i]) < 0.1) d[i] = d[i] < 0 ? -0.5 : 0.5;
  return t.requiresGrad_();
}

describe('binary ops with broadcasting', () => {
  const cases: Array<[string, number[], number[]]> = [
    ['same shape', [2, 3, 4], [2, 3, 4]],
    ['bias add (B,T,C)+(C)', [2, 3, 5], [5]],
    ['(B,1,C) with (B,T,C)', [2, 1, 5], [2, 3, 5]],
    ['outer product (N,1) with (1,M)', [4, 1], [1, 3]],
    ['0-d with a matrix', [], [3, 2]],
  ];
  test.each(cases)('%s: add, sub, mul, div pass gradcheck', (_name, as, bs) => {
    tidy(() => {
      const a = leaf(as, 1), b = leaf(bs, 2);
      gradcheck((x, y) => ew.add(x, y), [a, b]);
      gradcheck((x, y) => ew.sub(x, y), [a, b]);
      gradcheck((x, y) => ew.mul(x, y), [a, b]);
      const bPos = leaf(bs, 3, 0.5, 2); // keep the divisor away from 0
      gradcheck((x, y) => ew.div(x, y), [a, bPos]);
    });
  });

  test('forward values and the broadcast shape', () => {
    tidy(() => {
      const a = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]), b = Tensor.from([10, 20, 30], [3]);
      const y = ew.add(a, b);
      expect(y.shape).toEqual([2, 3]);
      expect(y.toArray()).toEqual([11, 22, 33, 14, 25, 36]);
      expect(ew.sub(b, a).toArray()).toEqual([9, 18, 27, 6, 15, 24]);
      expect(ew.mul(Tensor.from([2, 3], [2, 1]), b).toArray()).toEqual([20, 40, 60, 30, 60, 90]);
      expect(ew.div(a, Tensor.from([2], [1])).toArray()).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
    });
  });

  test('scalar operands on either side, with gradients', () => {
    tidy(() => {
      const x = Tensor.from([1, 2, 4], [3]);
      expect(ew.add(x, 1).toArray()).toEqual([2, 3, 5]);
      expect(ew.sub(1, x).toArray()).toEqual([0, -1, -3]);
      expect(ew.sub(x, 1).toArray()).toEqual([0, 1, 3]);
      expect(ew.mul(3, x).toArray()).toEqual([3, 6, 12]);
      expect(ew.div(x, 2).toArray()).toEqual([0.5, 1, 2]);
      expect(ew.div(8, x).toArray()).toEqual([8, 4, 2]);
      const a = leaf([2, 3], 4, 0.5, 2);
      for (const f of [(t: Tensor) => ew.add(t, 2), (t: Tensor) => ew.sub(2, t), (t: Tensor) => ew.mul(t, -1.5),
        (t: Tensor) => ew.div(t, 4), (t: Tensor) => ew.div(2, t), (t: Tensor) => ew.mulScalar(t, 3), (t: Tensor) => ew.addScalar(t, -1)]) {
        gradcheck(f, [a]);
      }
    });
  });

  test('errors name the op and argument', () => {
    tidy(() => {
      const a = Tensor.zeros([2, 3]);
      expect(() => ew.add(a, Tensor.zeros([4]))).toThrow(ShapeError);
      expect(() => ew.add(a, Tensor.zeros([4]))).toThrow(/add: shapes \(2, 3\) and \(4\) cannot be broadcast/);
      expect(() => ew.mul(a, Tensor.zeros([3], 'i32'))).toThrow(DTypeError);
      expect(() => ew.mul(a, Tensor.zeros([3], 'i32'))).toThrow(/mul: b must be f32, got i32/);
      expect(() => ew.div(a, Infinity)).toThrow(/div: the scalar operand must be finite/);
      expect(() => ew.swiglu(a, Tensor.zeros([3, 2]))).toThrow(/swiglu: up must have gate's shape \(2, 3\), got \(3, 2\)/);
      expect(() => ew.silu(Tensor.zeros([2], 'i32'))).toThrow(/silu: x must be f32/);
    });
  });
});

describe('unary ops', () => {
  const sig = (x: number) => 1 / (1 + Math.exp(-x));
  const smooth: Array<[string, (t: Tensor) => Tensor, (x: number) => number]> = [
    ['silu', ew.silu, (x) => x * sig(x)],
    ['gelu', ew.gelu, (x) => x * 0.5 * (1 + erf(x / Math.SQRT2))],
    ['sigmoid', ew.sigmoid, sig],
    ['tanh', ew.tanh, Math.tanh],
    ['exp', ew.exp, Math.exp],
    ['neg', ew.neg, (x) => -x],
    ['square', ew.square, (x) => x * x],
  ];
  test.each(smooth)('%s: forward matches JS and passes gradcheck', (_name, f, ref) => {
    tidy(() => {
      const x = leaf([3, 7], 11);
      const y = f(x).f32(), xd = x.f32();
      for (let i = 0; i < xd.length; i++) expect(y[i]).toBeCloseTo(ref(xd[i]), 5);
      gradcheck(f, [x]);
    });
  });

  test.each([['relu', ew.relu], ['relu2', ew.relu2]] as Array<[string, (t: Tensor) => Tensor]>)('%s: gradcheck off the kink', (_n, f) => {
    tidy(() => {
      const x = offKink([4, 9], 5);
      const y = f(x).f32(), xd = x.f32();
      for (let i = 0; i < xd.length; i++) expect(y[i]).toBeCloseTo(xd[i] > 0 ? (f === ew.relu ? xd[i] : xd[i] ** 2) : 0, 6);
      gradcheck(f, [x]);
    });
  });

  test.each([['log', ew.log, Math.log], ['sqrt', ew.sqrt, Math.sqrt], ['rsqrt', ew.rsqrt, (x: number) => 1 / Math.sqrt(x)]] as Array<
    [string, (t: Tensor) => Tensor, (x: number) => number]
  >)('%s on positive inputs: forward and gradcheck', (_n, f, ref) => {
    tidy(() => {
      const x = leaf([3, 5], 9, 0.5, 3);
      const y = f(x).f32(), xd = x.f32();
      for (let i = 0; i < xd.length; i++) expect(y[i]).toBeCloseTo(ref(xd[i]), 5);
      gradcheck(f, [x]);
    });
  });

  test('swiglu equals mul(silu(gate), up), and its gradients pass gradcheck', () => {
    tidy(() => {
      const gate = leaf([2, 3, 8], 21), up = leaf([2, 3, 8], 22);
      const fused = ew.swiglu(gate, up).toArray(), composed = ew.mul(ew.silu(gate), up).toArray();
      fused.forEach((v, i) => expect(v).toBeCloseTo(composed[i], 6));
      gradcheck((g, u) => ew.swiglu(g, u), [gate, up]);
    });
  });

  test('chains reuse gradients: a small FFN-like graph', () => {
    tidy(() => {
      const x = leaf([2, 4, 6], 31), bias = leaf([6], 32), scale = leaf([2, 1, 6], 33);
      gradcheck((a, b, s) => ew.mul(ew.gelu(ew.add(a, b)), ew.sigmoid(s)), [x, bias, scale]);
    });
  });
});

// erf for the JS forward check (Abramowitz-Stegun 7.1.26 is too coarse; use the series + erfc CF).
function erf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x);
  if (a < 3) {
    let term = a, sum = a;
    for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
      term *= (2 * a * a) / (2 * n + 1);
      sum += term;
    }
    return s * (2 / Math.sqrt(Math.PI)) * Math.exp(-a * a) * sum;
  }
  let f = a;
  for (let k = 80; k >= 1; k--) f = a + k / 2 / f;
  return s * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / f);
}
