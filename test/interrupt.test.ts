// lib/interrupt.ts: the cooperative interrupt check and its link to the native kernels' flag.
import * as flashlm from '../lib';

describe('interrupt flag', () => {
  const word = new Int32Array(new SharedArrayBuffer(4));
  beforeAll(() => flashlm.setInterruptFlag(word));
  afterAll(() => flashlm.setInterruptFlag(null));
  afterEach(() => Atomics.store(word, 0, 0));

  test('checkInterrupt throws a KeyboardInterrupt only while the flag is set', () => {
    expect(flashlm.interrupted()).toBe(false);
    expect(() => flashlm.checkInterrupt()).not.toThrow();
    Atomics.store(word, 0, 1);
    expect(flashlm.interrupted()).toBe(true);
    let caught: unknown;
    try {
      flashlm.checkInterrupt();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(flashlm.KeyboardInterrupt);
    expect((caught as Error).name).toBe('KeyboardInterrupt');
    expect(flashlm.isInterrupt(caught)).toBe(true);
  });

  test('native kernels see the same flag and stop with ERR_FLASHLM_INTERRUPTED', () => {
    const n = 64;
    const a = new Float32Array(n * n), c = new Float32Array(n * n);
    Atomics.store(word, 0, 1);
    let caught: { code?: string; message?: string } = {};
    try {
      flashlm.native.gemm(false, false, 1, n, n, n, a, 0, a, 0, c, 0);
    } catch (e) {
      caught = e as { code?: string };
    }
    expect(caught.code).toBe('ERR_FLASHLM_INTERRUPTED');
    expect(flashlm.isInterrupt(caught)).toBe(true);
    Atomics.store(word, 0, 0);
    expect(() => flashlm.native.gemm(false, false, 1, n, n, n, a, 0, a, 0, c, 0)).not.toThrow();
  });

  test('setInterruptFlag rejects anything but an Int32Array or null', () => {
    expect(() => flashlm.setInterruptFlag(new Float32Array(1) as unknown as Int32Array)).toThrow(/Int32Array/);
    flashlm.setInterruptFlag(word);
  });
});
