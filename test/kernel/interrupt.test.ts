// Interrupting the real kernel (interrupt_request on control, and SIGINT): each case stops within 1 s, keeps
// the session's state, and the next cell runs. One shared kernel; the worker-replacement case goes last.
import { describeJupyter, Driver, IopubMsg, ofType } from './jupyter';

describeJupyter('jupyter kernel interrupt', () => {
  let d: Driver;
  beforeAll(async () => {
    d = new Driver();
    const r = await d.call('execute', { code: 'let state = 42;\nconst sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));' });
    expect(r.reply.status).toBe('ok');
  });
  afterAll(() => d.close());

  const textOf = (iopub: IopubMsg[]) => (ofType(iopub, 'execute_result')[0]?.content.data as Record<string, string>)?.['text/plain'];

  /** Interrupts `code` after `delay` s; checks the stop and that state survived and the next cell runs. */
  async function stops(code: string, opts: { delay?: number; via?: 'message' | 'signal' | 'manager' } = {}) {
    const r = await d.call('interrupt', { code, delay: opts.delay ?? 0.5, via: opts.via ?? 'message' });
    expect(r.reply.status).toBe('error');
    expect(r.reply.ename).toBe('KeyboardInterrupt');
    expect(ofType(r.iopub, 'error')[0].content.ename).toBe('KeyboardInterrupt');
    expect(r.elapsed).toBeLessThan(1);
    if (opts.via === undefined || opts.via === 'message') expect(r.interrupt_reply).toEqual({ status: 'ok' });
    const next = await d.call('execute', { code: 'state += 1; state' });
    expect(next.reply.status).toBe('ok');
    return r;
  }

  test('a CPU-bound while (true) {}', async () => {
    await stops('while (true) {}');
  });

  test('an async loop: for (;;) await sleep(10)', async () => {
    await stops('for (;;) await sleep(10);');
  });

  test('a CPU-bound loop after an await in the same cell', async () => {
    await stops('await sleep(10);\nlet spins = 0;\nwhile (true) { spins++; }');
  });

  test('a cell awaiting a promise that never settles', async () => {
    await stops('await new Promise(() => {});');
  });

  test('CPU-bound code the cell compiler did not instrument (V8 terminate-execution through the inspector)', async () => {
    const r = await stops('new Function("while (true) {}")();');
    expect(r.reply.evalue).toMatch(/interrupted/);
  });

  test('a long native kernel call (one GEMM of 4096^3) stops inside the kernel', async () => {
    const r = await stops(
      'const n = 4096;\nconst A = new Float32Array(n * n), B = new Float32Array(n * n), C = new Float32Array(n * n);\n' +
      'for (let i = 0; i < 20; i++) flashlm.native.gemm(false, false, 1, n, n, n, A, 0, B, 0, C, 0);', { delay: 1.0 });
    expect(r.reply.evalue).toBe("gemm: interrupted"); // the native kernel polled the flag
  });

  test('a flashlm training loop stops at a step boundary with model and optimizer consistent', async () => {
    await d.call('execute', {
      code: 'const gen = new flashlm.Generator(7);\nconst w = gen.normal([256, 256], 0, 0.02).requiresGrad_();\n' +
        'const xb = gen.normal([128, 256], 0, 1);\nconst opt = new flashlm.AdamW([["w", w]], { lr: 1e-3 });\nlet steps = 0;',
    });
    await stops(
      'function trainStep() {\n  const loss = flashlm.ops.mean(flashlm.ops.matmul(xb, w));\n  loss.backward();\n  opt.step();\n  opt.zeroGrad();\n}\n' +
      'while (true) {\n  flashlm.checkInterrupt(); // the step boundary\n  trainStep();\n  steps++;\n}', { delay: 0.8 });
    const r = await d.call('execute', { code: '[steps > 0, opt.stepCount === steps, w.f32().every(Number.isFinite)]' });
    expect(textOf(r.iopub)).toBe('[ true, true, true ]');
  });

  test("jupyter_client's KernelManager.interrupt_kernel() (interrupt_mode from the kernelspec) interrupts", async () => {
    await stops('while (true) {}', { via: 'manager' });
  });

  test('SIGINT (signal-mode frontends) interrupts too', async () => {
    await stops('while (true) {}', { via: 'signal' });
  });

  test('the state survived every interrupt', async () => {
    const r = await d.call('execute', { code: 'state' });
    expect(Number(textOf(r.iopub))).toBeGreaterThan(42);
  });

  test('last resort: a worker stuck in a blocking call is replaced, and the error says so', async () => {
    const r = await d.call('interrupt', { code: 'require("child_process").execSync("sleep 30");', delay: 0.5 });
    expect(r.reply.ename).toBe('KeyboardInterrupt');
    expect(r.elapsed).toBeLessThan(1.5);
    expect(ofType(r.iopub, 'error')[0].content.evalue).toMatch(/replaced .* every variable of the session is gone/);
    const next = await d.call('execute', { code: 'typeof (globalThis as any).state' });
    expect(next.reply.status).toBe('ok');
    expect(textOf(next.iopub)).toBe("'undefined'");
  });
});
