// How fast is the kernel's TypeScript session? Cold start (session + first cell), warm compileCell of `1+1`
// and of a flashlm-using cell, compile+commit of declaring cells, compileCell after many cells, and
// completion of `flashlm.`. Prints {"bench":"kernel_ts","case",...,"p50_ms","p95_ms"} lines (ms, this process).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TypeScriptSession } from '../kernel/typescript/session';

function stats(samples: number[]): { p50_ms: number; p95_ms: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => Number(s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(3));
  return { p50_ms: q(0.5), p95_ms: q(0.95), n: s.length };
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

function repeat(n: number, fn: (i: number) => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(time(() => fn(i)));
  return out;
}

function print(obj: object): void {
  console.log(JSON.stringify({ bench: 'kernel_ts', ...obj }));
}

function compileOk(session: TypeScriptSession, src: string) {
  const r = session.compileCell(src, { filename: 'cell.ts' });
  if (!r.ok) throw new Error(`bench: cell failed to compile: ${JSON.stringify(r.diagnostics)}`);
  return r;
}

async function main(): Promise<void> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-bench-ts-'));
  try {
    let session!: TypeScriptSession;
    const ctor = time(() => { session = new TypeScriptSession({ cwd }); });
    const first = time(() => compileOk(session, '1+1'));
    print({ case: 'cold_start', construct_ms: Number(ctor.toFixed(1)), first_compile_ms: Number(first.toFixed(1)) });
    const warmed = new TypeScriptSession({ cwd });
    const warmMs = time(() => warmed.warm(true)); // what the constructor schedules for the first idle moment
    const afterWarm = time(() => compileOk(warmed, '1+1'));
    print({ case: 'cold_start_prewarmed', warm_ms: Number(warmMs.toFixed(1)), first_compile_ms: Number(afterWarm.toFixed(1)) });
    const firstFlashlm = time(() => compileOk(session, 'const t0 = flashlm.Tensor.from([1, 2, 3]); t0.shape'));
    const firstComplete = time(() => session.complete('flashlm.', 8));
    print({ case: 'first_use', flashlm_cell_ms: Number(firstFlashlm.toFixed(1)), complete_ms: Number(firstComplete.toFixed(1)) });

    repeat(20, () => compileOk(session, '1+1'));
    print({ case: 'compile_1+1', ...stats(repeat(200, () => compileOk(session, '1+1'))) });
    const flashlmCell = 'const t = flashlm.Tensor.from([1, 2, 3, 4], [2, 2]); t.shape';
    print({ case: 'compile_flashlm_cell', ...stats(repeat(100, () => compileOk(session, flashlmCell))) });
    // what the executor does per declaring cell: compile, then commit (the next compile sees a new header)
    print({
      case: 'compile_commit_declaring_cell',
      ...stats(repeat(50, (i) => session.commitCell(compileOk(session, `const v${i} = ${i} + 1;`)))),
    });
    // with an idle moment after each commit (as between cells), the program walk happens in the idle time
    const idle: number[] = [];
    for (let i = 0; i < 30; i++) {
      idle.push(time(() => session.commitCell(compileOk(session, `const w${i} = ${i} + 1;`))));
      await new Promise((res) => setImmediate(res));
    }
    print({ case: 'compile_commit_declaring_cell_idle_between', ...stats(idle) });
    print({ case: 'compile_varying_expr', ...stats(repeat(200, (i) => compileOk(session, `${i} + 1`))) });
    print({ case: 'compile_1+1_after_50_cells', ...stats(repeat(100, () => compileOk(session, '1+1'))) });
    // alternate two texts so every request sees changed text, as a typing user does
    const texts = ['flashlm.', 'flashlm.T'];
    print({ case: 'complete_flashlm.', ...stats(repeat(50, (i) => session.complete(texts[i % 2], texts[i % 2].length))) });
    print({ case: 'complete_after_compile', ...stats(repeat(30, () => {
      compileOk(session, '1+1');
      session.complete('flashlm.', 8);
    })) });
    print({ case: 'is_complete', ...stats(repeat(200, () => session.isComplete('function f() {\n  return 1;\n}'))) });
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

void main();
