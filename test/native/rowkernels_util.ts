// Test helpers for the softmax, norm and embedding kernel tests: seeded random data, ISA/thread sweeps
// that restore the previous settings, and an atol + |ref|*rtol comparison that names the worst element.
import { native } from '../../lib/native';
import type { IsaName } from '../../lib/native/system';

/** mulberry32: a small seeded PRNG so failures reproduce. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n normal samples times `scale` (Box-Muller). */
export function randn(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(r(), 1e-12);
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r()) * scale;
  }
  return out;
}

export function randInts(n: number, lo: number, hi: number, seed: number): Int32Array {
  const r = rng(seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + Math.floor(r() * (hi - lo));
  return out;
}

export const ISAS: IsaName[] = native.info().availableIsas;
export const SIMD_ISAS: IsaName[] = ISAS.filter((i) => i !== 'scalar');

/** Runs fn under `isa` and `threads`, restoring both afterwards. */
export function withIsa<T>(isa: IsaName, threads: number, fn: () => T): T {
  const prev = native.info();
  native.setIsa(isa);
  native.setThreads(threads);
  try {
    return fn();
  } finally {
    native.setIsa(prev.isa);
    native.setThreads(prev.threads);
  }
}

/** Throws naming the worst element unless |a - b| <= atol + |b| * rtol everywhere (NaN never passes). */
export function expectClose(
  actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, label: string,
): void {
  expect(actual.length).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (a === e) continue;  // also covers equal infinities
    const excess = Math.abs(a - e) - (atol + Math.abs(e) * rtol);
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${label}: element ${worst} is ${actual[worst]}, expected ${expected[worst]} (atol ${atol}, rtol ${rtol})`,
    );
  }
}

/**
 * Expects fn to throw `type` with a message containing every fragment. Addon errors come from the main
 * realm, not jest's sandbox, so the error's name is compared, not its class.
 */
export function expectThrows(fn: () => unknown, type: typeof TypeError | typeof RangeError, ...fragments: string[]): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeDefined();
  expect((err as Error).name).toBe(type.name);
  for (const f of fragments) expect((err as Error).message).toContain(f);
}

/** Bitwise equality of two float arrays (fast on large arrays, unlike toEqual); names the first difference. */
export function expectIdentical(actual: Float32Array, expected: Float32Array, label: string): void {
  expect(actual.length).toBe(expected.length);
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== e[i]) throw new Error(`${label}: element ${i} is ${actual[i]}, expected exactly ${expected[i]}`);
  }
}
