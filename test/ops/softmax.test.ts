// softmax, logSoftmax and crossEntropy: values against float64 math, gradients by finite
// differences, ignored targets, and errors.
import { crossEntropy, logSoftmax, softmax } from '../../lib/ops/softmax';
import { Tensor } from '../../lib/tensor/tensor';
import { gradcheck, randomTensor } from '../gradcheck';

function logSumExp(row: ArrayLike<number>): number {
  const m = Math.max(...Array.from(row));
  return m + Math.log(Array.from(row).reduce((s, v) => s + Math.exp(v - m), 0));
}

describe('softmax and logSoftmax', () => {
  test('values match float64 math on odd row lengths', () => {
    for (const C of [1, 7, 33]) {
      const x = randomTensor([3, C], C, -4, 4);
      const p = softmax(x).f32(), lp = logSoftmax(x).f32();
      for (let r = 0; r < 3; r++) {
        const row = x.f32().subarray(r * C, (r + 1) * C);
        const lse = logSumExp(row);
        for (let c = 0; c < C; c++) {
          expect(p[r * C + c]).toBeCloseTo(Math.exp(row[c] - lse), 6);
          expect(lp[r * C + c]).toBeCloseTo(row[c] - lse, 5);
        }
      }
    }
  });

  test('gradients', () => {
    gradcheck(softmax, [randomTensor([2, 3, 5], 1, -2, 2).requiresGrad_()]);
    gradcheck(logSoftmax, [randomTensor([4, 6], 2, -2, 2).requiresGrad_()]);
  });
});

describe('crossEntropy', () => {
  test('mean over non-ignored targets equals float64 math', () => {
    const logits = randomTensor([2, 3, 5], 3, -3, 3);
    const targets = Tensor.from([0, 4, -100, 2, 1, 3], [2, 3], 'i32');
    const l = logits.f32(), t = targets.i32();
    let sum = 0, count = 0;
    for (let r = 0; r < 6; r++) {
      if (t[r] === -100) continue;
      const row = l.subarray(r * 5, r * 5 + 5);
      sum += logSumExp(row) - row[t[r]];
      count++;
    }
    expect(crossEntropy(logits, targets).item()).toBeCloseTo(sum / count, 5);
    expect(crossEntropy(logits, targets, { reduction: 'sum' }).item()).toBeCloseTo(sum, 4);
  });

  test('gradient w.r.t. logits, with an ignored target, for both reductions', () => {
    const targets = Tensor.from([1, -100, 0, 6, 3, 2], [2, 3], 'i32');
    gradcheck((x) => crossEntropy(x, targets), [randomTensor([2, 3, 7], 4, -2, 2).requiresGrad_()]);
    gradcheck((x) => crossEntropy(x, targets, { reduction: 'sum' }), [randomTensor([2, 3, 7], 5, -2, 2).requiresGrad_()]);
  });

  test('bad targets and shapes are clear errors', () => {
    const logits = Tensor.zeros([2, 4]);
    expect(() => crossEntropy(logits, Tensor.from([0, 4], [2], 'i32'))).toThrow(/crossEntropy/);
    expect(() => crossEntropy(logits, Tensor.from([0, 1], [2]))).toThrow(/targets must be i32/);
    expect(() => crossEntropy(logits, Tensor.from([0, 1, 2], [3], 'i32'))).toThrow(/targets must have shape \(2\)/);
  });
});
