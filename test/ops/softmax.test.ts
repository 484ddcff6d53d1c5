// softmax, logSoftmax and crossEntropy ops: forward against plain-JS math, gradcheck (cross-entropy
// with some ignored targets, every reduction), and errors naming the op and argument.
import { DTypeError, ShapeError } from '../../lib/errors';
import { crossEntropy, logSoftmax, softmax } from '../../lib/ops/softmax';
import { Tensor } from '../../lib/tensor/tensor';
import { tidy } from '../../lib/tensor/scope';
import { gradcheck, randomTensor } from '../gradcheck';

const leaf = (shape: number[], seed: number, scale = 2) => {
  const t = randomTensor(shape, seed, -scale, scale);
  t.requiresGrad = true;
  return t;
};

describe('softmax / logSoftmax', () => {
  test('forward over the last axis', () => {
    tidy(() => {
      const x = Tensor.from([1, 2, 3, 0, 0, Math.log(3)], [2, 3]);
      const p = softmax(x).toArray();
      const e = [1, Math.E, Math.E ** 2].map((v) => v / (1 + Math.E + Math.E ** 2));
      p.slice(0, 3).forEach((v, i) => expect(v).toBeCloseTo(e[i], 6));
      p.slice(3).forEach((v, i) => expect(v).toBeCloseTo([0.2, 0.2, 0.6][i], 6));
      logSoftmax(x).toArray().forEach((v, i) => expect(v).toBeCloseTo(Math.log(p[i]), 5));
    });
  });

  test.each([[[3, 5]], [[2, 3, 17]], [[1]], [[4, 1]]])('gradcheck softmax and logSoftmax %j', (shape) => {
    gradcheck((a) => softmax(a), [leaf(shape, 1)]);
    gradcheck((a) => logSoftmax(a), [leaf(shape, 2)]);
  });

  test('errors', () => {
    expect(() => softmax(Tensor.zeros([2], 'i32'))).toThrow(DTypeError);
    expect(() => softmax(Tensor.zeros([2], 'i32'))).toThrow(/softmax: x must be f32, got i32/);
    expect(() => logSoftmax(Tensor.scalar(1))).toThrow(ShapeError);
    expect(() => logSoftmax(Tensor.scalar(1))).toThrow(/logSoftmax: x must have at least 1 dimension/);
  });
});

describe('crossEntropy', () => {
  const V = 11;
  const targetsWithIgnored = () => Tensor.from([3, -100, 0, 10, 7, -100], [2, 3], 'i32');

  function nll64(logits: Tensor, targets: Tensor): number[] {
    const x = logits.f32(), t = targets.i32();
    return Array.from(t, (ti, r) => {
      if (ti === -100) return 0;
      let m = -Infinity;
      for (let j = 0; j < V; j++) m = Math.max(m, x[r * V + j]);
      let s = 0;
      for (let j = 0; j < V; j++) s += Math.exp(x[r * V + j] - m);
      return m + Math.log(s) - x[r * V + ti];
    });
  }

  test('forward: mean over non-ignored targets, sum, and per-target losses', () => {
    tidy(() => {
      const logits = randomTensor([2, 3, V], 5, -3, 3), t = targetsWithIgnored();
      const nll = nll64(logits, t);
      const total = nll.reduce((a, b) => a + b, 0);
      expect(crossEntropy(logits, t).shape).toEqual([]);
      expect(crossEntropy(logits, t).item()).toBeCloseTo(total / 4, 5);
      expect(crossEntropy(logits, t, { reduction: 'sum' }).item()).toBeCloseTo(total, 4);
      const none = crossEntropy(logits, t, { reduction: 'none' });
      expect(none.shape).toEqual([2, 3]);
      none.toArray().forEach((v, i) => expect(v).toBeCloseTo(nll[i], 5));
    });
  });

  test.each(['mean', 'sum', 'none'] as const)('gradcheck w.r.t. logits with ignored targets (%s)', (reduction) => {
    const logits = leaf([2, 3, V], 7);
    gradcheck((a) => crossEntropy(a, targetsWithIgnored(), { reduction }), [logits]);
  });

  test('custom ignoreIndex, and every target ignored gives 0 with a zero gradient', () => {
    const logits = leaf([3, V], 8);
    gradcheck((a) => crossEntropy(a, Tensor.from([0, 5, 0], [3], 'i32'), { ignoreIndex: 0 }), [logits]);
    tidy(() => {
      const loss = crossEntropy(logits, Tensor.from([-100, -100, -100], [3], 'i32'));
      expect(loss.item()).toBe(0);
      logits.grad = null;
      loss.backward();
      expect(logits.grad!.toArray().every((v) => v === 0)).toBe(true);
    });
  });

  test('errors name the op and argument', () => {
    const logits = Tensor.zeros([2, 3, V]);
    expect(() => crossEntropy(logits, Tensor.zeros([2, 3]))).toThrow(/crossEntropy: targets must be i32/);
    expect(() => crossEntropy(logits, Tensor.zeros([2, 3], 'i32'), { reduction: 'avg' as never })).toThrow(/reduction/);
    expect(() => crossEntropy(logits, Tensor.zeros([3, 2], 'i32'))).toThrow(ShapeError);
    expect(() => crossEntropy(logits, Tensor.zeros([3, 2], 'i32'))).toThrow(/crossEntropy: targets must have logits' shape/);
    expect(() => crossEntropy(logits, Tensor.full([2, 3], V, 'i32'))).toThrow(/targets\[0\] = 11 is out of range \[0, 11\)/);
    expect(() => crossEntropy(Tensor.zeros([2, 3], 'i32'), Tensor.zeros([2], 'i32'))).toThrow(/crossEntropy: logits must be f32/);
  });
});
