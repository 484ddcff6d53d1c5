// native.gemm against references: every available ISA vs the scalar ISA (itself checked against a
// plain float64 triple loop in JS on small cases), sizes that hit every micro-tile edge (1, 7, 15,
// 16, 17, 31, 33, 1000+), all transposes, batches with broadcast, beta = 0/1/other, K = 0, 1 and 2
// threads; then bad arguments, which must throw TypeError/RangeError naming gemm and the argument.
import { native } from '../../lib/native';
import type { IsaName } from '../../lib/native/system';
import { rng } from './util';

// Float32 kernels sum K products of values in [-0.5, 0.5) in float, in an order that differs from
// the reference (which sums in double and rounds once). The worst error we observe is ~5e-6 at
// K = 1000 and ~7e-6 at K = 4000; ATOL_PER_K·K sits ~20× above that, yet far below the O(0.1)
// errors a wrong index, a dropped tile or a lost K block produces.
const ATOL_PER_K = 1e-7;
const RTOL = 1e-5;

const INFO = native.info();
const ISAS = INFO.availableIsas as IsaName[];
const SIMD_ISAS = ISAS.filter((i) => i !== 'scalar');

// mulberry32: small seeded generator so failures reproduce.
function randomF32(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() - 0.5;
  return a;
}

interface Case {
  ta: boolean; tb: boolean; batch: number; M: number; N: number; K: number;
  strideA: number; strideB: number; beta: number;
}
function makeCase(M: number, N: number, K: number, ta: boolean, tb: boolean, extra: Partial<Case> = {}): Case {
  return { ta, tb, batch: 1, M, N, K, strideA: M * K, strideB: K * N, beta: 0, ...extra };
}
interface Data { A: Float32Array; B: Float32Array; C0: Float32Array }
function makeData(c: Case, seed: number): Data {
  const lenA = c.batch > 0 ? (c.batch - 1) * c.strideA + c.M * c.K : 0;
  const lenB = c.batch > 0 ? (c.batch - 1) * c.strideB + c.K * c.N : 0;
  // beta = 0 starts from NaN: the kernel must not read C then.
  const C0 = c.beta === 0 ? new Float32Array(c.batch * c.M * c.N).fill(NaN) : randomF32(c.batch * c.M * c.N, seed + 2);
  return { A: randomF32(lenA, seed), B: randomF32(lenB, seed + 1), C0 };
}
function runGemm(isa: IsaName, threads: number, c: Case, d: Data): Float32Array {
  native.setIsa(isa);
  native.setThreads(threads);
  const C = d.C0.slice();
  native.gemm(c.ta, c.tb, c.batch, c.M, c.N, c.K, d.A, c.strideA, d.B, c.strideB, C, c.beta);
  return C;
}
// The contract, written as plainly as possible, in float64.
function jsGemm(c: Case, d: Data): Float64Array {
  const out = new Float64Array(c.batch * c.M * c.N);
  for (let b = 0; b < c.batch; b++) {
    const a0 = b * c.strideA, b0 = b * c.strideB, c0 = b * c.M * c.N;
    for (let i = 0; i < c.M; i++) {
      for (let j = 0; j < c.N; j++) {
        let s = 0;
        for (let p = 0; p < c.K; p++) {
          const aip = c.ta ? d.A[a0 + p * c.M + i] : d.A[a0 + i * c.K + p];
          const bpj = c.tb ? d.B[b0 + j * c.K + p] : d.B[b0 + p * c.N + j];
          s += aip * bpj;
        }
        out[c0 + i * c.N + j] = c.beta === 0 ? s : s + c.beta * d.C0[c0 + i * c.N + j];
      }
    }
  }
  return out;
}
// Largest violation of |got - want| <= atol + rtol·|want| (0 when all pass), with its index.
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, K: number, label: string): void {
  expect(got.length).toBe(want.length);
  const atol = ATOL_PER_K * Math.max(1, K);
  let worst = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i] - want[i]) - (atol + RTOL * Math.abs(want[i]));
    if (!(err <= worst)) {
      worst = Number.isNaN(err) ? Infinity : err;
      at = i;
      if (!Number.isFinite(worst)) break;
    }
  }
  if (at >= 0) throw new Error(`${label}: element ${at} is ${got[at]}, want ${want[at]} (atol ${atol}, rtol ${RTOL})`);
}
function label(isa: string, threads: number, c: Case): string {
  return `${isa} t${threads} ${c.ta ? 't' : 'n'}${c.tb ? 't' : 'n'} batch=${c.batch} M=${c.M} N=${c.N} K=${c.K} ` +
    `strideA=${c.strideA} strideB=${c.strideB} beta=${c.beta}`;
}
const TRANSPOSES: Array<[boolean, boolean]> = [[false, false], [false, true], [true, false], [true, true]];

afterAll(() => {
  native.setIsa(INFO.isa);
  native.setThreads(INFO.threads);
});
afterEach(() => native.setInterruptFlag(null));

describe('gemm matches a float64 triple loop on small shapes', () => {
  const shapes: Array<[number, number, number]> = [
    [1, 1, 1], [7, 15, 16], [17, 33, 31], [16, 17, 1], [1, 33, 17], [33, 1, 7], [15, 7, 33], [31, 16, 15],
  ];
  for (const isa of ISAS) {
    for (const threads of [1, 2]) {
      test(`${isa}, ${threads} thread(s)`, () => {
        let seed = 1;
        for (const [M, N, K] of shapes) {
          for (const [ta, tb] of TRANSPOSES) {
            for (const beta of [0, 1, -0.5]) {
              const c = makeCase(M, N, K, ta, tb, { beta });
              const d = makeData(c, seed++);
              expectClose(runGemm(isa, threads, c, d), jsGemm(c, d), K, label(isa, threads, c));
            }
          }
        }
      });
    }
  }
});

describe('SIMD ISAs match the scalar ISA', () => {
  // Each dimension takes 1000+ somewhere, next to 1 (mat-vec, K = 1) and tile-edge sizes.
  const shapes: Array<[number, number, number]> = [
    [1025, 33, 17], [17, 1031, 33], [33, 17, 1029], [1, 1000, 1000], [1000, 1, 1000], [1001, 1003, 1],
    [300, 257, 1000], [129, 200, 300], [64, 96, 256], [450, 31, 700],
  ];
  const cases: Array<{ c: Case; d: Data; want?: Float32Array }> = [];
  let seed = 100;
  for (const [M, N, K] of shapes) {
    for (const [ta, tb] of TRANSPOSES) {
      const c = makeCase(M, N, K, ta, tb, { beta: seed % 2 === 0 ? 0 : 1 });
      cases.push({ c, d: makeData(c, seed++) });
    }
  }
  for (const isa of SIMD_ISAS) {
    for (const threads of [1, 2]) {
      test(`${isa}, ${threads} thread(s)`, () => {
        for (const k of cases) {
          k.want ??= runGemm('scalar', 1, k.c, k.d);  // the slow part; shared by every ISA and thread count
          expectClose(runGemm(isa, threads, k.c, k.d), k.want, k.c.K, label(isa, threads, k.c));
        }
      });
    }
  }
});

describe('batches, broadcast and beta', () => {
  for (const isa of ISAS) {
    test(`${isa}: batch 3 with A broadcast (strideA = 0), beta = 0 over NaN`, () => {
      for (const threads of [1, 2]) {
        for (const [ta, tb] of TRANSPOSES) {
          const c = makeCase(45, 70, 130, ta, tb, { batch: 3, strideA: 0 });
          const d = makeData(c, 7);
          expectClose(runGemm(isa, threads, c, d), jsGemm(c, d), c.K, label(isa, threads, c));
        }
      }
    });
    test(`${isa}: batch 5 with B broadcast and padded strideA, beta = 1 accumulates`, () => {
      for (const threads of [1, 2]) {
        const c = makeCase(40, 37, 90, false, true, { batch: 5, strideA: 40 * 90 + 13, strideB: 0, beta: 1 });
        const d = makeData(c, 8);
        expectClose(runGemm(isa, threads, c, d), jsGemm(c, d), c.K, label(isa, threads, c));
      }
    });
  }

  for (const isa of SIMD_ISAS) {
    test(`${isa}: large shapes cut across M, across N, and batch 3 on 2 threads match 1 thread`, () => {
      const cases = [
        makeCase(700, 90, 200, false, false, { beta: 1 }),
        makeCase(90, 700, 200, false, true),
        makeCase(130, 150, 520, true, false, { batch: 3, strideB: 0 }),
        makeCase(2, 4000, 300, true, true),
      ];
      let seed = 30;
      for (const c of cases) {
        const d = makeData(c, seed++);
        const want = runGemm('scalar', 1, c, d);
        expectClose(runGemm(isa, 2, c, d), want, c.K, label(isa, 2, c));
        expectClose(runGemm(isa, 1, c, d), want, c.K, label(isa, 1, c));
      }
    });
  }

  for (const isa of ISAS) {
    test(`${isa}: K = 0 gives beta·C, and M = 0 or N = 0 leaves C alone`, () => {
      const C = new Float32Array([1, 2, 3, 4, 5, 6]);
      native.setIsa(isa);
      native.gemm(false, false, 1, 2, 3, 0, new Float32Array(0), 0, new Float32Array(0), 0, C, 0.5);
      expect(Array.from(C)).toEqual([0.5, 1, 1.5, 2, 2.5, 3]);
      C.fill(NaN);
      native.gemm(true, true, 1, 2, 3, 0, new Float32Array(0), 0, new Float32Array(0), 0, C, 0);
      expect(Array.from(C)).toEqual([0, 0, 0, 0, 0, 0]);
      const untouched = new Float32Array([7, 8]);
      native.gemm(false, false, 1, 0, 2, 4, new Float32Array(0), 0, new Float32Array(8), 0, untouched, 0);
      native.gemm(false, false, 1, 2, 0, 4, new Float32Array(8), 0, new Float32Array(0), 0, untouched, 0);
      expect(Array.from(untouched)).toEqual([7, 8]);
    });
  }
});

describe('M = 1 with B transposed (the GEMV path a batch-1 linear layer and a decode head take)', () => {
  // K covers every vector-tail case of the 16-wide (AVX-512) and 8-wide (AVX2) loops, N the 4-row groups
  // and their remainders, and one shape is a decode head (V × d) large enough to run on 2 threads.
  const Ks = [1, 7, 8, 15, 16, 17, 31, 32, 33, 47, 1000, 1031];
  const Ns = [1, 3, 4, 5, 7, 33, 1029];
  for (const isa of ISAS) {
    test(`${isa}: odd K and N, beta 0 / 1 / -0.5, batch 2, against float64`, () => {
      let seed = 500;
      for (const K of Ks) {
        for (const N of Ns) {
          for (const threads of [1, 2]) {
            const beta = [0, 1, -0.5][seed % 3];
            const c = makeCase(1, N, K, false, true, { beta, batch: seed % 4 === 0 ? 2 : 1 });
            const d = makeData(c, seed++);
            expectClose(runGemm(isa, threads, c, d), jsGemm(c, d), K, label(isa, threads, c));
          }
        }
      }
    });
  }
  for (const isa of SIMD_ISAS) {
    test(`${isa}: a 4096 × 256 head gives the same bits on 1 and 2 threads`, () => {
      const c = makeCase(1, 4096, 256, false, true);
      const d = makeData(c, 77);
      const one = runGemm(isa, 1, c, d);
      expect(Array.from(runGemm(isa, 2, c, d))).toEqual(Array.from(one));
      expectClose(one, jsGemm(c, d), c.K, label(isa, 1, c));
    });
  }
});

// The addon's errors come from Node's realm, not jest's sandbox, so `instanceof RangeError` would be
// false; check the name instead.
type ErrorName = 'TypeError' | 'RangeError';
function expectThrows(fn: () => void, name: ErrorName, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeDefined();
  expect((caught as Error).name).toBe(name);
  expect((caught as Error).message).toMatch(message);
}

describe('bad arguments throw errors naming gemm and the argument', () => {
  const A = new Float32Array(6), B = new Float32Array(6), C = new Float32Array(4);
  type Args = Parameters<typeof native.gemm>;
  const good: Args = [false, false, 1, 2, 2, 3, A, 0, B, 0, C, 0];
  const call = (patch: Partial<Record<number, unknown>>) => () => {
    const args = good.slice() as unknown[];
    for (const [k, v] of Object.entries(patch)) args[Number(k)] = v;
    (native.gemm as (...a: unknown[]) => void)(...args);
  };
  const cases: Array<[string, Partial<Record<number, unknown>>, ErrorName, RegExp]> = [
    ['A as Int32Array', { 6: new Int32Array(6) }, 'TypeError', /^gemm: A must be a Float32Array, got Int32Array/],
    ['B as Float64Array', { 8: new Float64Array(6) }, 'TypeError', /^gemm: B must be a Float32Array, got Float64Array/],
    ['C as a plain Array', { 10: [0, 0, 0, 0] }, 'TypeError', /^gemm: C must be a Float32Array/],
    ['transA not a boolean', { 0: 1 }, 'TypeError', /^gemm: transA must be a boolean/],
    ['negative M', { 3: -1 }, 'RangeError', /^gemm: M must be in/],
    ['non-integer K', { 5: 2.5 }, 'TypeError', /^gemm: K must be an integer/],
    ['NaN N', { 4: NaN }, 'TypeError', /^gemm: N must be an integer/],
    ['huge M', { 3: 2 ** 40 }, 'RangeError', /^gemm: M must be in/],
    ['non-finite beta', { 11: Infinity }, 'RangeError', /^gemm: beta must be finite/],
    ['A too short', { 6: new Float32Array(5) }, 'RangeError', /^gemm: A must have at least 6 elements/],
    ['B too short for transB', { 1: true, 5: 4, 6: new Float32Array(8), 8: new Float32Array(7) }, 'RangeError',
      /^gemm: B must have at least 8 elements/],
    ['C too short', { 10: new Float32Array(3) }, 'RangeError', /^gemm: C must have at least 4 elements/],
    ['strideA reading past the end of A', { 2: 2, 7: 3, 10: new Float32Array(8) }, 'RangeError',
      /^gemm: A must have at least 9 elements \(\(batch-1\)·strideA/],
    ['strideB overflowing', { 2: 2 ** 31 - 1, 9: 2 ** 53, 10: new Float32Array(8) }, 'RangeError', /^gemm: /],
    ['negative strideB', { 9: -6 }, 'RangeError', /^gemm: strideB must be in/],
  ];
  for (const [name, patch, errorName, message] of cases) {
    test(name, () => expectThrows(call(patch), errorName, message));
  }
  test('C overlapping A or B', () => {
    const buf = new Float32Array(32);
    const a = buf.subarray(0, 6), b = new Float32Array(6);
    expectThrows(() => native.gemm(false, false, 1, 2, 2, 3, a, 0, b, 0, buf.subarray(4, 8), 0), 'RangeError',
      /^gemm: C and A must not share memory/);
    expectThrows(() => native.gemm(false, false, 1, 2, 2, 3, b, 0, a, 0, buf.subarray(5, 9), 0), 'RangeError',
      /^gemm: C and B must not share memory/);
    // Disjoint views of one buffer are fine.
    expect(() => native.gemm(false, false, 1, 2, 2, 3, a, 0, b, 0, buf.subarray(8, 12), 0)).not.toThrow();
  });
  test('wrong argument count', () => {
    expect(() => (native.gemm as (...a: unknown[]) => void)(false, false, 1)).toThrow(/^gemm: expected 12 arguments/);
  });
  test('a raised interrupt flag stops gemm with ERR_FLASHLM_INTERRUPTED', () => {
    // A plain Int32Array: the flag works the same, and array_arg cannot yet unwrap a
    // SharedArrayBuffer-backed view (napi_get_arraybuffer_info rejects SharedArrayBuffers).
    const flag = new Int32Array(1);
    flag[0] = 1;
    native.setInterruptFlag(flag);
    const n = 64;
    for (const isa of ISAS) {
      native.setIsa(isa);
      expect(() => native.gemm(false, false, 1, n, n, n, new Float32Array(n * n), 0, new Float32Array(n * n), 0,
        new Float32Array(n * n), 0)).toThrow(expect.objectContaining({ code: 'ERR_FLASHLM_INTERRUPTED' }));
    }
  });
});
