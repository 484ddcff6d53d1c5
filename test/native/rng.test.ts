// RNG family: Philox4x32-10 known answers (Random123 kat_vectors), counter-stream independence from
// thread count and call splitting, statistical sanity of each distribution over 1e6 samples, errors.
import { native } from '../../lib/native';
import { expectThrowsNamed, withIsa } from './scanoptim_util';

const N = 1_000_000;
const SEED: [number, number] = [0x2a, 0xdeadbeef];

function philox(ctr: number[], key: number[]): number[] {
  const out = new Uint32Array(4);
  native.philox4x32(out, Uint32Array.from(ctr), Uint32Array.from(key));
  return Array.from(out);
}

function meanVar(a: ArrayLike<number>): [number, number] {
  let s = 0, s2 = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  const m = s / a.length;
  for (let i = 0; i < a.length; i++) s2 += (a[i] - m) ** 2;
  return [m, s2 / a.length];
}

type Fill = (n: number, offset: number) => ArrayLike<number> & ArrayBufferView;
const fills: Record<string, Fill> = {
  raw: (n, o) => { const a = new Uint32Array(n); native.rngRaw(a, SEED[0], SEED[1], o); return a; },
  uniform: (n, o) => { const a = new Float32Array(n); native.rngUniform(a, SEED[0], SEED[1], o); return a; },
  normal: (n, o) => { const a = new Float32Array(n); native.rngNormal(a, SEED[0], SEED[1], o, 0.5, 2); return a; },
  bernoulli: (n, o) => { const a = new Uint8Array(n); native.rngBernoulli(a, SEED[0], SEED[1], o, 0.3); return a; },
  randint: (n, o) => { const a = new Int32Array(n); native.rngRandint(a, SEED[0], SEED[1], o, -5, 7); return a; },
};

describe('Philox4x32-10', () => {
  test('known-answer vectors from Random123 kat_vectors', () => {
    expect(philox([0, 0, 0, 0], [0, 0])).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    expect(philox([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])).toEqual([
      0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd,
    ]);
    expect(philox([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0])).toEqual([
      0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1,
    ]);
  });

  test('the raw stream is block e/4 of the counter sequence, lane e%4, with a 64-bit block counter', () => {
    const a = new Uint32Array(8);
    native.rngRaw(a, 0, 0, 0);
    expect(Array.from(a.subarray(0, 4))).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    expect(Array.from(a.subarray(4))).toEqual(philox([1, 0, 0, 0], [0, 0]));
    const far = 2 ** 52 + 5; // block 2^50 + 1: the high counter word is in use
    const b = new Uint32Array(3);
    native.rngRaw(b, 7, 9, far);
    expect(Array.from(b)).toEqual(philox([1, 2 ** 18, 0, 0], [7, 9]).slice(1, 4));
  });
});

describe('counter streams', () => {
  test.each(Object.keys(fills))('%s: identical for threads 1 and 2 and for a split fill', (name) => {
    const fill = fills[name];
    // Every ISA setting must give the same stream (rng is scalar-only; the dispatch must not matter).
    const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const one = withIsa('scalar', 1, () => bytes(fill(N, 3)));
    const two = withIsa(native.info().bestIsa, 2, () => bytes(fill(N, 3)));
    expect(two.equals(one)).toBe(true);
    const first = withIsa('scalar', 2, () => bytes(fill(12345, 3)));
    const rest = withIsa('scalar', 2, () => bytes(fill(N - 12345, 3 + 12345)));
    expect(Buffer.concat([first, rest]).equals(one)).toBe(true);
    expect(one.equals(bytes(fill(N, 4)))).toBe(false); // a shifted offset is a different stream
  });

  test('different seeds and offsets give different streams', () => {
    const a = new Float32Array(64), b = new Float32Array(64), c = new Float32Array(64);
    native.rngUniform(a, 1, 0, 0);
    native.rngUniform(b, 2, 0, 0);
    native.rngUniform(c, 1, 0, 64);
    expect(Array.from(a)).not.toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });
});

describe('distributions (1e6 samples; tolerances are ~5 standard errors)', () => {
  test('uniform: [0, 1), 24-bit grid, mean 1/2, variance 1/12', () => {
    const u = fills.uniform(N, 0) as Float32Array;
    let lo = 1, hi = 0, offGrid = 0;
    for (const x of u) {
      lo = Math.min(lo, x);
      hi = Math.max(hi, x);
      if (!Number.isInteger(x * 2 ** 24)) offGrid++;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(offGrid).toBe(0);
    const [m, v] = meanVar(u);
    expect(Math.abs(m - 0.5)).toBeLessThan(1.5e-3);
    expect(Math.abs(v - 1 / 12)).toBeLessThan(5e-4);
  });

  test('normal: finite, mean and std as asked, Gaussian tail mass', () => {
    const z = fills.normal(N, 0) as Float32Array; // mean 0.5, std 2
    let tail = 0, nonFinite = 0;
    for (const x of z) {
      if (!Number.isFinite(x)) nonFinite++;
      if (Math.abs(x - 0.5) > 6) tail++; // |N| > 3: probability 0.0027
    }
    expect(nonFinite).toBe(0);
    const [m, v] = meanVar(z);
    expect(Math.abs(m - 0.5)).toBeLessThan(1e-2);
    expect(Math.abs(v - 4)).toBeLessThan(3e-2);
    expect(Math.abs(tail / N - 0.0027)).toBeLessThan(3e-4);
  });

  test('bernoulli: rate p, and exact at p = 0 and p = 1', () => {
    const [m] = meanVar(fills.bernoulli(N, 0));
    expect(Math.abs(m - 0.3)).toBeLessThan(2.5e-3);
    const a = new Uint8Array(1000);
    native.rngBernoulli(a, 1, 2, 3, 0);
    expect(a.every((x) => x === 0)).toBe(true);
    native.rngBernoulli(a, 1, 2, 3, 1);
    expect(a.every((x) => x === 1)).toBe(true);
  });

  test('randint: every value in [low, high), each about equally often; full int32 range works', () => {
    const r = fills.randint(N, 0);
    const counts = new Array(12).fill(0);
    let outside = 0;
    for (let i = 0; i < r.length; i++) {
      if (r[i] >= -5 && r[i] < 7) counts[r[i] + 5]++;
      else outside++;
    }
    expect(outside).toBe(0);
    for (const c of counts) expect(Math.abs(c / N - 1 / 12)).toBeLessThan(1.5e-3);
    const w = new Int32Array(1000);
    native.rngRandint(w, 5, 6, 7, -(2 ** 31), 2 ** 31);
    expect(w.some((x) => x < 0) && w.some((x) => x > 0)).toBe(true);
  });
});

describe('argument errors', () => {
  test('name the function and argument', () => {
    const f = new Float32Array(4);
    expectThrowsNamed(() => native.rngUniform(new Float64Array(4) as never, 0, 0, 0), TypeError, 'rngUniform', 'out', 'Float32Array');
    expectThrowsNamed(() => native.rngUniform(f, 2 ** 32, 0, 0), RangeError, 'rngUniform', 'seedLo');
    expectThrowsNamed(() => native.rngNormal(f, 0, -1, 0), RangeError, 'rngNormal', 'seedHi');
    expectThrowsNamed(() => native.rngNormal(f, 0, 0, -1), RangeError, 'rngNormal', 'offset');
    expectThrowsNamed(() => native.rngRaw(new Uint32Array(4), 0, 0, 2 ** 53 - 3), RangeError, 'rngRaw', 'offset');
    expectThrowsNamed(() => native.rngNormal(f, 0, 0, 0, 0, -1), RangeError, 'rngNormal', 'std');
    expectThrowsNamed(() => native.rngNormal(f, 0, 0, 0, NaN), RangeError, 'rngNormal', 'mean');
    expectThrowsNamed(() => native.rngBernoulli(new Uint8Array(4), 0, 0, 0, 1.5), RangeError, 'rngBernoulli', 'p');
    expectThrowsNamed(() => native.rngBernoulli(f as never, 0, 0, 0, 0.5), TypeError, 'rngBernoulli', 'out', 'Uint8Array');
    expectThrowsNamed(() => native.rngRandint(new Int32Array(4), 0, 0, 0, 3, 3), RangeError, 'rngRandint', 'high');
    expectThrowsNamed(() => native.rngRandint(new Int32Array(4), 0, 0, 0, -(2 ** 31) - 1, 3), RangeError, 'rngRandint', 'low');
    expectThrowsNamed(() => native.philox4x32(new Uint32Array(4), new Uint32Array(3), new Uint32Array(2)), RangeError, 'philox4x32', 'counter');
    expectThrowsNamed(() => native.philox4x32(new Uint32Array(4), new Uint32Array(4), new Int32Array(2) as never), TypeError, 'philox4x32', 'key');
  });
});
