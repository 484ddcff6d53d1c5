// embedding op: gathers rows, gradcheck w.r.t. the table with repeated ids, and errors.
import { DTypeError, ShapeError } from '../../lib/errors';
import { embedding } from '../../lib/ops/embedding';
import { Tensor } from '../../lib/tensor/tensor';
import { tidy } from '../../lib/tensor/scope';
import { gradcheck, randomTensor } from '../gradcheck';

describe('embedding', () => {
  test('forward gathers rows into (…ids, C)', () => {
    tidy(() => {
      const table = Tensor.from([0, 1, 10, 11, 20, 21], [3, 2]);
      const out = embedding(table, Tensor.from([2, 0, 2, 1], [2, 2], 'i32'));
      expect(out.shape).toEqual([2, 2, 2]);
      expect(out.toArray()).toEqual([20, 21, 0, 1, 20, 21, 10, 11]);
    });
  });

  test('gradcheck w.r.t. the table with repeated ids', () => {
    const table = randomTensor([7, 5], 1);
    table.requiresGrad = true;
    const ids = Tensor.from([3, 3, 0, 6, 3, 1], [2, 3], 'i32');
    gradcheck((t) => embedding(t, ids), [table]);
  });

  test('errors name the op, the argument and the bad position', () => {
    const table = Tensor.zeros([4, 3]);
    expect(() => embedding(table, Tensor.from([0, 4], [2], 'i32'))).toThrow(/ids\[1\] = 4 is out of range \[0, 4\)/);
    expect(() => embedding(table, Tensor.from([0, 1], [2]))).toThrow(DTypeError);
    expect(() => embedding(table, Tensor.from([0, 1], [2]))).toThrow(/embedding: ids must be i32, got f32/);
    expect(() => embedding(Tensor.zeros([12]), Tensor.from([0], [1], 'i32'))).toThrow(ShapeError);
    expect(() => embedding(Tensor.zeros([12]), Tensor.from([0], [1], 'i32'))).toThrow(/embedding: table must be \(V, C\)/);
  });
});
