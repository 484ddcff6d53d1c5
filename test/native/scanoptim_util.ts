// Test helpers shared by the scan, optim and rng native tests: seeded data, ISA/thread sweeps that
// restore the process settings, and an atol + |ref|·rtol comparison that names the worst element.
import { native } from '../../lib/native';
import type { IsaName } from '../../lib/native/system';

/** Deterministic test data (mulberry32), uniform in [lo, hi). */
export function randomF32(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (hi - lo));
  }
  return out;
}

/** Runs fn with the given ISA and thread count, restoring both afterwards. */
export function withIsa<T>(isa: IsaName, threads: number, fn: () => T): T {
  const before = native.info();
  native.setIsa(isa);
  native.setThreads(threads);
  try {
    return fn();
  } finally {
    native.setIsa(before.isa);
    native.setThreads(before.threads);
  }
}

export const simdIsas = (): IsaName[] => native.info().availableIsas.filter((i) => i !== 'scalar');

/** Fails with the worst element when |got − want| > atol + |want|·rtol anywhere. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  expect(got.length).toBe(want.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i] - want[i]) - (atol + Math.abs(want[i]) * rtol);
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) throw new Error(`${what}: element ${worst}: got ${got[worst]}, want ${want[worst]} (atol ${atol}, rtol ${rtol})`);
}

/**
 * Asserts fn throws `type` with a message containing every fragment (function and argument names).
 * Addon errors come from the addon's realm, not jest's sandbox, so the type is compared by name.
 */
export function expectThrowsNamed(fn: () => unknown, type: ErrorConstructor, ...fragments: string[]): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).not.toBeNull();
  expect((caught as Error).constructor.name).toBe(type.name);
  for (const f of fragments) expect((caught as Error).message).toContain(f);
}
