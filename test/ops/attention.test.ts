// causalAttention, attentionProbs and rope: values against float64 math, gradients by finite
// differences (both layouts: (B, T, H, D) and (B, T, C) + heads), and input errors.
import { attentionProbs, causalAttention, rope } from '../../lib/ops/attention';
import { native } from '../../lib/native';
import { Tensor } from '../../lib/tensor/tensor';
import { gradcheck, randomTensor } from '../gradcheck';

// (B, T, H, D) flat index.
const at = (T: number, H: number, D: number, b: number, t: number, h: number, d: number) => ((b * T + t) * H + h) * D + d;

// Naive float64 causal attention.
function naive(q: Float32Array, k: Float32Array, v: Float32Array, B: number, T: number, H: number, D: number, scale: number) {
  const o = new Float64Array(q.length), P = new Float64Array(B * H * T * T);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        const s: number[] = [];
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[at(T, H, D, b, i, h, d)] * k[at(T, H, D, b, j, h, d)];
          s.push(dot * scale);
        }
        const m = Math.max(...s), e = s.map((x) => Math.exp(x - m)), z = e.reduce((a, c) => a + c, 0);
        e.forEach((x, j) => (P[((b * H + h) * T + i) * T + j] = x / z));
        for (let d = 0; d < D; d++)
          o[at(T, H, D, b, i, h, d)] = e.reduce((acc, x, j) => acc + (x / z) * v[at(T, H, D, b, j, h, d)], 0);
      }
  return { o, P };
}

describe('causalAttention', () => {
  test.each([
    [1, 1, 1, 4], [2, 7, 3, 8], [1, 33, 2, 16],
  ])('B=%i T=%i H=%i D=%i matches float64 math, default scale 1/sqrt(D)', (B, T, H, D) => {
    const [q, k, v] = [1, 2, 3].map((s) => randomTensor([B, T, H, D], s * 10 + T, -1.5, 1.5));
    const want = naive(q.f32(), k.f32(), v.f32(), B, T, H, D, 1 / Math.sqrt(D)).o;
    const got = causalAttention(q, k, v).f32();
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-5);
  });

  test('(B, T, C) with heads equals the (B, T, H, D) view', () => {
    const [q, k, v] = [4, 5, 6].map((s) => randomTensor([2, 9, 12], s));
    const flat = causalAttention(q, k, v, { heads: 3, scale: 0.4 });
    const split = causalAttention(q.reshape([2, 9, 3, 4]), k.reshape([2, 9, 3, 4]), v.reshape([2, 9, 3, 4]), { scale: 0.4 });
    expect(flat.shape).toEqual([2, 9, 12]);
    expect(flat.f32()).toEqual(split.f32());
  });

  test.each(native.info().availableIsas)('gradients (%s)', (isa) => {
    const before = native.info().isa;
    native.setIsa(isa);
    try {
      const [q, k, v] = [7, 8, 9].map((s) => randomTensor([2, 5, 2, 3], s, -1.5, 1.5).requiresGrad_());
      gradcheck((a, b, c) => causalAttention(a, b, c), [q, k, v]);
      const [q2, k2, v2] = [1, 2, 3].map((s) => randomTensor([1, 17, 8], s, -1, 1).requiresGrad_());
      gradcheck((a, b, c) => causalAttention(a, b, c, { heads: 2, scale: 0.9 }), [q2, k2, v2], { maxElements: 60 });
    } finally {
      native.setIsa(before);
    }
  });

  test('only the inputs that require grad receive one', () => {
    const q = randomTensor([1, 4, 1, 2], 1).requiresGrad_(), k = randomTensor([1, 4, 1, 2], 2), v = randomTensor([1, 4, 1, 2], 3);
    causalAttention(q, k, v).backward(Tensor.ones([1, 4, 1, 2]));
    expect(q.grad).not.toBeNull();
    expect(k.grad).toBeNull();
    expect(v.grad).toBeNull();
  });

  test('bad inputs are clear errors', () => {
    const x = Tensor.zeros([1, 3, 2, 4]);
    expect(() => causalAttention(x, x, Tensor.zeros([1, 3, 2, 5]))).toThrow(/causalAttention: v must have the shape of q \(1, 3, 2, 4\), got \(1, 3, 2, 5\)/);
    expect(() => causalAttention(x, Tensor.zeros([1, 3, 2, 4], 'i32'), x)).toThrow(/causalAttention: k must be f32, got i32/);
    expect(() => causalAttention(Tensor.zeros([3, 8]), Tensor.zeros([3, 8]), Tensor.zeros([3, 8]))).toThrow(
      /causalAttention: q must be \(B, T, H, D\) or \(B, T, C\), got \(3, 8\)/);
    const flat = Tensor.zeros([1, 3, 8]);
    expect(() => causalAttention(flat, flat, flat)).toThrow(/pass \{ heads \}/);
    expect(() => causalAttention(flat, flat, flat, { heads: 3 })).toThrow(/heads must be a positive integer dividing C \(8\), got 3/);
    expect(() => causalAttention(x, x, x, { heads: 3 })).toThrow(/heads \(3\) must equal q.shape\[2\] \(2\)/);
    expect(() => causalAttention(x, x, x, { scale: Infinity })).toThrow(/scale must be a finite number/);
  });
});

describe('attentionProbs', () => {
  test('rows are the causal softmax, zeros above the diagonal', () => {
    const q = randomTensor([1, 6, 8], 1), k = randomTensor([1, 6, 8], 2);
    const p = attentionProbs(q, k, { heads: 2 });
    expect(p.shape).toEqual([1, 2, 6, 6]);
    const want = naive(q.f32(), k.f32(), k.f32(), 1, 6, 2, 4, 0.5).P;
    p.f32().forEach((x, i) => expect(Math.abs(x - want[i])).toBeLessThan(1e-6));
  });
});

describe('rope', () => {
  test('matches float64 rotate-half at an offset start, and the (B, T, C) layout', () => {
    const B = 2, T = 5, H = 2, D = 6, start = 3, base = 100;
    const x = randomTensor([B, T, H * D], 3);
    const y = rope(x, { heads: H, base, start }).f32(), xs = x.f32();
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let h = 0; h < H; h++)
          for (let i = 0; i < D / 2; i++) {
            const a = (start + t) * Math.pow(base, (-2 * i) / D), c = Math.cos(a), s = Math.sin(a);
            const x1 = xs[at(T, H, D, b, t, h, i)], x2 = xs[at(T, H, D, b, t, h, i + D / 2)];
            expect(Math.abs(y[at(T, H, D, b, t, h, i)] - (x1 * c - x2 * s))).toBeLessThan(1e-6);
            expect(Math.abs(y[at(T, H, D, b, t, h, i + D / 2)] - (x2 * c + x1 * s))).toBeLessThan(1e-6);
          }
  });

  test('starting at s equals the tail of a longer sequence (generation with a KV cache)', () => {
    const x = randomTensor([1, 10, 1, 8], 4);
    const full = rope(x).f32();
    const tail = rope(Tensor.from(x.f32().subarray(6 * 8), [1, 4, 1, 8]), { start: 6 }).f32();
    expect(tail).toEqual(full.subarray(6 * 8));
  });

  test('gradients', () => {
    gradcheck((x) => rope(x, { base: 50 }), [randomTensor([2, 7, 3, 4], 5).requiresGrad_()]);
    gradcheck((x) => rope(x, { heads: 2, start: 100 }), [randomTensor([1, 3, 20], 6).requiresGrad_()]);
  });

  test('bad inputs are clear errors', () => {
    expect(() => rope(Tensor.zeros([1, 2, 3, 5]))).toThrow(/rope: head dim D must be even.*got 5/);
    expect(() => rope(Tensor.zeros([1, 2, 3, 4]), { base: 0 })).toThrow(/rope: base must be a finite number > 0/);
    expect(() => rope(Tensor.zeros([1, 2, 3, 4]), { start: -1 })).toThrow(/rope: start must be an integer >= 0/);
    expect(() => rope(Tensor.zeros([1, 2, 3, 4], 'i32'))).toThrow(/rope: x must be f32, got i32/);
  });
});
