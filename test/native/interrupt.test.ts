// The cooperative interrupt: a kernel running while the flag is set stops early and the call
// throws ERR_FLASHLM_INTERRUPTED; clearing the flag makes the next call run normally.
import { native } from '../../lib/native';

describe('interrupt flag', () => {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  beforeAll(() => native.setInterruptFlag(flag));
  afterAll(() => native.setInterruptFlag(null));

  test('a long GEMM throws when the flag is raised, and runs once it is cleared', () => {
    const M = 512, N = 512, K = 512;
    const a = new Float32Array(M * K).fill(1), b = new Float32Array(K * N).fill(1), c = new Float32Array(M * N);
    Atomics.store(flag, 0, 1);
    let error: unknown;
    try {
      native.gemm(false, false, 1, M, N, K, a, 0, b, 0, c, 0);
    } catch (e) {
      error = e;
    }
    // Errors made by the addon come from Node's realm, not jest's: check fields, not instanceof.
    expect(error).toBeDefined();
    expect((error as Error & { code?: string }).code).toBe('ERR_FLASHLM_INTERRUPTED');
    expect((error as Error).message).toMatch(/gemm: interrupted/);
    Atomics.store(flag, 0, 0);
    native.gemm(false, false, 1, M, N, K, a, 0, b, 0, c, 0);
    expect(c[0]).toBe(K);
    expect(c[M * N - 1]).toBe(K);
  });

  test('setInterruptFlag rejects a non-Int32Array', () => {
    expect(() => native.setInterruptFlag(new Float32Array(1) as unknown as Int32Array)).toThrow(/setInterruptFlag: flag must be a Int32Array/);
  });
});
