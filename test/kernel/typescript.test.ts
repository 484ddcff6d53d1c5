// The kernel's TypeScript session: compiled cells run in a real vm context with a small fake runtime
// (ts_notebook.ts), as the executor runs them.
import * as fs from 'fs';
import * as path from 'path';
import { TypeScriptSession } from '../../kernel/typescript/session';
import { CELL, makeNotebookDir, makeRuntime, Runtime, runCompiled } from './ts_notebook';

describe('TypeScriptSession', () => {
  let cwd: string;
  let session: TypeScriptSession;
  let rt: Runtime;

  /** Compile, run, commit: what the executor does with a cell; returns the cell's value. */
  async function run(source: string): Promise<{ hasValue: boolean; value: unknown }> {
    const r = session.compileCell(source, { filename: CELL });
    const out = await runCompiled(rt, r);
    session.commitCell(r);
    return out;
  }
  async function value(source: string): Promise<unknown> {
    const out = await run(source);
    expect(out.hasValue).toBe(true);
    return out.value;
  }
  function errors(source: string) {
    const r = session.compileCell(source, { filename: CELL });
    if (r.ok) throw new Error('expected type errors in: ' + source);
    return r.diagnostics;
  }

  beforeAll(() => {
    cwd = makeNotebookDir();
    session = new TypeScriptSession({ cwd });
  });
  afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));
  beforeEach(() => {
    session.reset();
    rt = makeRuntime(cwd);
  });

  test('top-level declarations persist across cells', async () => {
    await run('const a = 2; let b = 3; var c = 4;');
    expect(await value('a * b * c')).toBe(24);
    await run('b = 10'); // a `let` from an earlier cell is assignable
    expect(await value('b')).toBe(10);
    await run('let later;'); // no type: `any` in later cells (its type evolved by assignment in its own cell)
    await run('later = "set";');
    expect(await value('later.length')).toBe(3);
  });

  test('re-running a cell that declares const works, and the newest declaration wins type-wise', async () => {
    await run('const x = 1;');
    await run('const x = 1;');
    await run('const x = "now a string";');
    expect(await value('x.toUpperCase()')).toBe('NOW A STRING');
    expect(errors('const n: number = x;')[0].message).toMatch(/string.*not assignable.*number/);
  });

  test('assigning to a const of an earlier cell is a type error', () => {
    return run('const k = 1;').then(() => {
      const d = errors('k = 2;');
      expect(d[0]).toMatchObject({ line: 1, column: 1, code: 2588 });
      expect(d[0].message).toContain("Cannot assign to 'k' because it is a constant");
    });
  });

  test('functions, classes, enums, namespaces, interfaces and destructuring persist', async () => {
    await run([
      'let count = 0;',
      'function inc(by = 1) { count += by; return count; }',
      'class Point { constructor(public x: number, public y: number) {} norm() { return Math.hypot(this.x, this.y); } }',
      'enum Color { Red, Green = 5 }',
      'namespace Geo { export const origin = new Point(0, 0); }',
      'interface Named { name: string }',
      'const { p, q: [r = 9] } = { p: 1, q: [] as number[] };',
    ].join('\n'));
    expect(await value('inc(); inc(2)')).toBe(3);
    expect(await value('count')).toBe(3); // the function updates the global, not a copy
    expect(await value('new Point(3, 4).norm()')).toBe(5);
    expect(await value('[Color.Green, Color[5], Geo.origin.x, p, r]')).toEqual([5, 'Green', 0, 1, 9]);
    expect(await value('const who: Named = { name: "n" }; who.name')).toBe('n');
    await run('const h = early();\nfunction early() { return "hoisted"; }');
    expect(await value('h')).toBe('hoisted');
  });

  test('a re-run enum or namespace starts fresh, while merging within one cell', async () => {
    await run('enum Mode { A = 1, B = 2 }');
    await run('enum Mode { C = 3 }\nenum Mode { D = 4 }\nnamespace NS { export const a = 1; }\nnamespace NS { export const b = 2; }');
    expect(await value('[Object.keys(Mode).sort().join(), NS.a + NS.b]')).toEqual(['3,4,C,D', 3]);
  });

  test('a function re-declared in a later cell replaces the old one for callers in earlier cells', async () => {
    await run('function f() { return 1; }\nfunction callF() { return f(); }');
    await run('function f() { return 2; }');
    expect(await value('callF()')).toBe(2);
  });

  test('the last expression statement is the value; a declaration-ending cell has none', async () => {
    expect(await run('1 + 1')).toEqual({ hasValue: true, value: 2 });
    expect(await run('const v = 5;')).toEqual({ hasValue: false, value: undefined });
    expect(await run('function g() {}')).toEqual({ hasValue: false, value: undefined });
    expect(await run('')).toEqual({ hasValue: false, value: undefined });
    expect(await run('// just a comment')).toEqual({ hasValue: false, value: undefined });
    expect(await run('if (true) { 3 }')).toEqual({ hasValue: false, value: undefined });
    expect(await run('enum Last { A }')).toEqual({ hasValue: false, value: undefined });
    expect(await run('v; 7')).toEqual({ hasValue: true, value: 7 });
  });

  test('top-level await, for await, and await in declarations', async () => {
    await run('const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));');
    expect(await value('await sleep(1); const got = await Promise.resolve(41); got + 1')).toBe(42);
    expect(await value('got')).toBe(41);
    const src = 'async function* gen() { yield 1; yield 2; }\nlet total = 0;\nfor await (const v of gen()) total += v;\ntotal';
    expect(await value(src)).toBe(3);
  });

  test('interrupt checks run at loop back-edges (also inside cell functions) and after awaits', async () => {
    rt.checks = 0;
    await run('let n = 0;\nfor (let i = 0; i < 5; i++) n++;');
    expect(rt.checks).toBe(5);
    rt.checks = 0;
    await run('function spin(k: number) { let j = 0; while (j < k) j++; do { j--; } while (j > 0); return j; }');
    expect(rt.checks).toBe(0); // declaring is not running
    await run('spin(3)');
    expect(rt.checks).toBe(6);
    rt.checks = 0;
    await run('for (const x of [1, 2]) { for (const k in { a: 1, b: 2 }) n++; }');
    expect(rt.checks).toBe(2 + 4);
    rt.checks = 0;
    await run('await Promise.resolve(); const w = await Promise.resolve(1); async function later() { await null; } await later();');
    expect(rt.checks).toBe(4);
  });

  test('interrupting a CPU loop, an async loop and a loop after an await keeps the session', async () => {
    await run('const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms)); let ticks = 0;');
    // the interrupt's first cell frame: the loop's check, or the await the check followed
    const cases: [string, { line: number; column: number }][] = [
      ['while (true) { ticks++; }', { line: 1, column: 1 }],
      ['for (;;) await sleep(1);', { line: 1, column: 10 }],
      ['await sleep(1);\nwhile (true) {}', { line: 2, column: 1 }],
    ];
    for (const [src, at] of cases) {
      rt.checks = 0;
      rt.interruptAfter = 50;
      const r = session.compileCell(src, { filename: CELL });
      const err = await runCompiled(rt, r).then(() => null, (e: Error) => e);
      expect(err).toMatchObject({ name: 'KeyboardInterrupt' });
      if (!r.ok) throw new Error('unreachable');
      const mapped = [...(err?.stack ?? '').matchAll(/cell\.ts:(\d+):(\d+)/g)]
        .map((m) => r.mapPosition(Number(m[1]), Number(m[2]))).filter((p) => p !== null); // null: kernel helpers
      expect(mapped[0]).toEqual(at);
    }
    expect(await value('ticks')).toBe(49);
  });

  test('type errors carry cell-relative lines and columns', () => {
    const d = errors('const ok = 1;\n\n  const bad: number = "s";');
    expect(d).toEqual([{ line: 3, column: 9, code: 2322, message: "Type 'string' is not assignable to type 'number'." }]);
    const syntax = errors('let = ;');
    expect(syntax[0].line).toBe(1);
    expect(errors('flashlm.noSuchThing')[0]).toMatchObject({ line: 1, column: 9, code: 2339 });
    const chained = errors('const o: { a: { b: number } } = { a: { b: "x" } };');
    expect(chained[0].message).toContain("Type 'string' is not assignable to type 'number'");
  });

  test('a failed compile leaves no trace', async () => {
    errors('const lost: number = "s";');
    expect(errors('lost')[0].message).toContain("Cannot find name 'lost'");
  });

  test('runtime errors map back to the cell line and column', async () => {
    const src = 'const before = 1;\ninterface Unused { a: number }\nfunction boom(): never {\n  throw new Error("boom");\n}\nboom();';
    const r = session.compileCell(src, { filename: CELL });
    let stack = '';
    await runCompiled(rt, r).catch((e: Error) => { stack = e.stack ?? ''; });
    const frames = [...stack.matchAll(/cell\.ts:(\d+):(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(frames.length).toBeGreaterThanOrEqual(2);
    if (!r.ok) throw new Error('unreachable');
    expect(r.mapPosition(frames[0][0], frames[0][1])).toEqual({ line: 4, column: 9 }); // `new Error`
    expect(r.mapPosition(frames[1][0], frames[1][1])).toEqual({ line: 6, column: 1 }); // `boom()`
    const r2 = session.compileCell('const o: any = {};\n\n    o.x.y;', { filename: CELL });
    let m: RegExpMatchArray | null = null;
    await runCompiled(rt, r2).catch((e: Error) => { m = /cell\.ts:(\d+):(\d+)/.exec(e.stack ?? ''); });
    expect(m).not.toBeNull();
    if (!r2.ok || !m) throw new Error('unreachable');
    expect(r2.mapPosition(Number(m[1]), Number(m[2]))).toEqual({ line: 3, column: 9 });
    expect(r2.mapPosition(999, 1)).toBeNull();
  });

  test('mapLocation maps frames of earlier cells (a function of cell A throwing while cell B runs)', async () => {
    const a = session.compileCell('const pad = 0;\nfunction thrower() {\n  throw new Error("deep");\n}', { filename: 'cell-a.ts' });
    await runCompiled(rt, a);
    session.commitCell(a);
    const b = session.compileCell('thrower();', { filename: 'cell-b.ts' });
    let stack = '';
    await runCompiled(rt, b).catch((e: Error) => { stack = e.stack ?? ''; });
    const fa = /cell-a\.ts:(\d+):(\d+)/.exec(stack);
    const fb = /cell-b\.ts:(\d+):(\d+)/.exec(stack);
    if (!fa || !fb || !b.ok) throw new Error('frames missing from: ' + stack);
    expect(session.mapLocation('cell-a.ts', Number(fa[1]), Number(fa[2]))).toEqual({ line: 3, column: 9 });
    expect(b.mapPosition(Number(fb[1]), Number(fb[2]))).toEqual({ line: 1, column: 1 });
    expect(session.mapLocation('never-ran.ts', 1, 1)).toBeUndefined();
  });

  test('imports of node builtins, in every form', async () => {
    await run('import * as path from "path";\nimport fs, { existsSync as exists } from "node:fs";\nimport os = require("os");\nimport type { Stats } from "fs";');
    expect(await value('path.join("a", "b")')).toBe(path.join('a', 'b'));
    expect(await value('typeof fs.readFileSync === "function" && exists(".") && typeof os.cpus')).toBe('function');
    expect(await value('let s: Stats | undefined = undefined; s')).toBeUndefined();
  });

  test('flashlm is a global with types, and importable', async () => {
    expect(await value('const t: flashlm.Tensor = flashlm.Tensor.from([1, 2, 3]); t.shape')).toEqual([3]);
    await run('import * as fl from "flashlm";\nimport { Tensor } from "flashlm";');
    expect(await value('fl.Tensor === Tensor && Tensor === flashlm.Tensor')).toBe(true);
    expect(errors('const bad: flashlm.Tensor = 3;')[0].code).toBe(2322);
  });

  test('packages next to the notebook import and type-check, without their @types leaking into globals', async () => {
    expect(await value('import { greet, VERSION, type Opts } from "fakepkg";\nconst o: Opts = { loud: true };\ngreet("x") + VERSION'))
      .toBe('hi x3');
    expect(errors('greet(5)')[0].code).toBe(2345);
    expect(await value('import hello, { answer } from "esmpkg";\nhello("esm") + answer')).toBe('hello esm42');
    expect(await value('import untyped from "untyped";\nuntyped.v')).toBe(7); // no types: `any`, not an error
    expect(await value('import { localValue } from "./local";\nlocalValue')).toBe(5);
    expect(errors('BOGUS_LEAK_FROM_NOTEBOOK_DIR')[0].message).toContain('Cannot find name');
    expect(await value('console.log === console.log')).toBe(true); // the kernel's node types, not the decoy
    expect(errors('import { nope } from "no-such-package";')[0].code).toBe(2307);
  });

  test('a package installed after a failed import is found on the next try', async () => {
    const src = 'import { late } from "latepkg";\nlate()';
    expect(errors(src)[0].code).toBe(2307);
    const d = path.join(cwd, 'node_modules', 'latepkg');
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, 'package.json'), JSON.stringify({ name: 'latepkg', main: 'index.js', types: 'index.d.ts' }));
    fs.writeFileSync(path.join(d, 'index.js'), 'exports.late = () => "found";');
    fs.writeFileSync(path.join(d, 'index.d.ts'), 'export declare function late(): string;');
    expect(await value(src)).toBe('found');
  });

  test('export is accepted and treated as a declaration', async () => {
    await run('export const ex = 1;\nexport function exf() { return 2; }\nexport { ex as renamed };\nexport default 5;');
    await run('export default function () { return 1; }');
    await run('export default class {}');
    expect(await value('ex + exf()')).toBe(3);
  });

  test('reset forgets every cell', async () => {
    await run('const gone = 1;');
    session.reset();
    expect(errors('gone')[0].message).toContain("Cannot find name 'gone'");
    await run('const gone = "back";');
    expect(await value('gone')).toBe('back');
  });

  test('a cell without declarations compiles to a script and commits nothing', async () => {
    const r = session.compileCell('1+1', { filename: CELL });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.js).not.toMatch(/\bvar\b/);
    session.commitCell(r);
    session.commitCell(r); // twice: no effect
    session.commitCell({ ok: true, js: '', filename: 'by-hand.ts', mapPosition: () => null }); // not ours: no effect
    const failed = session.compileCell('const nope: number = "s";', { filename: CELL });
    session.commitCell(failed);
    expect(errors('nope')[0].message).toContain("Cannot find name 'nope'");
  });
});
