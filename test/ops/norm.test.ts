// rmsNorm and layerNorm ops: forward against plain-JS math, gradcheck w.r.t. x, weight and bias (with
// and without the affine parameters), and errors naming the op and argument.
import { DTypeError, ShapeError } from '../../lib/errors';
import { layerNorm, rmsNorm } from '../../lib/ops/norm';
import { Tensor } from '../../lib/tensor/tensor';
import { tidy } from '../../lib/tensor/scope';
import { gradcheck, randomTensor } from '../gradcheck';

const leaf = (shape: number[], seed: number, lo = -1, hi = 1) => {
  const t = randomTensor(shape, seed, lo, hi);
  t.requiresGrad = true;
  return t;
};

describe('rmsNorm', () => {
  test('forward: x / sqrt(mean(x²) + eps) · g', () => {
    tidy(() => {
      const y = rmsNorm(Tensor.from([3, 4, 0, 0], [2, 2]), Tensor.from([1, 2]), 0).toArray();
      const r = Math.sqrt(12.5);
      expect(y[0]).toBeCloseTo(3 / r, 6);
      expect(y[1]).toBeCloseTo(8 / r, 6);
      // A zero row with eps = 0 divides by zero; the default eps keeps it finite (spec S2).
      expect(rmsNorm(Tensor.zeros([1, 4]), Tensor.ones([4])).toArray()).toEqual([0, 0, 0, 0]);
    });
  });

  test.each([[[3, 8]], [[2, 3, 17]], [[1, 1]]])('gradcheck w.r.t. x and weight %j', (shape) => {
    const C = shape[shape.length - 1];
    gradcheck((a, g) => rmsNorm(a, g), [leaf(shape, 1), leaf([C], 2, 0.5, 1.5)]);
  });

  test('errors', () => {
    const x = Tensor.zeros([2, 4]);
    expect(() => rmsNorm(x, Tensor.ones([3]))).toThrow(ShapeError);
    expect(() => rmsNorm(x, Tensor.ones([3]))).toThrow(/rmsNorm: weight must be \(C\) with C = 4/);
    expect(() => rmsNorm(x, Tensor.ones([4], 'i32'))).toThrow(DTypeError);
    expect(() => rmsNorm(x, Tensor.ones([4]), -1)).toThrow(/rmsNorm: eps must be a finite number >= 0/);
    expect(() => rmsNorm(Tensor.zeros([2, 0]), Tensor.ones([0]))).toThrow(/rmsNorm: x must have at least one channel/);
  });
});

describe('layerNorm', () => {
  test('forward matches PyTorch semantics (biased variance)', () => {
    tidy(() => {
      const y = layerNorm(Tensor.from([1, 2, 3, 4], [1, 4]), Tensor.full([4], 2), Tensor.full([4], 1)).toArray();
      const sd = Math.sqrt(1.25 + 1e-5);
      [1, 2, 3, 4].forEach((v, i) => expect(y[i]).toBeCloseTo(((v - 2.5) / sd) * 2 + 1, 5));
    });
  });

  test.each([[[3, 8]], [[2, 3, 17]], [[2, 2]]])('gradcheck w.r.t. x, weight and bias %j', (shape) => {
    const C = shape[shape.length - 1];
    gradcheck((a, w, b) => layerNorm(a, w, b), [leaf(shape, 3), leaf([C], 4, 0.5, 1.5), leaf([C], 5)]);
  });

  test('gradcheck without affine parameters, and with weight only', () => {
    gradcheck((a) => layerNorm(a), [leaf([4, 9], 6)]);
    gradcheck((a, w) => layerNorm(a, w, null), [leaf([4, 9], 7), leaf([9], 8, 0.5, 1.5)]);
  });

  test('errors', () => {
    const x = Tensor.zeros([2, 4]);
    expect(() => layerNorm(x, null, Tensor.zeros([5]))).toThrow(/layerNorm: bias must be \(C\) with C = 4 .*got \(5\)/);
    expect(() => layerNorm(x, Tensor.zeros([4, 1]))).toThrow(ShapeError);
    expect(() => layerNorm(Tensor.zeros([2, 4], 'i32'))).toThrow(/layerNorm: x must be f32, got i32/);
    expect(() => layerNorm(x, null, null, NaN)).toThrow(/layerNorm: eps/);
  });
});
