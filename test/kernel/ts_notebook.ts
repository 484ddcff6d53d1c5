// Fixtures for the TypeScript session tests: a temp notebook folder with packages next to it, and a small fake
// of the executor's runtime (__flashlm_kernel__ with checkInterrupt/require/import, display) in a vm context.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vm from 'vm';
import * as flashlm from '../../lib';
import type { CompileResult } from '../../kernel/typescript/session';

export const CELL = 'cell.ts';

/** A temp notebook folder with packages next to it: CommonJS with types, ESM-only with top-level await,
 * untyped, one referencing node types, and a decoy @types/node that must never leak into the session. */
export function makeNotebookDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-ts-'));
  const pkg = (name: string, files: Record<string, string>) => {
    const d = path.join(dir, 'node_modules', name);
    fs.mkdirSync(d, { recursive: true });
    for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(d, f), text);
  };
  pkg('fakepkg', {
    'package.json': JSON.stringify({ name: 'fakepkg', version: '1.0.0', main: 'index.js', types: 'index.d.ts' }),
    'index.js': "exports.greet = (n) => 'hi ' + n; exports.VERSION = 3;",
    'index.d.ts': '/// <reference types="node" />\nexport declare function greet(n: string): string;\n' +
      'export declare const VERSION: number;\nexport interface Opts { loud: boolean }\nexport declare function buf(): Buffer;\n',
  });
  pkg('esmpkg', {
    'package.json': JSON.stringify({
      name: 'esmpkg', version: '1.0.0', type: 'module',
      exports: { '.': { types: './index.d.ts', import: './index.js' } },
    }),
    'index.js': 'await Promise.resolve();\nexport default function hello(n) { return `hello ${n}`; }\nexport const answer = 42;\n',
    'index.d.ts': 'export default function hello(n: string): string;\nexport declare const answer: number;\n',
  });
  pkg('untyped', { 'package.json': JSON.stringify({ name: 'untyped', main: 'index.js' }), 'index.js': 'module.exports = { v: 7 };' });
  pkg('@types/node', {
    'package.json': JSON.stringify({ name: '@types/node', version: '99.0.0', types: 'index.d.ts' }),
    'index.d.ts': 'declare var BOGUS_LEAK_FROM_NOTEBOOK_DIR: number;\ndeclare var console: number;\n',
  });
  fs.writeFileSync(path.join(dir, 'local.js'), 'exports.localValue = 5;\n');
  fs.writeFileSync(path.join(dir, 'local.d.ts'), 'export declare const localValue: number;\n');
  return dir;
}

export interface Runtime {
  ctx: vm.Context;
  checks: number;
  interruptAfter: number; // checkInterrupt throws KeyboardInterrupt once `checks` reaches this
  displays: unknown[];
}

export function makeRuntime(cwd: string): Runtime {
  // Node's own require (jest's would hide Node's error codes, which the ESM fallback relies on)
  const nodeModule = process.getBuiltinModule('module') as typeof import('module');
  const req = nodeModule.createRequire(path.join(cwd, 'notebook.js'));
  // dynamic import outside jest's module system, through Node's own loader
  const nativeImport = new vm.Script('(u) => import(u)', {
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  }).runInThisContext() as (u: string) => Promise<unknown>;
  const rt: Runtime = { ctx: {}, checks: 0, interruptAfter: Infinity, displays: [] };
  const kernel = {
    checkInterrupt() {
      rt.checks++;
      if (rt.checks >= rt.interruptAfter) {
        rt.interruptAfter = Infinity;
        const e = new Error('interrupted');
        e.name = 'KeyboardInterrupt';
        throw e;
      }
    },
    require: (s: string) => (s === 'flashlm' ? flashlm : req(s)),
    import: (s: string) => nativeImport(resolveEsm(cwd, s)),
  };
  rt.ctx = vm.createContext({
    console, setTimeout, flashlm, __flashlm_kernel__: kernel,
    display: (v: unknown) => {
      rt.displays.push(v);
      return { id: 'd', update() {} };
    },
  });
  return rt;
}

/** Enough of Node's ESM resolution for the test package: its `exports['.'].import`. */
function resolveEsm(cwd: string, spec: string): string {
  const dir = path.join(cwd, 'node_modules', spec);
  const pj = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  return 'file://' + path.join(dir, pj.exports['.'].import);
}

export async function runCompiled(rt: Runtime, r: CompileResult): Promise<{ hasValue: boolean; value: unknown }> {
  if (!r.ok) throw new Error('cell did not compile: ' + JSON.stringify(r.diagnostics));
  const script = new vm.Script(r.js, {
    filename: r.filename, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  return await script.runInContext(rt.ctx);
}

