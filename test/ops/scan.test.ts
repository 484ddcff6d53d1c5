// causalConv1d, cumsum and cummean: forward against plain-JS references, gradcheck on every input,
// and shape/dtype errors naming the op and argument.
import { DTypeError, ShapeError } from '../../lib/errors';
import { causalConv1d, cummean, cumsum } from '../../lib/ops/scan';
import { Tensor } from '../../lib/tensor/tensor';
import { tidy } from '../../lib/tensor/scope';
import { gradcheck, randomTensor } from '../gradcheck';

const leaf = (shape: number[], seed: number) => {
  const t = randomTensor(shape, seed);
  t.requiresGrad = true;
  return t;
};

describe('causalConv1d', () => {
  test('forward: the last tap weighs the current step, earlier taps look back, zeros before t = 0', () => {
    // B=1, T=4, C=2, K=3; channel 0 weights [1, 10, 100], channel 1 weights [0, 0, 2]
    const x = Tensor.from([1, 5, 2, 6, 3, 7, 4, 8], [1, 4, 2]);
    const w = Tensor.from([1, 10, 100, 0, 0, 2], [2, 3]);
    tidy(() => {
      expect(causalConv1d(x, w).toArray()).toEqual([100, 10, 210, 12, 321, 14, 432, 16]);
    });
  });

  test.each([
    [2, 6, 3, 3],
    [1, 4, 5, 8], // K > T: every output sees the zero padding
    [2, 5, 17, 1],
  ])('gradcheck B=%i T=%i C=%i K=%i', (B, T, C, K) => {
    const x = leaf([B, T, C], 1), w = leaf([C, K], 2);
    gradcheck((a, b) => causalConv1d(a, b), [x, w]);
  });

  test('only the inputs that need a gradient get one', () => {
    const x = randomTensor([1, 3, 2], 3), w = leaf([2, 2], 4);
    tidy(() => causalConv1d(x, w).backward(Tensor.ones([1, 3, 2])));
    expect(x.grad).toBeNull();
    expect(w.grad?.shape).toEqual([2, 2]);
  });

  test('errors name the op and argument', () => {
    const x = Tensor.zeros([1, 4, 3]);
    expect(() => causalConv1d(Tensor.zeros([4, 3]), Tensor.zeros([3, 2]))).toThrow(ShapeError);
    expect(() => causalConv1d(Tensor.zeros([4, 3]), Tensor.zeros([3, 2]))).toThrow(/causalConv1d: x must be \(B, T, C\)/);
    expect(() => causalConv1d(x, Tensor.zeros([2, 2]))).toThrow(/causalConv1d: w must be \(C, K\) with C = 3, got \(2, 2\)/);
    expect(() => causalConv1d(x, Tensor.zeros([3, 0]))).toThrow(/kernel width K/);
    expect(() => causalConv1d(x, Tensor.zeros([3, 2], 'i32'))).toThrow(DTypeError);
    expect(() => causalConv1d(x, Tensor.zeros([3, 2], 'i32'))).toThrow(/causalConv1d: w must be f32, got i32/);
  });
});

describe('cumsum / cummean', () => {
  test('forward along time (default axis 1) and along other axes', () => {
    const x = Tensor.from([1, 2, 3, 4, 5, 6], [1, 3, 2]);
    tidy(() => {
      expect(cumsum(x).toArray()).toEqual([1, 2, 4, 6, 9, 12]);
      expect(cummean(x).toArray()).toEqual([1, 2, 2, 3, 3, 4]);
      expect(cumsum(x, -1).toArray()).toEqual([1, 3, 3, 7, 5, 11]);
      expect(cumsum(x, 0).toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    });
  });

  test.each([1, 0, -1, 2])('gradcheck cumsum and cummean along axis %i', (axis) => {
    const x = leaf([2, 5, 3], 10 + axis);
    gradcheck((a) => cumsum(a, axis), [x]);
    gradcheck((a) => cummean(a, axis), [x]);
  });

  test('errors name the op and argument', () => {
    expect(() => cumsum(Tensor.zeros([2, 3], 'i32'))).toThrow(/cumsum: x must be f32, got i32/);
    expect(() => cummean(Tensor.zeros([2, 3]), 2)).toThrow(/cummean/);
  });
});
