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

