// The quant kernel family (native/src/kernels/quant) against the TypeScript oracles in lib/ops/quant.ts:
// codes, scales and thresholds bit for bit on odd shapes at 1 and 2 threads (the passes are scalar, so
// there is no ISA to switch; quantDot, which uses the reduce family's vector dot, is checked at each ISA),
// the small backward passes, and argument errors naming the function.
import { native } from '../../lib/native';
import {
  WEIGHT_QUANTIZERS, dequantizeWeights, quantizeActivationsI8, quantizeActivationsI8Ref, quantizeActivationsTernary,
  quantizeActivationsTernaryRef, quantizeWeights as quantizeWeightsNative, quantizeWeightsRef,
} from '../../lib/ops/quant';
import { rng, withIsa } from './util';

describe('native quant passes equal the TypeScript oracle bit for bit', () => {
  const rand = (len: number, seed: number) => {
    let a = seed >>> 0;
    return Float32Array.from({ length: len }, () => {
      a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
      return (a / 2 ** 32 - 0.5) * 0.2;
    });
  };
  test.each(WEIGHT_QUANTIZERS)('%s on odd shapes, 1 and 2 threads, with the fused dequantization', (q) => {
    for (const [n, k] of [[1, 1], [7, 3], [17, 33], [31, 64], [64, 1000]] as const) {
      const w = rand(n * k, n * 131 + k);
      if (n * k > 4) w[3] = 0.5 * w[2]; // a few exact ties for the absmean rules
      const ref = quantizeWeightsRef(w, n, k, q);
      for (const threads of [1, 2]) {
        withIsa(native.info().isa, threads, () => {
          const deq = new Float32Array(n * k);
          const got = quantizeWeightsNative(w, n, k, q, {}, deq);
          expect(Array.from(got.codes)).toEqual(Array.from(ref.codes));
          expect(Array.from(got.scale)).toEqual(Array.from(ref.scale));
          expect(Array.from(got.threshold)).toEqual(Array.from(ref.threshold));
          expect(got.steClip).toBe(ref.steClip);
          expect(Array.from(deq)).toEqual(Array.from(dequantizeWeights(ref)));
        });
      }
    }
  });

  test('int8 activations (the ternary family\'s SIMD quantizer) on odd shapes with ties and all-zero rows, 1 and 2 threads', () => {
    for (const [m, k] of [[1, 1], [3, 7], [33, 17], [100, 192], [5, 1000]] as const) {
      const x = rand(m * k, 3 * m + k);
      if (k >= 7) {
        x.subarray(0, 7).set([127, 0.5, 1.5, 2.5, -2.5, -0.5, 126.5]); // exact ties at s = 1
        if (m > 2) x.subarray(k, 2 * k).fill(0);
      }
      const ref = quantizeActivationsI8Ref(x, m, k);
      for (const threads of [1, 2]) {
        withIsa(native.info().isa, threads, () => {
          const got = quantizeActivationsI8(x, m, k);
          expect(Array.from(got.q)).toEqual(Array.from(ref.q));
          expect(Array.from(got.scale)).toEqual(Array.from(ref.scale));
        });
      }
      if (k >= 7) expect(Array.from(ref.q.subarray(0, 7))).toEqual([127, 0, 2, 2, -2, 0, 126]);
    }
  });

  test('ternary activations on odd shapes, 1 and 2 threads', () => {
    for (const [m, k] of [[1, 1], [3, 7], [33, 17], [100, 192]] as const) {
      const x = rand(m * k, m + 7 * k);
      const ref = quantizeActivationsTernaryRef(x, m, k);
      for (const threads of [1, 2]) {
        withIsa(native.info().isa, threads, () => {
          const got = quantizeActivationsTernary(x, m, k);
          expect(Array.from(got.codes)).toEqual(Array.from(ref.codes));
          expect(got.scale).toBe(ref.scale);
        });
      }
    }
  });

  test('the small backward passes: dequantize rows, STE clip, dot', () => {
    const q = Int8Array.of(1, -128, 127, 0, 5, -5);
    const out = new Float32Array(6);
    native.quantDequantizeRowsI8(q, Float32Array.of(0.5, 2), 2, 3, out);
    expect(Array.from(out)).toEqual([0.5, -64, 63.5, 0, 10, -10]);
    const g = Float32Array.of(1, 2, 3, 4);
    native.quantSteClip(g, Float32Array.of(-3, 2.9, NaN, -0), 3);
    expect(Array.from(g)).toEqual([0, 2, 0, 4]);
    const a = Float32Array.from({ length: 200000 }, (_, i) => (i % 7) - 3);
    expect(native.quantDot(a, a)).toBe(Array.from(a).reduce((s, v) => s + v * v, 0));
  });

  test('quantDot on random data at every ISA (the vector dot of the reduce family, float64 sums), odd lengths', () => {
    for (const isa of native.info().availableIsas) {
      for (const n of [1, 7, 33, 1000, 70001, 200003]) {
        withIsa(isa, 2, () => {
          const r = rng(n), a = Float32Array.from({ length: n }, () => 2 * r() - 1), b = Float32Array.from({ length: n }, () => 2 * r() - 1);
          let want = 0, mag = 0;
          for (let i = 0; i < n; i++) want += a[i] * b[i], mag += Math.abs(a[i] * b[i]);
          expect(Math.abs(native.quantDot(a, b) - want)).toBeLessThanOrEqual(1e-13 * mag);
        });
      }
    }
  });

  test('bad arguments are TypeError / RangeError naming the function and argument', () => {
    expect(() => quantizeActivationsI8(Float32Array.of(1, 2, 3, NaN), 2, 2)).toThrow(/quantizeActivationsI8: x\[3\] is not finite/);
    const w = new Float32Array(6);
    expect(() => native.quantRowAbsSums(w, 2, 4, new Float64Array(2))).toThrow(/quantRowAbsSums: w/);
    expect(() => native.quantAbsmeanCodes(w, 2, 3, Float32Array.of(1), Float32Array.of(1), true, new Int8Array(6), null))
      .toThrow(/quantAbsmeanCodes: div/);
    expect(() => native.quantThresholdCodes(w, 0, new Int8Array(5), null)).toThrow(/quantThresholdCodes: codes/);
    expect(() => native.quantLowerMedianAbs(new Float32Array(0))).toThrow(/quantLowerMedianAbs: w must not be empty/);
    expect(() => native.quantDot(w, new Float32Array(2))).toThrow(/quantDot: b/);
    expect(() => native.quantDequantizeRowsI8(new Int8Array(6), new Float32Array(1), 2, 3, new Float32Array(6))).toThrow(/scale/);
    expect(() => (native.quantSteClip as (...a: unknown[]) => void)(new Int32Array(2), w, 1)).toThrow(/quantSteClip: grad must be a Float32Array/);
  });
});
