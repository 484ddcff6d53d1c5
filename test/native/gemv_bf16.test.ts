// bfloat16 decode heads (opt-in): native.bf16FromF32 against a JS round-to-nearest-even reference
// (ties, ±0, ±inf, NaN, overflow, subnormals), native.gemvBf16 at every ISA against a float64 product
// of the widened weights on odd shapes (K around the 8- and 16-wide vector tails, N around the 4-row
// groups, 1000+) at 1 and 2 threads, then bad arguments.
import { native } from '../../lib/native';
import type { IsaName } from '../../lib/native/system';
import { expectThrows, rng, withIsa } from './util';

const ISAS = native.info().availableIsas as IsaName[];

/** bf16 of an f32 by the textbook rule, on the bits. */
function bf16Ref(x: number): number {
  const u = new Uint32Array(new Float32Array([x]).buffer)[0];
  if ((u & 0x7fffffff) > 0x7f800000) return (u >>> 16) | 0x40;
  const lower = u & 0xffff, upper = u >>> 16;
  if (lower > 0x8000 || (lower === 0x8000 && (upper & 1) === 1)) return (upper + 1) & 0xffff;
  return upper;
}
function widen(h: number): number {
  return new Float32Array(new Uint32Array([h << 16]).buffer)[0];
}

describe('bf16FromF32', () => {
  test('rounds to nearest even, keeps ±0 / ±inf / NaN, overflows to inf, handles subnormals', () => {
    const special = [0, -0, 1, -1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, Infinity, -Infinity, NaN, 3.4028234e38, -3.4e38,
      1e-40, -1e-41, 2 ** -133, 65504, 0.1, -0.3];
    const r = rng(1);
    const src = new Float32Array([...special, ...Array.from({ length: 5000 }, () => (r() - 0.5) * 10 ** Math.floor(r() * 12 - 6))]);
    const dst = new Uint16Array(src.length);
    native.bf16FromF32(src, dst);
    for (let i = 0; i < src.length; i++) expect([i, dst[i]]).toEqual([i, bf16Ref(src[i])]);
    expect(widen(dst[4])).toBe(1); // 1 + 2^-8 is a tie: to the even neighbour, 1
    expect(widen(dst[5])).toBe(1 + 2 ** -6); // 1 + 3·2^-8 is a tie: to the even neighbour above
    expect(widen(dst[10])).toBe(Infinity); // FLT_MAX rounds past the largest bf16
    expect(Number.isNaN(widen(dst[9]))).toBe(true);
    expect(Object.is(widen(dst[1]), -0)).toBe(true);
  });
  test('bad arguments', () => {
    expectThrows(() => native.bf16FromF32(new Float32Array(3), new Uint16Array(2)), 'RangeError', /bf16FromF32: dst must have src.length = 3 elements, got 2/);
    expectThrows(() => native.bf16FromF32(new Float32Array(3), new Int16Array(3) as unknown as Uint16Array), 'TypeError', /bf16FromF32: dst must be a Uint16Array/);
    expectThrows(() => (native.bf16FromF32 as (...a: unknown[]) => void)(new Float32Array(3)), 'TypeError', /expected 2 arguments/);
  });
});

describe('gemvBf16', () => {
  const Ks = [1, 7, 8, 15, 16, 17, 31, 32, 33, 47, 1000];
  const Ns = [1, 3, 4, 5, 33, 1029];
  for (const isa of ISAS) {
    for (const threads of [1, 2]) {
      test(`${isa}, ${threads} thread(s): odd shapes against float64`, () => {
        withIsa(isa, threads, () => {
          let seed = 10;
          for (const K of Ks) for (const N of Ns) {
            const M = seed % 3 === 0 ? 2 : 1;
            const r = rng(seed++);
            const x = Float32Array.from({ length: M * K }, () => r() - 0.5);
            const w = new Uint16Array(N * K);
            native.bf16FromF32(Float32Array.from({ length: N * K }, () => r() - 0.5), w);
            const out = new Float32Array(M * N).fill(NaN);
            native.gemvBf16(x, M, w, N, K, out);
            for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
              let s = 0;
              for (let p = 0; p < K; p++) s += x[i * K + p] * widen(w[j * K + p]);
              const err = Math.abs(out[i * N + j] - s);
              if (!(err <= 1e-7 * K + 1e-5 * Math.abs(s))) throw new Error(`${isa} M${M} N${N} K${K} [${i},${j}]: ${out[i * N + j]} vs ${s}`);
            }
          }
        });
      });
    }
  }
  test('bad arguments name gemvBf16 and the argument', () => {
    const x = new Float32Array(8), w = new Uint16Array(24), out = new Float32Array(3);
    expectThrows(() => native.gemvBf16(x, 1, new Float32Array(24) as unknown as Uint16Array, 3, 8, out), 'TypeError', /gemvBf16: W must be a Uint16Array, got Float32Array/);
    expectThrows(() => native.gemvBf16(x, 1, w, 4, 8, out), 'RangeError', /gemvBf16: W/);
    expectThrows(() => native.gemvBf16(x, 2, w, 3, 8, new Float32Array(6)), 'RangeError', /gemvBf16: x/);
    expectThrows(() => native.gemvBf16(x, 1, w, 3, 8, new Float32Array(2)), 'RangeError', /gemvBf16: out/);
    expectThrows(() => native.gemvBf16(x, -1, w, 3, 8, out), 'RangeError', /gemvBf16: M/);
    expectThrows(() => native.gemvBf16(x, 1, w, 3, 8, x.subarray(0, 3)), 'RangeError', /must not share memory/);
    expectThrows(() => (native.gemvBf16 as (...a: unknown[]) => void)(x, 1, w, 3, 8), 'TypeError', /expected 6 arguments/);
  });
});
