// The ternary family against references: pack/unpack round trips; the scalar ISA against plain JS on
// small cases; every ISA × threads {1, 2} against the scalar ISA, EXACTLY (int32 and the rescaled f32,
// which every ISA forms in the same order) on odd shapes with extreme activations; rescaled results
// against f32 GEMM on dequantized weights; BL-B158 activation quantization on hand examples; the
// f32 paths; every bad argument → a TypeError/RangeError naming the function and argument.
import { native } from '../../lib/native';
import type { IsaName } from '../../lib/native/system';
import { expectThrows, rng, withIsa } from './util';

const INFO = native.info();
const ISAS = INFO.availableIsas as IsaName[];
const METHODS = ['auto', 'ternary', 'gemm'] as const;

function randomCodes(len: number, seed: number): Int8Array {
  const r = rng(seed);
  const c = new Int8Array(len);
  for (let i = 0; i < len; i++) c[i] = Math.floor(r() * 3) - 1;
  return c;
}
// int8 activations with extremes: row 0 all -128, row 1 all 127, row 2 all zero (when m > 3), the
// rest uniform over [-128, 127].
function randomActs(m: number, k: number, seed: number): Int8Array {
  const r = rng(seed);
  const x = new Int8Array(m * k);
  for (let i = 0; i < m * k; i++) x[i] = Math.floor(r() * 256) - 128;
  if (m > 3) {
    x.fill(-128, 0, k);
    x.fill(127, k, 2 * k);
    x.fill(0, 2 * k, 3 * k);
  }
  return x;
}
function randomF32(len: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(len);
  for (let i = 0; i < len; i++) a[i] = lo + (hi - lo) * r();
  return a;
}
function pack(codes: Int8Array, n: number, k: number): Uint8Array {
  const p = new Uint8Array(native.ternaryPackedBytes(n, k));
  native.ternaryPack(codes, n, k, p);
  return p;
}
function jsMatmul(x: ArrayLike<number>, codes: Int8Array, m: number, n: number, k: number): Int32Array {
  const out = new Int32Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += x[i * k + c] * codes[j * k + c];
      out[i * n + j] = s;
    }
  return out;
}
function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, label: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${label}: index ${i}: got ${got[i]}, want ${want[i]}`);
  }
}

describe('packing', () => {
  test('ternaryPackedBytes is ceil(n/32)·ceil(k/16)·128', () => {
    expect(native.ternaryPackedBytes(1, 1)).toBe(128);
    expect(native.ternaryPackedBytes(768, 768)).toBe(24 * 48 * 128);
    expect(native.ternaryPackedBytes(33, 17)).toBe(2 * 2 * 128);
    expect(native.ternaryPackedBytes(768, 768)).toBe((768 * 768) / 4);
  });

  test.each([[1, 1], [1, 32], [7, 33], [33, 96], [32, 16], [1000, 192], [5, 1000], [1031, 768]])('pack → unpack round trip n=%i k=%i, every ISA packs the same bytes', (n, k) => {
    const codes = randomCodes(n * k, n * 31 + k);
    const want = withIsa('scalar', 1, () => pack(codes, n, k));
    for (const isa of ISAS) {
      for (const threads of [1, 2]) {
        withIsa(isa, threads, () => {
          const p = pack(codes, n, k);
          expectSame(p, want, `${isa}/${threads} pack`);
          const back = new Int8Array(n * k);
          native.ternaryUnpack(p, n, k, back);
          expectSame(back, codes, `${isa}/${threads} unpack`);
        });
      }
    }
  });

  test('layout of ternary.h: code = w + 1 at byte 4j + t, bits 2s, for k = 4s + t; padding is code 1', () => {
    const n = 2, k = 16;
    const codes = new Int8Array(n * k);
    codes[0 * k + 5] = 1; // row 0, k = 5: s = 1, t = 1 → byte 1, bits 2-3 hold code 2
    codes[1 * k + 12] = -1; // row 1, k = 12: s = 3, t = 0 → byte 4, bits 6-7 hold code 0
    const p = pack(codes, n, k);
    expect(p[1]).toBe(0x55 & ~(3 << 2) | (2 << 2));
    expect(p[4]).toBe(0x55 & ~(3 << 6));
    expect(p[8]).toBe(0x55); // row 2 is padding
    expect(p[127]).toBe(0x55);
  });
});

describe('scalar ISA matches plain JS', () => {
  test.each([[1, 1, 1], [3, 5, 7], [7, 33, 33], [5, 40, 100]])('i8TernaryMatmul m=%i n=%i k=%i', (m, n, k) => {
    withIsa('scalar', 1, () => {
      const codes = randomCodes(n * k, 7 + m), x = randomActs(m, k, 9 + n);
      const out = new Int32Array(m * n);
      native.i8TernaryMatmul(x, m, pack(codes, n, k), n, k, out);
      expectSame(out, jsMatmul(x, codes, m, n, k), 'scalar vs js');
    });
  });
});

// Outputs of one ISA/thread setting on a shape, for exact comparison against the scalar ISA.
function runAll(m: number, n: number, k: number, seed: number): (isa: IsaName, threads: number) => Array<ArrayLike<number>> {
  const codes = randomCodes(n * k, seed), x = randomActs(m, k, seed + 1), p = pack(codes, n, k);
  const xs = randomF32(m, seed + 2, 0.001, 0.1), wsRow = randomF32(n, seed + 3, 0.01, 1), wsOne = new Float32Array([0.37]);
  return (isa, threads) =>
    withIsa(isa, threads, () => {
      const acc = new Int32Array(m * n), y1 = new Float32Array(m * n), yn = new Float32Array(m * n);
      native.i8TernaryMatmul(x, m, p, n, k, acc);
      native.i8TernaryLinear(x, xs, m, p, n, k, wsOne, 1.25, y1);
      native.i8TernaryLinear(x, xs, m, p, n, k, wsRow, -0.5, yn);
      return [acc, y1, yn];
    });
}

describe('every ISA equals the scalar reference exactly (int32 and rescaled f32), threads 1 and 2', () => {
  const MS = [1, 7, 33, 257], KS = [32, 96, 192, 768, 33, 1000], NS = [1, 7, 33, 1031];
  for (const m of MS) {
    for (const k of KS) {
      test(`m=${m} k=${k}`, () => {
        for (const n of NS) {
          if (m * n * k > 4e7) continue; // the scalar oracle is slow; larger shapes add no new edges
          const run = runAll(m, n, k, m * 1000 + k + n);
          const want = run('scalar', 1);
          for (const isa of ISAS) {
            for (const threads of [1, 2]) {
              const got = run(isa, threads);
              for (let o = 0; o < want.length; o++) expectSame(got[o], want[o], `${isa}/${threads} m=${m} n=${n} k=${k} output ${o}`);
            }
          }
        }
      });
    }
  }

  test('ternary activations (codes -1/0/1) through i8TernaryMatmul', () => {
    const m = 9, n = 70, k = 192;
    const x = randomCodes(m * k, 5), codes = randomCodes(n * k, 6), p = pack(codes, n, k);
    const want = jsMatmul(x, codes, m, n, k);
    for (const isa of ISAS) {
      withIsa(isa, 2, () => {
        const out = new Int32Array(m * n);
        native.i8TernaryMatmul(x, m, p, n, k, out);
        expectSame(out, want, isa);
      });
    }
  });
});

// The f32 GEMM on dequantized operands computes the same sum in float with rounding at each step:
// |err| <= RTOL·Σ_k |x̂_ik·ŵ_jk| with RTOL ~ K·2^-24 at worst; 2e-6·K covers K up to 1000 with margin,
// and a wrong code or index changes the result by ≥ one full term.
describe('rescaled outputs agree with f32 GEMM on dequantized weights', () => {
  test.each([[1, 7, 33], [33, 40, 96], [17, 1031, 33], [64, 96, 1000], [130, 70, 17]])('m=%i n=%i k=%i', (m, n, k) => {
    const codes = randomCodes(n * k, 11), x = randomActs(m, k, 12), p = pack(codes, n, k);
    const xs = randomF32(m, 13, 0.001, 0.1), ws = randomF32(n, 14, 0.01, 1), alpha = 0.8;
    const xd = new Float32Array(m * k);
    for (let i = 0; i < m * k; i++) xd[i] = x[i] * xs[Math.floor(i / k)];
    const wantW = new Float32Array(n * k), tol = new Float64Array(m * n);
    for (let i = 0; i < n * k; i++) wantW[i] = Math.fround(codes[i] * ws[Math.floor(i / k)]);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let mag = 0;
        for (let c = 0; c < k; c++) mag += Math.abs(xd[i * k + c] * codes[j * k + c] * ws[j]);
        tol[i * n + j] = 2e-6 * k * mag * alpha + 1e-30;
      }
    for (const isa of ISAS) {
      withIsa(isa, 2, () => {
        const wd = new Float32Array(n * k);
        native.ternaryDequantize(p, n, k, ws, wd);
        expectSame(wd, wantW, `${isa} dequantize`);
        for (let i = 0; i < n * k; i++) wd[i] *= alpha;
        const ref = new Float32Array(m * n), y = new Float32Array(m * n), yf = new Float32Array(m * n);
        native.gemm(false, true, 1, m, n, k, xd, 0, wd, 0, ref, 0);
        native.i8TernaryLinear(x, xs, m, p, n, k, ws, alpha, y);
        for (let i = 0; i < m * n; i++)
          if (!(Math.abs(y[i] - ref[i]) <= tol[i])) throw new Error(`${isa} i8 [${i}]: ${y[i]} vs ${ref[i]}`);
        for (const method of METHODS) {
          yf.fill(NaN);
          native.f32TernaryLinear(xd, m, p, n, k, ws, yf, method);
          for (let i = 0; i < m * n; i++)
            if (!(Math.abs(yf[i] * alpha - ref[i]) <= tol[i])) throw new Error(`${isa} f32 ${method} [${i}]: ${yf[i]} vs ${ref[i]}`);
        }
      });
    }
  });

  test.each([[1, 7, 33], [33, 40, 96], [257, 33, 192], [9, 70, 1000], [130, 33, 40]])('ternaryLinearBackwardInput = gradOut·(W̃·s·α), m=%i n=%i k=%i', (m, n, k) => {
    const codes = randomCodes(n * k, 21), p = pack(codes, n, k), g = randomF32(m * n, 22);
    for (const ws of [new Float32Array([0.3]), randomF32(n, 23, 0.01, 1)]) {
      const alpha = 1.5;
      const want = new Float64Array(m * k), tol = new Float64Array(m * k);
      for (let i = 0; i < m; i++)
        for (let c = 0; c < k; c++) {
          let s = 0, mag = 0;
          for (let j = 0; j < n; j++) {
            const t = g[i * n + j] * codes[j * k + c] * ws[ws.length === 1 ? 0 : j] * alpha;
            s += t;
            mag += Math.abs(t);
          }
          want[i * k + c] = s;
          tol[i * k + c] = 2e-6 * n * mag + 1e-30;
        }
      for (const [isa, method] of ISAS.flatMap((i) => METHODS.map((me) => [i, me] as const))) {
        withIsa(isa, 2, () => {
          const out = new Float32Array(m * k).fill(NaN);
          native.ternaryLinearBackwardInput(g, m, p, n, k, ws, alpha, out, method);
          for (let i = 0; i < m * k; i++)
            if (!(Math.abs(out[i] - want[i]) <= tol[i])) throw new Error(`${isa} ${method} [${i}]: ${out[i]} vs ${want[i]}`);
        });
      }
    }
  });
});

// The contract in float32 arithmetic (Math.fround at each step), round half to even.
function jsQuantize(x: Float32Array, m: number, k: number, eps: number): { q: Int8Array; s: Float32Array } {
  const q = new Int8Array(m * k), s = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    let amax = 0;
    for (let j = 0; j < k; j++) amax = Math.max(amax, Math.abs(x[i * k + j]));
    s[i] = Math.fround(Math.max(amax, Math.fround(eps)) / 127);
    for (let j = 0; j < k; j++) {
      const v = Math.fround(x[i * k + j] / s[i]);
      let r = Math.round(v);
      if (Math.abs(v - Math.trunc(v)) === 0.5 && r % 2 !== 0) r -= 1; // Math.round rounds .5 up
      q[i * k + j] = Math.min(127, Math.max(-128, r));
    }
  }
  return { q, s };
}

describe('quantizeActivationsI8 (BL-B158 per-token absmax, spec §9)', () => {
  function quant(rows: number[][], eps = 1e-5): { q: number[][]; s: number[] } {
    const m = rows.length, k = rows[0].length;
    const x = Float32Array.from(rows.flat()), q = new Int8Array(m * k), s = new Float32Array(m);
    native.quantizeActivationsI8(x, m, k, eps, q, s);
    return { q: rows.map((_, i) => Array.from(q.subarray(i * k, (i + 1) * k))), s: Array.from(s) };
  }

  test.each(ISAS)('ties at .5 round to even; the absmax maps to ±127 (%s, SIMD body and scalar tail)', (isa) => {
    // absmax 127 → scale exactly 1, so x/s = x. 19 values: a 16-wide body plus a tail.
    const row = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 126.5, -127, 3.5, 4.5, -3.5, -4.5, 0, 1, -1, 7.25, 0.5, 2.5, -2.5];
    const r = withIsa(isa, 1, () => quant([row]));
    expect(r.s[0]).toBe(1);
    expect(r.q[0]).toEqual([0, 2, 2, 0, -2, -2, 126, -127, 4, 4, -4, -4, 0, 1, -1, 7, 0, 2, -2]);
  });

  test('an all-zero row gets scale eps/127 and zero codes', () => {
    const r = quant([[0, 0, 0, 0], [0, 1, 0, 0]], 1e-5);
    expect(r.s[0]).toBe(Math.fround(Math.fround(1e-5) / 127));
    expect(r.q[0]).toEqual([0, 0, 0, 0]);
    expect(r.q[1]).toEqual([0, 127, 0, 0]);
  });

  test('huge and tiny magnitudes', () => {
    const r = quant([[3e38, -3e38, 1e38], [1e-30, -2e-30, 0]], 1e-5);
    expect(r.q[0][0]).toBe(127);
    expect(r.q[0][1]).toBe(-127);
    expect(r.q[0][2]).toBe(42); // 127/3 = 42.33
    expect(r.q[1]).toEqual([0, 0, 0]); // below eps: scale eps/127 swamps them
    const t = quant([[1e-30, -2e-30, 0]], 1e-38);
    expect(t.q[0][1]).toBe(-127);
    expect(Math.abs(t.q[0][0] - 63.5)).toBe(0.5);
  });

  test.each(ISAS)('random rows equal the float32 JS contract exactly (%s, 2 threads)', (isa) => {
    const m = 37, k = 203;
    const x = randomF32(m * k, 99, -3, 3);
    for (let j = 0; j < k; j++) x[5 * k + j] = 0;
    const want = jsQuantize(x, m, k, 1e-5);
    withIsa(isa, 2, () => {
      const q = new Int8Array(m * k), s = new Float32Array(m);
      native.quantizeActivationsI8(x, m, k, 1e-5, q, s);
      expectSame(s, want.s, 'scale');
      expectSame(q, want.q, 'codes');
    });
  });
});

describe('interrupt', () => {
  test('a long i8TernaryMatmul throws ERR_FLASHLM_INTERRUPTED while the flag is raised', () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    native.setInterruptFlag(flag);
    try {
      const m = 512, n = 256, k = 256, p = pack(randomCodes(n * k, 1), n, k), x = randomActs(m, k, 2), out = new Int32Array(m * n);
      Atomics.store(flag, 0, 1);
      let error: unknown;
      try {
        native.i8TernaryMatmul(x, m, p, n, k, out);
      } catch (e) {
        error = e;
      }
      expect((error as Error & { code?: string }).code).toBe('ERR_FLASHLM_INTERRUPTED');
      Atomics.store(flag, 0, 0);
      native.i8TernaryMatmul(x, m, p, n, k, out);
    } finally {
      native.setInterruptFlag(null);
    }
  });
});

describe('bad arguments throw errors naming the function and argument', () => {
  const n = 7, k = 33, m = 3;
  const codes = randomCodes(n * k, 1), p = pack(codes, n, k);
  const x8 = randomActs(m, k, 2), xf = randomF32(m * k, 3), ws = new Float32Array([1]), xs = new Float32Array(m).fill(0.01);
  const i32 = new Int32Array(m * n), f32 = new Float32Array(m * n);

  test('ternaryPackedBytes / ternaryPack / ternaryUnpack', () => {
    expectThrows(() => native.ternaryPackedBytes(0, 5), 'RangeError', /ternaryPackedBytes: n must be in/);
    expectThrows(() => native.ternaryPackedBytes(5, 1.5), 'TypeError', /ternaryPackedBytes: k must be an integer/);
    expectThrows(() => native.ternaryPackedBytes(5, 2 ** 23), 'RangeError', /ternaryPackedBytes: k must be in/);
    const bad = codes.slice();
    bad[5] = 2;
    expectThrows(() => native.ternaryPack(bad, n, k, new Uint8Array(p.length)), 'RangeError', /ternaryPack: codes\[5\] must be -1, 0 or 1, got 2/);
    bad[5] = -128;
    expectThrows(() => native.ternaryPack(bad, n, k, new Uint8Array(p.length)), 'RangeError', /codes\[5\]/);
    expectThrows(() => native.ternaryPack(new Uint8Array(n * k) as unknown as Int8Array, n, k, new Uint8Array(p.length)), 'TypeError', /ternaryPack: codes must be a Int8Array, got Uint8Array/);
    expectThrows(() => native.ternaryPack(codes, n, k, new Uint8Array(p.length - 1)), 'RangeError', /ternaryPack: out must have at least/);
    expectThrows(() => native.ternaryPack(codes.subarray(1), n, k, new Uint8Array(p.length)), 'RangeError', /ternaryPack: codes must have at least/);
    expectThrows(() => native.ternaryUnpack(p.subarray(1), n, k, new Int8Array(n * k)), 'RangeError', /ternaryUnpack: packed must have at least/);
    expectThrows(() => native.ternaryUnpack(p, n, k, new Int8Array(n * k - 1)), 'RangeError', /ternaryUnpack: out/);
    expectThrows(() => (native.ternaryUnpack as (...a: unknown[]) => void)(p, n, k), 'TypeError', /ternaryUnpack: expected 4 arguments/);
  });

  test('quantizeActivationsI8', () => {
    const q = new Int8Array(m * k), s = new Float32Array(m);
    const inf = xf.slice();
    inf[7] = Infinity;
    expectThrows(() => native.quantizeActivationsI8(inf, m, k, 1e-5, q, s), 'RangeError', /quantizeActivationsI8: x\[7\] is not finite/);
    inf[7] = NaN;
    expectThrows(() => native.quantizeActivationsI8(inf, m, k, 1e-5, q, s), 'RangeError', /x\[7\] is not finite/);
    // Large inputs are checked in blocks on the pool's threads: the FIRST bad index is named, whichever
    // block or thread finds one, and a bad value in the last, partial block is found too.
    const M = 50, K = 2000; // 100,000 elements: 7 blocks of 2^14, the last partial
    for (const threads of [1, 2]) {
      withIsa(native.info().isa, threads, () => {
        const big = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i)), bq = new Int8Array(M * K), bs = new Float32Array(M);
        native.quantizeActivationsI8(big, M, K, 1e-5, bq, bs); // all finite: no throw
        big[M * K - 1] = -Infinity;
        expectThrows(() => native.quantizeActivationsI8(big, M, K, 1e-5, bq, bs), 'RangeError', /x\[99999\] is not finite \(-inf\)/);
        big[70000] = NaN;
        big[40000] = Infinity;
        expectThrows(() => native.quantizeActivationsI8(big, M, K, 1e-5, bq, bs), 'RangeError', /x\[40000\] is not finite \(inf\)/);
      });
    }
    expectThrows(() => native.quantizeActivationsI8(xf, m, k, 0, q, s), 'RangeError', /quantizeActivationsI8: eps must be a positive/);
    expectThrows(() => native.quantizeActivationsI8(xf, m, k, NaN, q, s), 'RangeError', /eps must be finite/);
    expectThrows(() => native.quantizeActivationsI8(xf, m, k, 1e-5, q, new Float32Array(m - 1)), 'RangeError', /quantizeActivationsI8: scale must have at least 3/);
    expectThrows(() => native.quantizeActivationsI8(xf, m, k, 1e-5, new Uint8Array(m * k) as unknown as Int8Array, s), 'TypeError', /q must be a Int8Array/);
    expectThrows(() => native.quantizeActivationsI8(xf, -1, k, 1e-5, q, s), 'RangeError', /m must be in/);
  });

  test('i8TernaryMatmul / i8TernaryLinear', () => {
    expectThrows(() => native.i8TernaryMatmul(xf as unknown as Int8Array, m, p, n, k, i32), 'TypeError', /i8TernaryMatmul: x must be a Int8Array, got Float32Array/);
    expectThrows(() => native.i8TernaryMatmul(x8, m, p, n, k, f32 as unknown as Int32Array), 'TypeError', /i8TernaryMatmul: out must be a Int32Array/);
    expectThrows(() => native.i8TernaryMatmul(x8, m + 1, p, n, k, i32), 'RangeError', /i8TernaryMatmul: x must have at least/);
    expectThrows(() => native.i8TernaryMatmul(x8, m, p.subarray(0, 128), n, k, i32), 'RangeError', /i8TernaryMatmul: packed must have at least 384/);
    expectThrows(() => native.i8TernaryMatmul(x8, m, p, n, k, i32.subarray(1)), 'RangeError', /i8TernaryMatmul: out must have at least 21/);
    expectThrows(() => native.i8TernaryMatmul(x8, m, p, 0, k, i32), 'RangeError', /i8TernaryMatmul: n must be in/);
    expectThrows(() => native.i8TernaryMatmul(x8, m, p, n, 0, i32), 'RangeError', /i8TernaryMatmul: k must be in/);
    const lin = (over: Partial<{ xs: Float32Array; ws: Float32Array; alpha: number; out: Float32Array }>) => () =>
      native.i8TernaryLinear(x8, over.xs ?? xs, m, p, n, k, over.ws ?? ws, over.alpha ?? 1, over.out ?? f32);
    expectThrows(lin({ alpha: NaN }), 'RangeError', /i8TernaryLinear: alpha must be finite/);
    expectThrows(lin({ alpha: Infinity }), 'RangeError', /alpha must be finite/);
    expectThrows(lin({ ws: new Float32Array(2) }), 'RangeError', /i8TernaryLinear: wScale must have 1 \(per tensor\) or n = 7/);
    expectThrows(lin({ ws: new Float32Array([NaN]) }), 'RangeError', /wScale\[0\] is not finite/);
    expectThrows(lin({ xs: new Float32Array(m - 1) }), 'RangeError', /i8TernaryLinear: xScale must have at least 3/);
    expectThrows(lin({ xs: new Float32Array([0, Infinity, 0]) }), 'RangeError', /xScale\[1\] is not finite/);
    expectThrows(lin({ out: new Float32Array(m * n - 1) }), 'RangeError', /i8TernaryLinear: out must have at least/);
  });

  test('f32TernaryLinear / ternaryDequantize / ternaryLinearBackwardInput', () => {
    expectThrows(() => native.f32TernaryLinear(x8 as unknown as Float32Array, m, p, n, k, ws, f32), 'TypeError', /f32TernaryLinear: x must be a Float32Array/);
    expectThrows(() => native.f32TernaryLinear(xf, m, p, n, k, ws, f32.subarray(1)), 'RangeError', /f32TernaryLinear: out must have/);
    expectThrows(() => native.f32TernaryLinear(xf, m, p, n, k, new Float32Array(3), f32), 'RangeError', /f32TernaryLinear: wScale must have 1/);
    expectThrows(() => native.f32TernaryLinear(xf, m, p, n, k, ws, xf), 'RangeError', /f32TernaryLinear: out and x must not share memory/);
    expectThrows(() => native.ternaryDequantize(p, n, k, ws, new Float32Array(n * k - 1)), 'RangeError', /ternaryDequantize: out must have/);
    expectThrows(() => native.ternaryDequantize(p as unknown as Uint8Array, n, k, ws as unknown as Float32Array, new Int8Array(n * k) as unknown as Float32Array), 'TypeError', /ternaryDequantize: out must be a Float32Array/);
    const g = randomF32(m * n, 4), dx = new Float32Array(m * k);
    expectThrows(() => native.ternaryLinearBackwardInput(g, m, p, n, k, ws, NaN, dx), 'RangeError', /ternaryLinearBackwardInput: alpha must be finite/);
    expectThrows(() => native.ternaryLinearBackwardInput(g.subarray(1), m, p, n, k, ws, 1, dx), 'RangeError', /ternaryLinearBackwardInput: gradOut must have/);
    expectThrows(() => native.ternaryLinearBackwardInput(g, m, p, n, k, ws, 1, dx.subarray(1)), 'RangeError', /ternaryLinearBackwardInput: out must have/);
    expectThrows(() => native.ternaryLinearBackwardInput(g, m, p, n, k, ws, 1, dx, 'fast' as 'auto'), 'TypeError', /ternaryLinearBackwardInput: method must be 'auto', 'ternary' or 'gemm', got 'fast'/);
    expectThrows(() => native.f32TernaryLinear(xf, m, p, n, k, ws, f32, 3 as unknown as 'auto'), 'TypeError', /f32TernaryLinear: method must be a string/);
  });
});
