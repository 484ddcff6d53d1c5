// Reduce kernels: sum/mean/max over an axis of (outer, n, inner), the full sum and the backward
// helpers, on every ISA and 1/2 threads, against float64 JS references; results must not depend on
// the thread count; argument errors name the function and argument.
import { native } from '../../lib/native';
import { seededRandom } from '../gradcheck';
import { expectThrows, withIsa } from './util';

const ISAS = native.info().availableIsas;
// Sums accumulate in float64 and round once, so they are within 1 ulp of the float64 sum.
const SUM_REL = 1.2e-7;
const SUM_ABS = 1e-12;

function randomArray(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

function refAxis(x: Float32Array, outer: number, n: number, inner: number) {
  const sum = new Float64Array(outer * inner), max = new Float32Array(outer * inner), idx = new Int32Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let s = 0, best = x[o * n * inner + j], bi = 0;
      for (let a = 0; a < n; a++) {
        const v = x[(o * n + a) * inner + j];
        s += v;
        if (v > best || (Number.isNaN(v) && !Number.isNaN(best))) (best = v), (bi = a);
      }
      sum[o * inner + j] = s;
      max[o * inner + j] = best;
      idx[o * inner + j] = bi;
    }
  }
  return { sum, max, idx };
}

// (outer, n, inner): reductions along rows (inner 1), along strided columns, tails of both.
const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1], [3, 7, 1], [2, 15, 1], [5, 16, 1], [1, 17, 1], [4, 31, 1], [2, 33, 1], [3, 1000, 1], [1, 70001, 1],
  [2, 5, 7], [3, 4, 16], [2, 3, 17], [1, 9, 33], [2, 6, 300], [3, 40, 1000], [700, 3, 70], [1, 1, 9],
];

describe('reduceAxis', () => {
  test.each(SHAPES)('(outer %i, n %i, inner %i): sum, mean, max on every ISA and thread count', (outer, n, inner) => {
    const x = randomArray(outer * n * inner, outer * 131 + n * 7 + inner);
    const ref = refAxis(x, outer, n, inner);
    const first: Record<string, Float32Array> = {};
    for (const isa of ISAS) {
      for (const threads of [1, 2]) {
        withIsa(isa, threads, () => {
          const sum = new Float32Array(outer * inner), mean = new Float32Array(outer * inner);
          const max = new Float32Array(outer * inner), idx = new Int32Array(outer * inner);
          native.reduceAxis('sum', x, outer, n, inner, sum);
          native.reduceAxis('mean', x, outer, n, inner, mean);
          native.reduceAxis('max', x, outer, n, inner, max, idx);
          for (let k = 0; k < outer * inner; k++) {
            expect(Math.abs(sum[k] - ref.sum[k])).toBeLessThanOrEqual(SUM_ABS + SUM_REL * Math.abs(ref.sum[k]));
            expect(Math.abs(mean[k] - ref.sum[k] / n)).toBeLessThanOrEqual(SUM_ABS + SUM_REL * Math.abs(ref.sum[k] / n));
          }
          expect(max).toEqual(ref.max);
          expect(idx).toEqual(ref.idx);
          // Same ISA, other thread count: bit-identical.
          if (first[isa] === undefined) first[isa] = sum;
          else expect(sum).toEqual(first[isa]);
        });
      }
    }
  });

  test('max: ties go to the first index, NaN wins, -inf rows work', () => {
    const rows = [
      [1, 3, 3, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // tie -> 1
      [1, 2, NaN, 5, NaN, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], // first NaN -> 2
      Array(19).fill(-Infinity), // all equal -> 0
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NaN], // NaN in the tail -> 18
    ];
    const x = Float32Array.from(rows.flat());
    for (const isa of ISAS) {
      withIsa(isa, 1, () => {
        const out = new Float32Array(4), idx = new Int32Array(4);
        native.reduceAxis('max', x, 4, 19, 1, out, idx);
        expect(Array.from(idx)).toEqual([1, 2, 0, 18]);
        expect(out[0]).toBe(3);
        expect(Number.isNaN(out[1]) && Number.isNaN(out[3])).toBe(true);
        // The same data as columns: (1, 19, 4) after a transpose.
        const xt = new Float32Array(76);
        for (let r = 0; r < 4; r++) for (let a = 0; a < 19; a++) xt[a * 4 + r] = x[r * 19 + a];
        native.reduceAxis('max', xt, 1, 19, 4, out, idx);
        expect(Array.from(idx)).toEqual([1, 2, 0, 18]);
      });
    }
  });

  test('mean over an empty axis is NaN, sum is 0', () => {
    const out = new Float32Array(2);
    native.reduceAxis('mean', new Float32Array(0), 2, 0, 1, out);
    expect(Number.isNaN(out[0])).toBe(true);
    native.reduceAxis('sum', new Float32Array(0), 1, 0, 2, out);
    expect(Array.from(out)).toEqual([0, 0]);
  });
});

describe('sumAll', () => {
  test('float64-accurate, identical for every thread count', () => {
    for (const n of [0, 1, 7, 33, 1000, 70001, 300007]) {
      const x = randomArray(n, n);
      let want = 0;
      for (const v of x) want += v;
      for (const isa of ISAS) {
        const one = withIsa(isa, 1, () => native.sumAll(x)), two = withIsa(isa, 2, () => native.sumAll(x));
        expect(two).toBe(one);
        expect(Math.abs(one - want)).toBeLessThan(1e-9);
      }
    }
  });

  test('one large value and many small ones: no float32 absorption', () => {
    const x = new Float32Array(1 << 20).fill(1e-4);
    x[0] = 1e4;
    for (const isa of ISAS) expect(withIsa(isa, 2, () => native.sumAll(x))).toBeCloseTo(1e4 + ((1 << 20) - 1) * Math.fround(1e-4), 6);
  });
});

describe('backward helpers', () => {
  test('expandAxis repeats the scaled gradient along the axis', () => {
    const g = Float32Array.from([1, 2, 3, 4, 5, 6]); // (outer 2, inner 3)
    const gi = new Float32Array(2 * 4 * 3);
    native.expandAxis(g, 2, 4, 3, 0.5, gi);
    for (let o = 0; o < 2; o++) for (let a = 0; a < 4; a++) for (let j = 0; j < 3; j++) expect(gi[(o * 4 + a) * 3 + j]).toBe(0.5 * g[o * 3 + j]);
  });

  test('maxBackward puts each gradient at its argmax and zeros elsewhere', () => {
    const gi = new Float32Array(2 * 3 * 2).fill(7);
    native.maxBackward(Float32Array.from([1, 2, 3, 4]), Int32Array.from([2, 0, 1, 1]), 2, 3, 2, gi);
    expect(Array.from(gi)).toEqual([0, 2, 0, 0, 1, 0, 0, 0, 3, 4, 0, 0]);
  });

  test.each([
    [[2, 5, 33], [33]], [[2, 5, 33], [2, 1, 33]], [[2, 5, 33], [1, 5, 1]], [[4, 3, 2, 5], [3, 1, 5]],
    [[4, 3, 2, 5], [4, 1, 2, 1]], [[3, 4], [3, 4]], [[3, 4], []], [[6, 1, 7], [1, 1]], [[2, 300, 70], [70]],
  ])('sumToShape %j -> %j matches a float64 loop', (xs, os) => {
    const total = xs.reduce((p, d) => p * d, 1), x = randomArray(total, total);
    const off = xs.length - os.length, size = os.reduce((p, d) => p * d, 1), want = new Float64Array(size);
    for (let k = 0; k < total; k++) {
      let rem = k, o = 0;
      for (let d = 0; d < xs.length; d++) {
        const below = xs.slice(d + 1).reduce((p, v) => p * v, 1), i = Math.floor(rem / below);
        rem %= below;
        if (d >= off) o = o * os[d - off] + (os[d - off] === 1 ? 0 : i);
      }
      want[o] += x[k];
    }
    for (const isa of ISAS) {
      const out = new Float32Array(size);
      withIsa(isa, 2, () => native.sumToShape(x, xs, out, os));
      // Two reduction passes round to float between them: allow a few ulp.
      for (let i = 0; i < size; i++) expect(Math.abs(out[i] - want[i])).toBeLessThanOrEqual(1e-6 + 4e-7 * Math.abs(want[i]));
    }
  });
});

describe('reduce argument errors name the function and argument', () => {
  const f = new Float32Array(12), i = new Int32Array(12);
  test.each<[string, () => void, 'TypeError' | 'RangeError', RegExp]>([
    ['op', () => native.reduceAxis('min' as 'max', f, 3, 4, 1, new Float32Array(3)), 'TypeError', /reduceAxis: op must be one of sum, mean, max/],
    ['x dtype', () => native.reduceAxis('sum', i as unknown as Float32Array, 3, 4, 1, new Float32Array(3)), 'TypeError', /reduceAxis: x must be a Float32Array/],
    ['x short', () => native.reduceAxis('sum', f, 3, 5, 1, new Float32Array(3)), 'RangeError', /reduceAxis: x must have at least 15 elements/],
    ['out short', () => native.reduceAxis('sum', f, 3, 4, 1, new Float32Array(2)), 'RangeError', /reduceAxis: out must have at least 3/],
    ['indices missing', () => native.reduceAxis('max', f, 3, 4, 1, new Float32Array(3)), 'TypeError', /reduceAxis: indices must be a Int32Array/],
    ['indices short', () => native.reduceAxis('max', f, 3, 4, 1, new Float32Array(3), new Int32Array(2)), 'RangeError', /reduceAxis: indices must have at least 3/],
    ['max over empty axis', () => native.reduceAxis('max', f, 3, 0, 1, new Float32Array(3), i), 'RangeError', /reduceAxis: n must be in \[1,/],
    ['negative outer', () => native.reduceAxis('sum', f, -1, 4, 1, new Float32Array(3)), 'RangeError', /reduceAxis: outer must be in/],
    ['sumAll dtype', () => native.sumAll(i as unknown as Float32Array), 'TypeError', /sumAll: x must be a Float32Array/],
    ['expand short', () => native.expandAxis(f, 3, 4, 2, 1, new Float32Array(23)), 'RangeError', /expandAxis: gradIn must have at least 24/],
    ['expand scale', () => native.expandAxis(f, 3, 4, 1, Infinity, new Float32Array(12)), 'RangeError', /expandAxis: scale must be finite/],
    ['maxBackward index', () => native.maxBackward(f, Int32Array.from([0, 4, 1]), 3, 4, 1, new Float32Array(12)), 'RangeError', /maxBackward: indices\[1\] must be in \[0, 4\), got 4/],
    ['maxBackward negative', () => native.maxBackward(f, Int32Array.from([0, 1, -1]), 3, 4, 1, new Float32Array(12)), 'RangeError', /maxBackward: indices\[2\] must be in \[0, 4\), got -1/],
    ['sumToShape mismatch', () => native.sumToShape(f, [3, 4], new Float32Array(3), [3]), 'RangeError', /sumToShape: outShape\[0\] must be 1 or 4 \(xShape\[1\]\), got 3/],
    ['sumToShape rank', () => native.sumToShape(f, [12], new Float32Array(12), [1, 12]), 'RangeError', /sumToShape: outShape has more dimensions/],
    ['sumToShape x short', () => native.sumToShape(f, [4, 4], new Float32Array(4), [4]), 'RangeError', /sumToShape: x must have at least 16/],
    ['sumToShape overlap', () => native.sumToShape(f, [3, 4], f.subarray(0, 4), [4]), 'RangeError', /sumToShape: out and x must not share memory/],
  ])('%s', (_name, call, type, message) => expectThrows(call, type, message));
});
