// matmul and linear: values against a float64 loop, gradients by finite differences, shape errors.
import { ShapeError } from '../../lib/errors';
import { linear, matmul } from '../../lib/ops/matmul';
import { Tensor } from '../../lib/tensor/tensor';
import { gradcheck, randomTensor } from '../gradcheck';

function matmulRef(a: Float32Array, b: Float32Array, M: number, K: number, N: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
      out.push(s);
    }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i])));
  }
}

describe('matmul', () => {
  test('2-D product equals a float64 loop', () => {
    const a = randomTensor([7, 5], 1), b = randomTensor([5, 3], 2);
    expectClose(matmul(a, b).f32(), matmulRef(a.f32(), b.f32(), 7, 5, 3));
  });

  test('shared right operand across a batch', () => {
    const a = randomTensor([2, 3, 4], 3), b = randomTensor([4, 5], 4);
    const y = matmul(a, b);
    expect(y.shape).toEqual([2, 3, 5]);
    expectClose(y.f32(), matmulRef(a.f32(), b.f32(), 6, 4, 5));
  });

  test('batched right operand', () => {
    const a = randomTensor([2, 3, 4], 5), b = randomTensor([2, 4, 5], 6);
    const y = matmul(a, b).f32();
    for (let n = 0; n < 2; n++) {
      expectClose(y.subarray(n * 15, (n + 1) * 15), matmulRef(a.f32().subarray(n * 12), b.f32().subarray(n * 20), 3, 4, 5));
    }
  });

  test('gradients: shared and batched', () => {
    gradcheck(matmul, [randomTensor([2, 3, 4], 7).requiresGrad_(), randomTensor([4, 5], 8).requiresGrad_()]);
    gradcheck(matmul, [randomTensor([2, 3, 4], 9).requiresGrad_(), randomTensor([2, 4, 5], 10).requiresGrad_()]);
  });

  test('shape errors name the argument', () => {
    expect(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))).toThrow(/b.shape\[0\] must equal a.shape\[1\] \(3\), got 4/);
    expect(() => matmul(Tensor.zeros([3]), Tensor.zeros([3, 2]))).toThrow(ShapeError);
    expect(() => matmul(Tensor.zeros([2, 2, 3]), Tensor.zeros([3, 3, 2]))).toThrow(/leading dimensions/);
    expect(() => matmul(Tensor.zeros([2, 3], 'i32'), Tensor.zeros([3, 2]))).toThrow(/a must be f32/);
  });
});

describe('linear', () => {
  test('y = x·Wᵀ with W stored (out, in)', () => {
    const x = randomTensor([2, 3, 4], 11), w = randomTensor([6, 4], 12);
    const y = linear(x, w);
    expect(y.shape).toEqual([2, 3, 6]);
    const wt = new Float32Array(24);
    for (let o = 0; o < 6; o++) for (let i = 0; i < 4; i++) wt[i * 6 + o] = w.f32()[o * 4 + i];
    expectClose(y.f32(), matmulRef(x.f32(), wt, 6, 4, 6));
  });

  test('gradients w.r.t. input and weight', () => {
    gradcheck(linear, [randomTensor([3, 5, 7], 13).requiresGrad_(), randomTensor([4, 7], 14).requiresGrad_()]);
  });

  test('shape errors', () => {
    expect(() => linear(Tensor.zeros([2, 5]), Tensor.zeros([3, 4]))).toThrow(/x.shape\[1\] must equal weight.shape\[1\] \(4\), got 5/);
    expect(() => linear(Tensor.zeros([2, 4]), Tensor.zeros([4]))).toThrow(/weight must be 2-D/);
  });
});
