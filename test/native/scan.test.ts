// Scan family: causal depthwise conv and cumsum/cummean. Plain-JS float64 references check the scalar
// kernels; every SIMD ISA is checked against scalar across channel tails, time-block edges, K and
// thread counts; argument errors name the function and argument.
import { native } from '../../lib/native';
import { expectClose, expectThrowsNamed, randomF32, simdIsas, withIsa } from './scanoptim_util';

// float64 references of the math (spec S5).
function convRef(x: Float32Array, w: Float32Array, B: number, T: number, C: number, K: number): Float64Array {
  const y = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let c = 0; c < C; c++) {
        let s = 0;
        for (let j = 0; j < K; j++) {
          const src = t - K + 1 + j;
          if (src >= 0) s += w[c * K + j] * x[(b * T + src) * C + c];
        }
        y[(b * T + t) * C + c] = s;
      }
  return y;
}

function convBackwardRef(x: Float32Array, w: Float32Array, dy: Float32Array, B: number, T: number, C: number, K: number) {
  const dx = new Float64Array(B * T * C);
  const dw = new Float64Array(C * K);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let c = 0; c < C; c++)
        for (let j = 0; j < K; j++) {
          const src = t - K + 1 + j;
          if (src < 0) continue;
          const g = dy[(b * T + t) * C + c];
          dx[(b * T + src) * C + c] += w[c * K + j] * g;
          dw[c * K + j] += x[(b * T + src) * C + c] * g;
        }
  return { dx, dw };
}

function cumRef(x: Float32Array, B: number, T: number, C: number, mean: boolean, reverse: boolean): Float64Array {
  const y = new Float64Array(B * T * C);
  for (let b = 0; b < B; b++)
    for (let c = 0; c < C; c++) {
      let s = 0;
      for (let k = 0; k < T; k++) {
        const t = reverse ? T - 1 - k : k;
        const v = x[(b * T + t) * C + c];
        if (reverse) {
          s += mean ? v / (t + 1) : v;
          y[(b * T + t) * C + c] = s;
        } else {
          s += v;
          y[(b * T + t) * C + c] = mean ? s / (t + 1) : s;
        }
      }
    }
  return y;
}

function conv(x: Float32Array, w: Float32Array, B: number, T: number, C: number, K: number): Float32Array {
  const y = new Float32Array(B * T * C).fill(NaN); // the kernel must write every element
  native.causalConv1dForward(x, w, y, B, T, C, K);
  return y;
}
function convBack(x: Float32Array, w: Float32Array, dy: Float32Array, B: number, T: number, C: number, K: number) {
  const dx = new Float32Array(B * T * C).fill(NaN);
  const dw = new Float32Array(C * K).fill(NaN);
  native.causalConv1dBackward(x, w, dy, dx, dw, B, T, C, K);
  return { dx, dw };
}
function cum(x: Float32Array, B: number, T: number, C: number, mean: boolean, backward: boolean): Float32Array {
  const y = new Float32Array(x.length).fill(NaN);
  (backward ? native.cumsumBackward : native.cumsumForward)(x, y, B, T, C, mean);
  return y;
}

// Conv outputs sum K products of O(1) values: float32 FMA chains vs float64 differ by a few ulp.
const CONV_ATOL = 2e-6;
const CONV_RTOL = 1e-5;
// dw sums B·T products (float32 over 64-step blocks, then float64).
const DW_ATOL = 2e-5;
const DW_RTOL = 1e-5;
// cumsum/cummean: float64 running sums, one final rounding to float32.
const CUM_RTOL = 1.5e-7;
const CUM_ATOL = 1e-7;

const CHANNELS = [1, 7, 15, 16, 17, 31, 33, 1000];
const SHAPES: [number, number, number][] = [
  // [B, T, K]: T = 1 and T < K hit the zero padding; T = 130 crosses two 64-step blocks.
  [1, 1, 8],
  [2, 5, 8],
  [1, 130, 8],
  [2, 9, 3],
  [1, 20, 1],
];

describe('causal depthwise conv', () => {
  test('scalar kernel matches the float64 reference (forward and backward)', () => {
    for (const [B, T, K] of SHAPES)
      for (const C of [1, 7, 17]) {
        const x = randomF32(B * T * C, 1), w = randomF32(C * K, 2), dy = randomF32(B * T * C, 3);
        withIsa('scalar', 2, () => {
          expectClose(conv(x, w, B, T, C, K), convRef(x, w, B, T, C, K), CONV_ATOL, CONV_RTOL, `y ${B},${T},${C},${K}`);
          const got = convBack(x, w, dy, B, T, C, K), want = convBackwardRef(x, w, dy, B, T, C, K);
          expectClose(got.dx, want.dx, CONV_ATOL, CONV_RTOL, 'dx');
          expectClose(got.dw, want.dw, DW_ATOL, DW_RTOL, 'dw');
        });
      }
  });

  test('every SIMD ISA matches scalar across channel tails, K and threads 1/2', () => {
    for (const isa of simdIsas())
      for (const [B, T, K] of SHAPES)
        for (const C of CHANNELS) {
          const x = randomF32(B * T * C, 11 + C), w = randomF32(C * K, 12), dy = randomF32(B * T * C, 13);
          const want = withIsa('scalar', 1, () => ({ y: conv(x, w, B, T, C, K), ...convBack(x, w, dy, B, T, C, K) }));
          for (const threads of [1, 2]) {
            const what = `${isa} t${threads} B${B} T${T} C${C} K${K}`;
            const got = withIsa(isa, threads, () => ({ y: conv(x, w, B, T, C, K), ...convBack(x, w, dy, B, T, C, K) }));
            expectClose(got.y, want.y, CONV_ATOL, CONV_RTOL, `y ${what}`);
            expectClose(got.dx, want.dx, CONV_ATOL, CONV_RTOL, `dx ${what}`);
            expectClose(got.dw, want.dw, DW_ATOL, DW_RTOL, `dw ${what}`);
          }
        }
  });

  test('dw is bit-identical for 1 and 2 threads on every ISA', () => {
    const [B, T, C, K] = [4, 300, 192, 8]; // v4 small: d192, k8
    const x = randomF32(B * T * C, 21), w = randomF32(C * K, 22), dy = randomF32(B * T * C, 23);
    for (const isa of native.info().availableIsas) {
      const one = withIsa(isa, 1, () => convBack(x, w, dy, B, T, C, K));
      const two = withIsa(isa, 2, () => convBack(x, w, dy, B, T, C, K));
      expect(Buffer.from(two.dw.buffer).equals(Buffer.from(one.dw.buffer))).toBe(true);
      expect(Buffer.from(two.dx.buffer).equals(Buffer.from(one.dx.buffer))).toBe(true);
    }
  });

  test('null dx or dw skips that gradient and leaves the array untouched', () => {
    const [B, T, C, K] = [2, 10, 7, 3];
    const x = randomF32(B * T * C, 31), w = randomF32(C * K, 32), dy = randomF32(B * T * C, 33);
    for (const isa of native.info().availableIsas)
      withIsa(isa, 2, () => {
        const full = convBack(x, w, dy, B, T, C, K);
        const dw = new Float32Array(C * K);
        native.causalConv1dBackward(x, w, dy, null, dw, B, T, C, K);
        expect(Array.from(dw)).toEqual(Array.from(full.dw));
        const dx = new Float32Array(B * T * C);
        native.causalConv1dBackward(x, w, dy, dx, null, B, T, C, K);
        expect(Array.from(dx)).toEqual(Array.from(full.dx));
      });
  });

  test('bad arguments throw errors naming the function and argument', () => {
    const x = new Float32Array(2 * 4 * 3), w = new Float32Array(3 * 2), y = new Float32Array(24);
    const f = native.causalConv1dForward;
    expectThrowsNamed(() => f(new Float64Array(24) as never, w, y, 2, 4, 3, 2), TypeError, 'causalConv1dForward', 'x', 'Float32Array');
    expectThrowsNamed(() => f(x, w, new Float32Array(23), 2, 4, 3, 2), RangeError, 'causalConv1dForward', 'y', '24');
    expectThrowsNamed(() => f(x, new Float32Array(5), y, 2, 4, 3, 2), RangeError, 'causalConv1dForward', 'w');
    expectThrowsNamed(() => f(x, w, y, 2, 4, 3, 0), RangeError, 'causalConv1dForward', 'K');
    expectThrowsNamed(() => f(x, w, y, 2, 4, 3, 257), RangeError, 'causalConv1dForward', 'K');
    expectThrowsNamed(() => f(x, w, y, -1, 4, 3, 2), RangeError, 'causalConv1dForward', 'B');
    expectThrowsNamed(() => f(x, w, y, 2, 4.5, 3, 2), TypeError, 'causalConv1dForward', 'T');
    expectThrowsNamed(() => f(x, w, x, 2, 4, 3, 2), RangeError, 'causalConv1dForward', 'x and y');
    const b = native.causalConv1dBackward;
    expectThrowsNamed(() => b(x, w, y, new Int32Array(24) as never, null, 2, 4, 3, 2), TypeError, 'causalConv1dBackward', 'dx');
    expectThrowsNamed(() => b(x, w, y, null, new Float32Array(5), 2, 4, 3, 2), RangeError, 'causalConv1dBackward', 'dw');
    expectThrowsNamed(() => b(x, w, new Float32Array(3), null, null, 2, 4, 3, 2), RangeError, 'causalConv1dBackward', 'dy');
    expectThrowsNamed(() => b(x, w, y, y, null, 2, 4, 3, 2), RangeError, 'causalConv1dBackward', 'dx and dy');
  });
});

describe('cumsum / cummean', () => {
  test('scalar kernel matches the float64 reference', () => {
    for (const [B, T, C] of [[1, 1, 1], [2, 7, 5], [3, 40, 300]] as const) {
      const x = randomF32(B * T * C, 41);
      withIsa('scalar', 2, () => {
        for (const mean of [false, true])
          for (const backward of [false, true])
            expectClose(cum(x, B, T, C, mean, backward), cumRef(x, B, T, C, mean, backward), CUM_ATOL, CUM_RTOL, `mean ${mean} backward ${backward}`);
      });
    }
  });

  test('every SIMD ISA matches scalar across channel tails and threads 1/2', () => {
    for (const isa of simdIsas())
      for (const C of [...CHANNELS, 257, 513])
        for (const T of [1, 3, 50]) {
          const B = 2, x = randomF32(B * T * C, 51 + C);
          for (const mean of [false, true])
            for (const backward of [false, true]) {
              const want = withIsa('scalar', 1, () => cum(x, B, T, C, mean, backward));
              for (const threads of [1, 2]) {
                const got = withIsa(isa, threads, () => cum(x, B, T, C, mean, backward));
                expectClose(got, want, CUM_ATOL, CUM_RTOL, `${isa} t${threads} C${C} T${T} mean ${mean} backward ${backward}`);
              }
            }
        }
  });

  test('stays accurate over 4000 steps (float64 running sum), every ISA', () => {
    // A float32 running sum of 4000 values near 0.1 drifts by ~1e-4 relative; ours must not.
    const [B, T, C] = [1, 4000, 17];
    const x = randomF32(B * T * C, 61, 0.05, 0.15);
    for (const isa of native.info().availableIsas)
      withIsa(isa, 2, () => {
        for (const mean of [false, true])
          for (const backward of [false, true])
            expectClose(cum(x, B, T, C, mean, backward), cumRef(x, B, T, C, mean, backward), 0, CUM_RTOL, `${isa} long T`);
      });
  });

  test('works in place (y = x)', () => {
    const [B, T, C] = [2, 9, 19];
    const x = randomF32(B * T * C, 71);
    for (const isa of native.info().availableIsas)
      withIsa(isa, 2, () => {
        for (const backward of [false, true]) {
          const want = cum(x, B, T, C, true, backward);
          const y = x.slice();
          (backward ? native.cumsumBackward : native.cumsumForward)(y, y, B, T, C, true);
          expect(Array.from(y)).toEqual(Array.from(want));
        }
      });
  });

  test('bad arguments throw errors naming the function and argument', () => {
    const x = new Float32Array(12);
    expectThrowsNamed(() => native.cumsumForward(x, new Uint8Array(12) as never, 2, 3, 2, false), TypeError, 'cumsumForward', 'y');
    expectThrowsNamed(() => native.cumsumForward(x, new Float32Array(11), 2, 3, 2, false), RangeError, 'cumsumForward', 'y', '12');
    expectThrowsNamed(() => native.cumsumBackward(new Float32Array(5), x, 2, 3, 2, true), RangeError, 'cumsumBackward', 'dy');
    expectThrowsNamed(() => native.cumsumBackward(x, x.subarray(1), 1, 1, 11, true), RangeError, 'cumsumBackward', 'dy and dx');
    expectThrowsNamed(() => native.cumsumForward(x, x, 2, 3, 2, 1 as never), TypeError, 'cumsumForward', 'mean');
  });
});
