// Generator: reproducible for any thread count and any split of draws, offset bookkeeping, state
// round-trip, seed handling and distribution sanity.
import { native } from '../lib/native';
import { Generator } from '../lib/random';
import { tidy } from '../lib/tensor/scope';

function withThreads<T>(threads: number, fn: () => T): T {
  const before = native.info().threads;
  native.setThreads(threads);
  try {
    return fn();
  } finally {
    native.setThreads(before);
  }
}

describe('Generator', () => {
  test('same seed, same draws, for 1 and 2 threads', () => {
    const draw = () => tidy(() => {
      const g = new Generator(1234);
      return [...g.uniform([300, 301]).toArray(), ...g.normal([70001], 1, 3).toArray(), ...g.randint([999], 0, 50).toArray()];
    });
    expect(withThreads(2, draw)).toEqual(withThreads(1, draw));
  });

  test('offset advances by the elements drawn, rounded up to a Philox block of 4', () => {
    const g = new Generator(7);
    tidy(() => {
      g.uniform([3]);
      expect(g.offset).toBe(4);
      g.normal([2, 4]);
      expect(g.offset).toBe(12);
      expect(() => g.bernoulli([5], 2)).toThrow(/rngBernoulli: p/);
      expect(g.offset).toBe(12); // a failed draw consumes nothing
      g.bernoulli([1], 0.5);
      expect(g.offset).toBe(16);
    });
  });

  test('draws equal the native stream at the generator offset; state restores a run', () => {
    tidy(() => {
      const g = new Generator(99);
      g.uniform([5]);
      const saved = g.state;
      const a = g.normal([10], 0, 1).toArray();
      const raw = new Float32Array(10);
      native.rngNormal(raw, saved.seedLo, saved.seedHi, saved.offset, 0, 1);
      expect(a).toEqual(Array.from(raw));
      const h = new Generator(0);
      h.state = saved;
      expect(h.normal([10]).toArray()).toEqual(a);
    });
  });

  test('seeds: number and bigint split into 32-bit words; bad seeds throw', () => {
    expect(new Generator(2 ** 32 + 5).state).toEqual({ seedLo: 5, seedHi: 1, offset: 0 });
    expect(new Generator(0xffffffff_00000002n).state).toEqual({ seedLo: 2, seedHi: 0xffffffff, offset: 0 });
    expect(() => new Generator(-1)).toThrow(/Generator: seed/);
    expect(() => new Generator(1.5)).toThrow(/Generator: seed/);
    expect(() => new Generator(1n << 64n)).toThrow(/Generator: seed/);
    expect(() => {
      new Generator(0).state = { seedLo: 2 ** 32, seedHi: 0, offset: 0 };
    }).toThrow(/state.seedLo/);
    tidy(() => {
      const a = new Generator(1).uniform([8]).toArray(), b = new Generator(2).uniform([8]).toArray();
      expect(a).not.toEqual(b);
    });
  });

  test('distributions: uniform range and moments, normal moments, bernoulli rate, randint range', () => {
    tidy(() => {
      const g = new Generator(5);
      const u = g.uniform([200000], -2, 3).f32();
      let lo = Infinity, hi = -Infinity, s = 0;
      for (const x of u) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
        s += x;
      }
      expect(lo).toBeGreaterThanOrEqual(-2);
      expect(hi).toBeLessThan(3);
      expect(Math.abs(s / u.length - 0.5)).toBeLessThan(0.02); // std error 1.44/sqrt(2e5) = 3.2e-3
      const z = g.normal([200000], -1, 0.5).f32();
      let m = 0, v = 0;
      for (const x of z) m += x;
      m /= z.length;
      for (const x of z) v += (x - m) ** 2;
      expect(Math.abs(m + 1)).toBeLessThan(0.005);
      expect(Math.abs(Math.sqrt(v / z.length) - 0.5)).toBeLessThan(0.005);
      const b = g.bernoulli([100000], 0.9).data as Uint8Array;
      expect(Math.abs(b.reduce((p, x) => p + x, 0) / b.length - 0.9)).toBeLessThan(0.005);
      const r = g.randint([10000], 3, 6).i32();
      expect(Math.min(...r)).toBe(3);
      expect(Math.max(...r)).toBe(5);
      expect(() => g.uniform([2], 1, 1)).toThrow(/Generator.uniform/);
    });
  });
});
