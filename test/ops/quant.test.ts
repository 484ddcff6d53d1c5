// The S1 quantizers on small hand-computed examples: exact codes, scales and thresholds, ties under
// round half to even, all-zero rows and tensors, the lower median of an even count, huge and tiny
// magnitudes, negative zero, and bad input.
import { quantizeWeightsRef } from '../../lib/ops/quant';
import {
  quantizeWeights as quantizeWeightsNative, quantizeActivationsI8, quantizeActivationsTernary, lowerMedianAbs, roundHalfEven,
  dequantizeWeights, defaultEps,
} from '../../lib/ops/quant';

const F = (xs: number[]) => Float32Array.from(xs);
// Every hand example runs on the native passes and on the TypeScript oracle.
const IMPLS = [['native', quantizeWeightsNative], ['ts-ref', quantizeWeightsRef]] as const;
let quantizeWeights: typeof quantizeWeightsNative = quantizeWeightsNative;
const codes = (c: Int8Array) => Array.from(c, (v) => v + 0); // +0 turns −0 into 0 for toEqual

describe('roundHalfEven (torch.round)', () => {
  test('ties go to the even neighbour, others to the nearest', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999997, 0.50000006, 126.5, -127.5].map(roundHalfEven).map((v) => v + 0))
      .toEqual([0, 2, 2, 0, -2, -2, 0, 1, 126, -128]);
  });
});

describe.each(IMPLS)('weight quantizers (%s)', (_name, impl) => {
  beforeEach(() => {
    quantizeWeights = impl;
  });

  describe('BL-T (S1: per-tensor absmean)', () => {
    // mean|W| = 12/8 = 1.5 exactly, so W/s hits the ties ±0.5 and ±1.5 exactly.
    const W = F([0.75, -0.75, 2.25, -2.25, 1.5, 0, 3, -1.5]);

    test('v4 / v6.1-C form s = mean|W| + 1e-8 (default); |W/s| = 0.5 → 0, 1.5 → ±1', () => {
      expect(defaultEps('BL-T')).toEqual({ epsForm: 'add', eps: 1e-8 });
      const q = quantizeWeights(W, 2, 4, 'BL-T');
      expect(q.scale[0]).toBe(1.5); // 1e-8 is below half an ulp of 1.5 in f32
      expect(codes(q.codes)).toEqual([0, 0, 1, -1, 1, 0, 1, -1]);
      expect(q.threshold[0]).toBe(0.75);
      expect(Array.from(dequantizeWeights(q))).toEqual([0, 0, 1.5, -1.5, 1.5, 0, 1.5, -1.5]);
    });

    test('v5 form s = max(mean|W|, 1e-5) and the add form with a visible epsilon', () => {
      expect(quantizeWeights(W, 2, 4, 'BL-T', { epsForm: 'clamp', eps: 1e-5 }).scale[0]).toBe(1.5);
      const q = quantizeWeights(W, 2, 4, 'BL-T', { epsForm: 'add', eps: 0.5 });
      expect(q.scale[0]).toBe(2);
      expect(codes(q.codes)).toEqual([0, 0, 1, -1, 1, 0, 1, -1]); // 0.375, 1.125, 0.75, 1.5, ...
    });

    test('all-zero and tiny tensors quantize to zeros with the epsilon as scale (no NaN)', () => {
      const z = quantizeWeights(new Float32Array(6), 2, 3, 'BL-T');
      expect(codes(z.codes)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(z.scale[0]).toBe(Math.fround(1e-8));
      const tiny = quantizeWeights(F([1e-9, -1e-9, 1e-40, 0]), 1, 4, 'BL-T', { epsForm: 'clamp', eps: 1e-5 });
      expect(tiny.scale[0]).toBe(Math.fround(1e-5));
      expect(codes(tiny.codes)).toEqual([0, 0, 0, 0]);
      // Without the clamp a tiny tensor is scaled by its own mean: ±1e-9 are twice the mean.
      expect(codes(quantizeWeights(F([1e-9, -1e-9, 0, 0]), 1, 4, 'BL-T', { epsForm: 'add', eps: 0 }).codes)).toEqual([1, -1, 0, 0]);
    });

    test('huge magnitudes and negative zero', () => {
      const q = quantizeWeights(F([3e38, -3e38, 1, -0]), 1, 4, 'BL-T');
      expect(q.scale[0]).toBe(Math.fround(1.5e38 + 0.25));
      expect(codes(q.codes)).toEqual([1, -1, 0, 0]);
      const d = dequantizeWeights(quantizeWeights(F([-0, -0, 1, 1]), 1, 4, 'BL-T'));
      expect(Object.is(d[0], 0)).toBe(true); // a −0 latent weight dequantizes to +0
    });

    test('NaN / Inf weights are a clear error', () => {
      expect(() => quantizeWeights(F([1, NaN, 0, 0]), 2, 2, 'BL-T')).toThrow(/BL-T.*NaN or Inf.*index 1/);
      expect(() => quantizeWeights(F([1, 2, 3]), 2, 2, 'BL-T')).toThrow(/n·k = 4.*got 3/);
    });
  });

  describe('BL-R (S1: per-row absmean, s_r = max(mean_j|W_rj|, 1e-5))', () => {
    test('each row has its own scale; an all-zero row gets the clamp and zero codes', () => {
      const q = quantizeWeights(F([1, -3, 0.5, 0.5, /* row 1 */ 0, 0, 0, 0, /* row 2 */ 0.1, -0.1, 0.05, 0.15]), 3, 4, 'BL-R');
      expect(Array.from(q.scale)).toEqual([1.25, Math.fround(1e-5), Math.fround(0.1)]);
      // Row 0: 0.8, -2.4, 0.4, 0.4. Row 2 in f32: 0.1/0.1 = 1, 0.05/0.1 = 0.5 (tie → 0), 1.5 → 1.
      expect(codes(q.codes)).toEqual([1, -1, 0, 0, 0, 0, 0, 0, 1, -1, 0, 1]);
      expect(Array.from(q.threshold)).toEqual([0.625, Math.fround(1e-5) / 2, Math.fround(0.1) / 2]);
    });
  });

  describe('BL-M (S1: lower-median threshold, no scale, clipped STE)', () => {
    test('lower median of an even count, of an odd count, with ties', () => {
      expect(lowerMedianAbs(F([-4, 1, 3, 2]))).toBe(2);
      expect(lowerMedianAbs(F([5, -1, 3]))).toBe(3);
      expect(lowerMedianAbs(F([2, -2, 2, 2, 1, 7]))).toBe(2);
      expect(lowerMedianAbs(F([-0, 0]))).toBe(0);
      // Agrees with sorting on a larger random input (quickselect's partitions).
      const r = Float32Array.from({ length: 1001 }, (_, i) => Math.sin(i * 12.9898) * 3);
      const sorted = Array.from(r, Math.abs).sort((a, b) => a - b);
      expect(lowerMedianAbs(r)).toBe(sorted[500]);
      expect(lowerMedianAbs(r.subarray(0, 1000))).toBe(Array.from(r.subarray(0, 1000), Math.abs).sort((a, b) => a - b)[499]);
    });

    test('codes sign(W)·1[|W| > α], scale 1, STE clip 1.5α', () => {
      const q = quantizeWeights(F([-4, 1, 3, 2]), 2, 2, 'BL-M');
      expect(q.threshold[0]).toBe(2);
      expect(codes(q.codes)).toEqual([-1, 0, 1, 0]); // |W| = α is not above it
      expect(q.scale[0]).toBe(1);
      expect(q.steClip).toBe(3);
      // Mostly zeros: α = 0 and every nonzero weight is coded.
      expect(codes(quantizeWeights(F([0, 0, 0, -0.001, 0, 5]), 2, 3, 'BL-M').codes)).toEqual([0, 0, 0, -1, 0, 1]);
    });
  });

  describe('BL-H (S1: mean threshold, no scale)', () => {
    test('codes sign(W)·1[|W| > mean|W|]; a weight equal to the mean gives 0', () => {
      const q = quantizeWeights(F([-4, 1, 3, 2]), 1, 4, 'BL-H');
      expect(q.threshold[0]).toBe(2.5);
      expect(codes(q.codes)).toEqual([-1, 0, 1, 0]);
      expect(codes(quantizeWeights(F([2, 2, -2, 2]), 2, 2, 'BL-H').codes)).toEqual([0, 0, 0, 0]);
    });
  });

  describe('BL-B158 weights (§9: W/(mean|W| + 1e-5), rescaled by mean|W|)', () => {
    test('the epsilon moves exact ties below 0.5; the output scale is mean|W| itself', () => {
      const q = quantizeWeights(F([0.75, -0.75, 2.25, -2.25, 1.5, 0, 3, -1.5]), 2, 4, 'BL-B158');
      expect(q.scale[0]).toBe(1.5);
      expect(q.threshold[0]).toBe(Math.fround(1.5 + 1e-5) / 2);
      expect(codes(q.codes)).toEqual([0, 0, 1, -1, 1, 0, 1, -1]);
      const z = quantizeWeights(new Float32Array(4), 2, 2, 'BL-B158');
      expect(z.scale[0]).toBe(0);
      expect(codes(z.codes)).toEqual([0, 0, 0, 0]);
    });
  });
});

describe('8-bit per-token activations (§9)', () => {
  test('s_i = max|x_i|/127, round half to even, all-zero rows stay zero', () => {
    const { q, scale } = quantizeActivationsI8(F([2.5, 1.5, 0.5, -2.5, 127, /* row 1: s = 2 */ 3, 5, -7, 254, -0, /* zeros */ 0, 0, 0, 0, 0]), 3, 5);
    expect(Array.from(scale)).toEqual([1, 2, Math.fround(Math.fround(1e-5) / 127)]);
    expect(codes(q)).toEqual([2, 2, 0, -2, 127, 2, 2, -4, 127, 0, 0, 0, 0, 0, 0]);
  });

  test('a negative absmax gives −127; huge and small rows keep their relative values; rows below ε go to 0', () => {
    const { q, scale } = quantizeActivationsI8(F([-3e38, 1.5e38, 3e-3, -1e-3, 1e-30, -2e-30]), 3, 2);
    // 1.5e38/(3e38/127) = 63.5 → 64 (even); −1e-3/(3e-3/127) = −42.33; the last row's max is below
    // ε = 1e-5, so s = ε/127 and its values round to 0 instead of blowing up.
    expect(codes(q)).toEqual([-127, 64, 127, -42, 0, 0]);
    expect(scale[0]).toBe(Math.fround(Math.fround(3e38) / 127));
  });
});

describe('ternary activations (S1, v6.1-C)', () => {
  test('per-row threshold 0.6745·mean_row|x|, per-tensor scale mean|x|', () => {
    const { codes: c, scale } = quantizeActivationsTernary(F([1, -1, 0.5, 0, /* row 1 */ 0.2, -0.1, 0, 0.1]), 2, 4);
    // Row 0: t = 0.6745·0.625 ≈ 0.4216; row 1: t = 0.6745·0.1 ≈ 0.06745.
    expect(codes(c)).toEqual([1, -1, 1, 0, 1, -1, 0, 1]);
    expect(scale).toBe(Math.fround(2.9 / 8));
    const z = quantizeActivationsTernary(new Float32Array(4), 2, 2);
    expect(codes(z.codes)).toEqual([0, 0, 0, 0]);
    expect(z.scale).toBe(0);
  });
});
