// Helpers shared by the elementwise and reduce native tests: run under an ISA/thread setting and
// restore it, and assert an addon error's type and message.
import { native } from '../../lib/native';

export function withIsa<T>(isa: string, threads: number, fn: () => T): T {
  const before = native.info();
  native.setIsa(isa as 'scalar');
  native.setThreads(threads);
  try {
    return fn();
  } finally {
    native.setIsa(before.isa);
    native.setThreads(before.threads);
  }
}

// Errors made by the addon come from the main realm, not jest's sandbox, so compare names, not classes.
export function expectThrows(call: () => void, type: 'TypeError' | 'RangeError', message: RegExp): void {
  let error: unknown = null;
  try {
    call();
  } catch (e) {
    error = e;
  }
  expect(error).not.toBeNull();
  expect((error as Error).name).toBe(type);
  expect((error as Error).message).toMatch(message);
}

/** A seeded uniform [0, 1) generator (mulberry32), so the kernel tests' random inputs are reproducible. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
