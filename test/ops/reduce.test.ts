// Reduction ops: forward values against plain JS, shapes with and without keepDim, gradcheck for
// sum, mean and max (max on distinct values so the argmax is stable under the finite-difference step).
import { ShapeError } from '../../lib/errors';
import { argmax, max, mean, sum } from '../../lib/ops/reduce';
import { Tensor } from '../../lib/tensor/tensor';
import { tidy } from '../../lib/tensor/scope';
import { gradcheck, randomTensor } from '../gradcheck';

describe('reduce ops', () => {
  test('sum, mean, max values and shapes over each axis', () => {
    tidy(() => {
      const x = Tensor.from([1, 5, 3, 4, 2, 6], [2, 3]);
      expect(sum(x).shape).toEqual([]);
      expect(sum(x).item()).toBe(21);
      expect(sum(x, 0).toArray()).toEqual([5, 7, 9]);
      expect(sum(x, -1, true).shape).toEqual([2, 1]);
      expect(sum(x, -1, true).toArray()).toEqual([9, 12]);
      expect(mean(x).item()).toBe(3.5);
      expect(mean(x, 1).toArray()).toEqual([3, 4]);
      expect(mean(x, undefined, true).shape).toEqual([1, 1]);
      expect(max(x).item()).toBe(6);
      expect(max(x, 0).toArray()).toEqual([4, 5, 6]);
      expect(max(x, 1, true).toArray()).toEqual([5, 6]);
      expect(argmax(x, 1).toArray()).toEqual([1, 2]);
      expect(argmax(x, 1).dtype).toBe('i32');
    });
  });

  test.each([[undefined], [0], [1], [-1]])('sum and mean over axis %p pass gradcheck (keepDim both ways)', (axis) => {
    tidy(() => {
      const x = randomTensor([3, 4, 5], 7).requiresGrad_();
      for (const keep of [false, true]) {
        gradcheck((t) => sum(t, axis, keep), [x]);
        gradcheck((t) => mean(t, axis, keep), [x]);
      }
    });
  });

  test.each([[undefined], [0], [1], [2]])('max over axis %p passes gradcheck', (axis) => {
    tidy(() => {
      // A shuffled ramp: distinct values 0.05 apart, so a 5e-3 step never changes the argmax.
      const n = 60, x = Tensor.empty([3, 4, 5]), d = x.f32();
      for (let i = 0; i < n; i++) d[i] = ((i * 37) % n) * 0.05 - 1.5;
      x.requiresGrad_();
      gradcheck((t) => max(t, axis), [x], { eps: 1e-3 });
    });
  });

  test('max sends the gradient to the first maximum on ties', () => {
    tidy(() => {
      const x = Tensor.from([1, 3, 3, 2], [4]).requiresGrad_();
      max(x).backward();
      expect(x.grad!.toArray()).toEqual([0, 1, 0, 0]);
    });
  });

  test('errors name the op and argument', () => {
    tidy(() => {
      const x = Tensor.zeros([2, 3]);
      expect(() => sum(x, 2)).toThrow(ShapeError);
      expect(() => sum(x, 2)).toThrow(/sum: axis must be an integer in \[-2, 1\], got 2/);
      expect(() => max(Tensor.zeros([2, 0]), 1)).toThrow(/max: cannot reduce an empty axis/);
      expect(() => mean(Tensor.zeros([2], 'i32'))).toThrow(/mean: x must be f32, got i32/);
    });
  });
});
