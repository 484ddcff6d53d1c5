// 16-bit decode heads: native.halfFromF32 against JS round-to-nearest-even references for f16 and
// bf16 (ties, ±0, ±inf, NaN, overflow, subnormals; every f16 code round-trips), native.gemvHalf at
// every ISA against a float64 product of the widened weights on odd shapes (K around the 4-, 8- and
// 16-wide vector tails, N around the row groups, 1000+; 1 to 9 rows of x) at 1 and 2 threads, a row's
// result independent of how many rows share the call, then bad arguments.
import { native } from '../../lib/native';
import type { HalfFormat } from '../../lib/native/gemm';
import type { IsaName } from '../../lib/native/system';
import { expectThrows, rng, withIsa } from './util';

const ISAS = native.info().availableIsas as IsaName[];
const FORMATS: HalfFormat[] = ['f16', 'bf16'];

const f32Bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];

/** bf16 of an f32 by the textbook rule, on the bits. */
function bf16Ref(x: number): number {
  const u = f32Bits(x);
  if ((u & 0x7fffffff) > 0x7f800000) return (u >>> 16) | 0x40;
  const lower = u & 0xffff, upper = u >>> 16;
  if (lower > 0x8000 || (lower === 0x8000 && (upper & 1) === 1)) return (upper + 1) & 0xffff;
  return upper;
}

/** The value of an f16 code, from its fields (float64, exact). */
function f16Value(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m === 0 ? sign * Infinity : NaN;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** f16 of an f32 by search: the nearest of the finite codes (ties to the even code), or ±inf past 65520. */
function f16Ref(x: number): number {
  if (Number.isNaN(x)) return -1; // checked separately
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  let lo = 0, hi = 0x7bff; // codes are ordered like their magnitudes: the largest code ≤ a
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (f16Value(mid) <= a) lo = mid;
    else hi = mid - 1;
  }
  if (lo === 0x7bff) return sign | 0x7bff; // 65504 ≤ a < 65520
  const below = f16Value(lo), above = f16Value(lo + 1);
  const code = a - below < above - a ? lo : a - below > above - a ? lo + 1 : lo % 2 === 0 ? lo : lo + 1;
  return sign | code;
}

function widen(h: number, format: HalfFormat): number {
  return format === 'bf16' ? new Float32Array(new Uint32Array([h << 16]).buffer)[0] : f16Value(h);
}

describe('halfFromF32', () => {
  const special = [0, -0, 1, -1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 1 + 2 ** -11 + 2 ** -20, Infinity, -Infinity,
    NaN, 3.4028234e38, -3.4e38, 65504, 65519.99, 65520, -65520, 70000, 2 ** -14, 2 ** -14 - 2 ** -25, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 2 ** -26,
    1e-40, -1e-41, 2 ** -133, 0.1, -0.3];
  const r = rng(1);
  const src = new Float32Array([...special, ...Array.from({ length: 5000 }, () => (r() - 0.5) * 10 ** Math.floor(r() * 14 - 9))]);

  test('bf16: rounds to nearest even, keeps ±0 / ±inf / NaN, overflows to inf, handles subnormals', () => {
    const dst = new Uint16Array(src.length);
    expect(native.halfFromF32(src, dst, 'bf16')).toBe(2); // ±3.4e38 round past the largest bf16, to ±inf
    for (let i = 0; i < src.length; i++) expect([i, dst[i]]).toEqual([i, bf16Ref(src[i])]);
    expect(widen(dst[4], 'bf16')).toBe(1); // 1 + 2^-8 is a tie: to the even neighbour, 1
    expect(widen(dst[5], 'bf16')).toBe(1 + 2 ** -6);
    expect(Number.isNaN(widen(dst[11], 'bf16'))).toBe(true);
  });

  test('f16: the nearest code, ties to even, ±0 / ±inf / NaN, overflow counted, subnormals', () => {
    const dst = new Uint16Array(src.length);
    const overflowed = native.halfFromF32(src, dst, 'f16');
    let expectOverflow = 0;
    for (let i = 0; i < src.length; i++) {
      if (Number.isNaN(src[i])) {
        expect(Number.isNaN(f16Value(dst[i]))).toBe(true);
        continue;
      }
      if (Number.isFinite(src[i]) && Math.abs(src[i]) >= 65520) expectOverflow++;
      expect([i, src[i], dst[i]]).toEqual([i, src[i], f16Ref(src[i])]);
    }
    expect(overflowed).toBe(expectOverflow);
    expect(expectOverflow).toBe(5); // 65520, -65520, 70000, ±3.4e38 (the random values stay below 5000)
    expect(f16Value(dst[6])).toBe(1); // 1 + 2^-11 is a tie: to the even neighbour, 1
    expect(f16Value(dst[7])).toBe(1 + 2 ** -9); // 1 + 3·2^-11 is a tie: to the even neighbour above
    expect(f16Value(dst[8])).toBe(1 + 2 ** -10); // just past the tie: up
    expect(f16Value(dst[15])).toBe(65504); // 65519.99: still the largest finite code
    expect(f16Value(dst[16])).toBe(Infinity); // 65520: the tie with 2^16 goes to the even side, inf
    expect(f16Value(dst[21])).toBe(2 ** -24); // the smallest subnormal
    expect(Object.is(f16Value(dst[22]), 0)).toBe(true); // 2^-25 is a tie between 0 and 2^-24: to 0
    expect(f16Value(dst[23])).toBe(2 ** -24); // 3·2^-26 rounds up
    expect(Object.is(f16Value(dst[1]), -0)).toBe(true);
  });

  test('f16: every code widens and narrows back to itself (NaNs stay NaN)', () => {
    const codes = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const values = Float32Array.from(codes, f16Value);
    const back = new Uint16Array(codes.length);
    expect(native.halfFromF32(values, back, 'f16')).toBe(0);
    for (let h = 0; h < 65536; h++) {
      if (Number.isNaN(values[h])) expect(Number.isNaN(f16Value(back[h]))).toBe(true);
      else if (back[h] !== h) throw new Error(`f16 code ${h} came back as ${back[h]}`);
    }
  });

  test('bad arguments', () => {
    expectThrows(() => native.halfFromF32(new Float32Array(3), new Uint16Array(2), 'f16'), 'RangeError', /halfFromF32: dst must have src.length = 3 elements, got 2/);
    expectThrows(() => native.halfFromF32(new Float32Array(3), new Int16Array(3) as unknown as Uint16Array, 'f16'), 'TypeError', /halfFromF32: dst must be a Uint16Array/);
    expectThrows(() => native.halfFromF32(new Float32Array(3), new Uint16Array(3), 'fp16' as HalfFormat), 'RangeError', /halfFromF32: format must be 'f16' or 'bf16', got 'fp16'/);
    expectThrows(() => native.halfFromF32(new Float32Array(3), new Uint16Array(3), 16 as unknown as HalfFormat), 'TypeError', /halfFromF32: format must be a string/);
    expectThrows(() => (native.halfFromF32 as (...a: unknown[]) => void)(new Float32Array(3), new Uint16Array(3)), 'TypeError', /expected 3 arguments/);
  });
});

describe('gemvHalf', () => {
  const Ks = [1, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 47, 1000];
  const Ns = [1, 3, 4, 5, 33, 1029];
  // The cases and their float64 products, once: every ISA and thread count is checked against them.
  let seed = 10;
  const cases = FORMATS.flatMap((format) => Ks.flatMap((K) => Ns.map((N) => {
    const M = [1, 2, 3, 4, 5, 9][seed % 6];
    const r = rng(seed++);
    const x = Float32Array.from({ length: M * K }, () => r() - 0.5);
    const w = new Uint16Array(N * K);
    native.halfFromF32(Float32Array.from({ length: N * K }, () => r() - 0.5), w, format);
    const wide = Float64Array.from(w, (h) => widen(h, format));
    const want = new Float64Array(M * N);
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let p = 0; p < K; p++) s += x[i * K + p] * wide[j * K + p];
      want[i * N + j] = s;
    }
    return { format, M, N, K, x, w, want };
  })));
  for (const isa of ISAS) {
    for (const threads of [1, 2]) {
      test(`${isa}, ${threads} thread(s): odd shapes and 1–9 rows of x against float64, both formats`, () => {
        withIsa(isa, threads, () => {
          for (const { format, M, N, K, x, w, want } of cases) {
            const out = new Float32Array(M * N).fill(NaN);
            native.gemvHalf(x, M, w, N, K, out, format);
            for (let i = 0; i < M * N; i++) {
              const err = Math.abs(out[i] - want[i]);
              if (!(err <= 1e-7 * K + 1e-5 * Math.abs(want[i]))) throw new Error(`${isa} ${format} M${M} N${N} K${K} [${Math.floor(i / N)},${i % N}]: ${out[i]} vs ${want[i]}`);
            }
          }
        });
      });
    }
    test(`${isa}: a row's logits do not depend on how many rows share the call (a batch decodes as each sequence alone)`, () => {
      withIsa(isa, 2, () => {
        for (const format of FORMATS) for (const K of [33, 256]) {
          const M = 7, N = 517;
          const r = rng(K);
          const x = Float32Array.from({ length: M * K }, () => r() - 0.5);
          const w = new Uint16Array(N * K);
          native.halfFromF32(Float32Array.from({ length: N * K }, () => r() - 0.5), w, format);
          const all = new Float32Array(M * N);
          native.gemvHalf(x, M, w, N, K, all, format);
          for (let i = 0; i < M; i++) {
            const alone = new Float32Array(N);
            native.gemvHalf(x.subarray(i * K, (i + 1) * K), 1, w, N, K, alone, format);
            expect(all.subarray(i * N, (i + 1) * N)).toEqual(alone);
          }
        }
      });
    });
  }
  test('bad arguments name gemvHalf and the argument', () => {
    const x = new Float32Array(8), w = new Uint16Array(24), out = new Float32Array(3);
    expectThrows(() => native.gemvHalf(x, 1, new Float32Array(24) as unknown as Uint16Array, 3, 8, out, 'f16'), 'TypeError', /gemvHalf: W must be a Uint16Array, got Float32Array/);
    expectThrows(() => native.gemvHalf(x, 1, w, 4, 8, out, 'f16'), 'RangeError', /gemvHalf: W/);
    expectThrows(() => native.gemvHalf(x, 2, w, 3, 8, new Float32Array(6), 'f16'), 'RangeError', /gemvHalf: x/);
    expectThrows(() => native.gemvHalf(x, 1, w, 3, 8, new Float32Array(2), 'f16'), 'RangeError', /gemvHalf: out/);
    expectThrows(() => native.gemvHalf(x, -1, w, 3, 8, out, 'f16'), 'RangeError', /gemvHalf: M/);
    expectThrows(() => native.gemvHalf(x, 1, w, 3, 8, x.subarray(0, 3), 'f16'), 'RangeError', /must not share memory/);
    expectThrows(() => native.gemvHalf(x, 1, w, 3, 8, out, 'f32' as HalfFormat), 'RangeError', /gemvHalf: format must be 'f16' or 'bf16', got 'f32'/);
    expectThrows(() => (native.gemvHalf as (...a: unknown[]) => void)(x, 1, w, 3, 8, out), 'TypeError', /expected 7 arguments/);
  });
});
