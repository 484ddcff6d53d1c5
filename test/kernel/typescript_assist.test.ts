// The kernel's TypeScript session as Jupyter's complete, inspect and is_complete see it.
import * as fs from 'fs';
import { TypeScriptSession } from '../../kernel/typescript/session';
import { CELL, makeNotebookDir } from './ts_notebook';

describe('TypeScriptSession assistance: complete, inspect, is_complete', () => {
  let cwd: string;
  let session: TypeScriptSession;
  beforeAll(() => {
    cwd = makeNotebookDir();
    session = new TypeScriptSession({ cwd });
    const r = session.compileCell('const myVar = { alpha: 1, beta: "x" };\n/** Doubles n. */\nfunction twice(n: number) { return 2 * n; }', { filename: CELL });
    session.commitCell(r);
  });
  afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));
  const typed = (c: { metadata: object }) =>
    (c.metadata as { _jupyter_types_experimental: { start: number; end: number; text: string; type: string; signature: string }[] })
      ._jupyter_types_experimental;

  test('flashlm. lists the namespace with types and signatures', () => {
    const c = session.complete('flashlm.', 8);
    expect(c).toMatchObject({ cursorStart: 8, cursorEnd: 8 });
    expect(c.matches).toEqual(expect.arrayContaining(['Tensor', 'noGrad', 'ops', 'AdamW']));
    const byName = new Map(typed(c).map((t) => [t.text, t]));
    expect(byName.get('Tensor')).toMatchObject({ start: 8, end: 8, type: 'class', signature: 'class Tensor' });
    expect(byName.get('noGrad')).toMatchObject({ type: 'function', signature: 'noGrad<T>(fn: () => T): T' });
    expect(byName.get('ops')?.type).toBe('module');
    // in a type position, type-only exports are offered too
    expect(typed(session.complete('let d: flashlm.DT', 17))[0]).toMatchObject({ text: 'DType', type: 'class', start: 15 });
  });

  test('the identifier prefix is what gets replaced', () => {
    expect(session.complete('flashlm.Te', 10)).toMatchObject({ matches: ['Tensor'], cursorStart: 8, cursorEnd: 10 });
    // cursor in the middle of a word: the prefix before it
    expect(session.complete('flashlm.Tensxyz', 12)).toMatchObject({ matches: ['Tensor'], cursorStart: 8, cursorEnd: 12 });
    expect(session.complete('x = Math.fl', 11)).toMatchObject({ matches: ['floor'], cursorStart: 9, cursorEnd: 11 });
  });

  test('members of earlier cells\' variables, names in scope, and imports complete', () => {
    const m = session.complete('myVar.', 6);
    expect(m.matches).toEqual(['alpha', 'beta']);
    expect(typed(m)[1]).toMatchObject({ type: 'instance', signature: 'beta: string' });
    expect(session.complete('myV', 3).matches).toEqual(['myVar']);
    expect(typed(session.complete('twi', 3))[0]).toMatchObject({ text: 'twice', type: 'function', signature: 'twice(n: number): number' });
    const named = session.complete('import { gr } from "fakepkg";', 11);
    expect(named).toMatchObject({ matches: ['greet'], cursorStart: 9, cursorEnd: 11 });
    expect(typed(named)[0].type).toBe('function');
    expect(session.complete('import x from "fak', 18)).toMatchObject({ matches: ['fakepkg'], cursorStart: 15, cursorEnd: 18 });
    expect(session.complete('const arr = [1, 2];\narr.fil', 27).matches).toContain('filter');
  });

  test('inspect gives the signature and TSDoc, as text and markdown', () => {
    const r = session.inspect('flashlm.noGrad', 14, 0);
    expect(r.found).toBe(true);
    expect(r.data['text/plain']).toContain('function noGrad<T>(fn: () => T): T');
    expect(r.data['text/plain']).toContain('Runs fn without recording gradients');
    expect(r.data['text/markdown']).toContain('```typescript\nfunction noGrad<T>(fn: () => T): T\n```');
    expect(r.data['text/markdown']).toContain('*@example*');
    expect(session.inspect('flashlm.noGrad', 10, 1).data['text/plain']).toMatch(/Defined in .*autograd/);
    expect(session.inspect('twice', 5, 0).data['text/plain']).toContain('Doubles n.');
    // inside a call's parentheses: the callee's signature
    expect(session.inspect('Math.max(1, ', 12, 0).data['text/plain']).toContain('max(...values: number[]): number');
    expect(session.inspect('   ', 1, 0)).toEqual({ found: false, data: {} });
  });

  test('is_complete: complete, incomplete with indent, invalid', () => {
    expect(session.isComplete('1 + 1')).toEqual({ status: 'complete' });
    expect(session.isComplete('')).toEqual({ status: 'complete' });
    expect(session.isComplete('function f() {')).toEqual({ status: 'incomplete', indent: '    ' });
    expect(session.isComplete('function f() {\n  if (x) {')).toEqual({ status: 'incomplete', indent: '      ' });
    expect(session.isComplete('const x =')).toEqual({ status: 'incomplete', indent: '' });
    expect(session.isComplete('1 +')).toMatchObject({ status: 'incomplete' });
    expect(session.isComplete('foo(1,\n  2,')).toEqual({ status: 'incomplete', indent: '  ' });
    expect(session.isComplete('const s = `a ${b}')).toMatchObject({ status: 'incomplete' });
    expect(session.isComplete('function f() {\n  const s = `a')).toEqual({ status: 'incomplete', indent: '' }); // no spaces into the string
    expect(session.isComplete('const s = `a ${')).toMatchObject({ status: 'incomplete' });
    expect(session.isComplete('/* note')).toMatchObject({ status: 'incomplete' });
    expect(session.isComplete('for (;;)')).toEqual({ status: 'incomplete', indent: '    ' });
    expect(session.isComplete('}')).toEqual({ status: 'invalid' });
    expect(session.isComplete('let 1x = 2')).toEqual({ status: 'invalid' });
    expect(session.isComplete('"abc')).toEqual({ status: 'invalid' });
    expect(session.isComplete('let a = 1 let b = 2 {')).toEqual({ status: 'invalid' });
    expect(session.isComplete('const t = `x${`y${1}`}`')).toEqual({ status: 'complete' });
  });
});
