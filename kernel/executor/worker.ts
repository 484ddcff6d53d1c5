// The executor worker: runs compiled cells (kernel/typescript's script contract) in this thread's own global
// context, so cells share one realm with `flashlm` (no cross-realm typed arrays or errors). It owns the
// runtime globals cells see (__flashlm_kernel__, display, clearOutput, input, password, comms) and reports
// output to the main thread as it happens. Interrupts: the shared flag (lib/interrupt.ts), polled at loop
// back-edges, after awaits, in flashlm loops and in native kernels; the 'interrupt' message ends a cell that
// is waiting on a promise that never settles.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import * as vm from 'node:vm';
import { Console } from 'node:console';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import { Writable } from 'node:stream';
import * as flashlm from '../../lib';
import { CommManager } from '../runtime/comm';
import type { FromWorker, MimeBundle, ToWorker } from './messages';

const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
const DISPLAY = Symbol.for('Jupyter.display');
const packageRoot = path.resolve(__dirname, '..', '..', ...(path.basename(path.resolve(__dirname, '..', '..')) === 'dist' ? ['..'] : []));

let cellId = 0; // the cell running now; output from timers after it ended still goes to it (its parent)
let cwd = process.cwd();
let nextReq = 1;
const inputs = new Map<number, { resolve: (v: string) => void; reject: (e: Error) => void }>();
let cancelCell: ((e: Error) => void) | null = null;
const comms = new CommManager();
comms.transport = (op, commId, data, metadata, targetName) => post({ type: 'comm', op, commId, data, metadata, targetName });

function writer(name: 'stdout' | 'stderr') {
  return (chunk: unknown): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk);
    if (text) post({ type: 'stream', cellId, name, text });
    return true;
  };
}
function stream(name: 'stdout' | 'stderr'): Writable {
  const w = writer(name);
  return new Writable({ decodeStrings: false, write(chunk, _enc, cb) { w(chunk); cb(); } });
}
const out = stream('stdout');
const err = stream('stderr');
const rawOut = writer('stdout');
const rawErr = writer('stderr');
// process.stdout of a worker is an async pipe to the parent: route it through the same ordered channel instead
(process.stdout as unknown as { write: unknown }).write = (c: unknown, ...rest: unknown[]) => {
  rawOut(c);
  const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
  cb?.();
  return true;
};
(process.stderr as unknown as { write: unknown }).write = (c: unknown, ...rest: unknown[]) => {
  rawErr(c);
  const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
  cb?.();
  return true;
};

/** A value -> MIME bundle: its [Symbol.for("Jupyter.display")]() if any, else text/plain without ANSI codes. */
export function toBundle(value: unknown): { data: MimeBundle; metadata: Record<string, unknown> } {
  const v = value as Record<symbol, unknown> | null;
  if (v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v[DISPLAY] === 'function') {
    const b = (v[DISPLAY] as () => unknown).call(v);
    if (b && typeof b === 'object') {
      const data = { ...(b as MimeBundle) };
      if (!('text/plain' in data)) data['text/plain'] = util.inspect(value, { colors: false });
      return { data, metadata: {} };
    }
  }
  return { data: { 'text/plain': util.inspect(value, { colors: false, depth: 4 }) }, metadata: {} };
}

function display(value: unknown, opts: { id?: string; raw?: boolean } = {}) {
  const id = opts.id ?? crypto.randomUUID();
  const send = (v: unknown, raw: boolean | undefined, update: boolean) => {
    const b = raw ? { data: v as MimeBundle, metadata: {} } : toBundle(v);
    post({ type: 'display', cellId, data: b.data, metadata: b.metadata, id, update });
  };
  send(value, opts.raw, false);
  return { id, update: (v: unknown, o: { raw?: boolean } = {}) => send(v, o.raw ?? opts.raw, true) };
}

function ask(prompt: unknown, password: boolean): Promise<string> {
  const reqId = nextReq++;
  return new Promise((resolve, reject) => {
    inputs.set(reqId, { resolve, reject });
    post({ type: 'input', cellId, reqId, prompt: prompt === undefined ? '' : String(prompt), password });
  });
}

function nodeRequire(from: string) {
  return createRequire(path.join(from, '__flashlm_notebook__.js'));
}

/** Imports resolve from the notebook's folder first, then from the kernel's own install; `flashlm` is this package. */
function kernelRequire(spec: string): unknown {
  if (spec === 'flashlm') return flashlm;
  try {
    return nodeRequire(cwd)(spec);
  } catch (e) {
    if ((e as { code?: string }).code !== 'MODULE_NOT_FOUND' || spec.startsWith('.')) throw e;
    return nodeRequire(packageRoot)(spec);
  }
}

const dynImport = new vm.Script('(u) => import(u)', {
  filename: path.join(__dirname, '__flashlm_import__.js'),
  importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
} as vm.ScriptOptions).runInThisContext() as (u: string) => Promise<unknown>;

async function kernelImport(spec: string): Promise<unknown> {
  if (spec === 'flashlm') return flashlm;
  let target = spec;
  if (spec.startsWith('.') || path.isAbsolute(spec)) target = 'file://' + path.resolve(cwd, spec);
  else if (!spec.startsWith('node:')) {
    // ESM resolution from the notebook folder: find the package folder, let Node's loader read its `exports`
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    for (const base of [cwd, packageRoot]) {
      const dir = findPackageDir(base, name);
      if (!dir) continue;
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { exports?: unknown; main?: string };
      const sub = spec.slice(name.length);
      const entry = pkg.exports !== undefined ? pickExport(pkg.exports, '.' + sub) : undefined;
      if (entry) return await dynImport('file://' + path.join(dir, entry));
      return await dynImport('file://' + nodeRequire(base).resolve(spec));
    }
  }
  return dynImport(target);
}

/** The folder of package `name` as Node would find it from `base` (node_modules of base and its parents). */
function findPackageDir(base: string, name: string): string | undefined {
  for (let dir = base; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function pickExport(exp: unknown, sub: string): string | undefined {
  if (typeof exp === 'string') return sub === '.' ? exp : undefined;
  if (!exp || typeof exp !== 'object') return undefined;
  const o = exp as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length && keys.every((k) => k.startsWith('.'))) return pickExport(o[sub], '.');
  for (const cond of ['import', 'node', 'default']) if (cond in o) return pickExport(o[cond], sub);
  return undefined;
}

const g = globalThis as Record<string, unknown>;
g.__flashlm_kernel__ = {
  checkInterrupt: () => flashlm.checkInterrupt(),
  require: kernelRequire,
  import: kernelImport,
  comms,
};
// library code (e.g. a widget or progress bar in flashlm) finds the kernel runtime here
g[Symbol.for('flashlm.kernel') as unknown as string] = { display, comms, inKernel: true };
g.flashlm = flashlm;
g.display = display;
g.clearOutput = (wait = false) => post({ type: 'clear', cellId, wait: !!wait });
g.input = (prompt?: string) => ask(prompt, false);
g.password = (prompt?: string) => ask(prompt, true);
g.comms = comms;
g.console = new Console({ stdout: out, stderr: err, colorMode: false } as unknown as ConstructorParameters<typeof Console>[0]);
g.require = kernelRequire;

function errorInfo(e: unknown): { ename: string; evalue: string; stack: string } {
  if (e && typeof e === 'object') {
    const o = e as { name?: unknown; message?: unknown; stack?: unknown; code?: unknown };
    const interrupted = flashlm.isInterrupt(e);
    return {
      ename: interrupted ? 'KeyboardInterrupt' : String(o.name ?? 'Error'),
      evalue: String(o.message ?? ''),
      stack: typeof o.stack === 'string' ? o.stack : '',
    };
  }
  return { ename: 'Error', evalue: `thrown: ${util.inspect(e)}`, stack: '' };
}

async function execute(id: number, js: string, filename: string): Promise<void> {
  cellId = id;
  try {
    const script = new vm.Script(js, { filename, importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } as vm.ScriptOptions);
    const cancelled = new Promise<never>((_, reject) => { cancelCell = reject; });
    cancelled.catch(() => {}); // a terminated cell never reaches the race; its late cancel must not go unhandled
    const result = (await Promise.race([script.runInThisContext() as Promise<{ hasValue: boolean; value: unknown }>, cancelled])) as
      { hasValue: boolean; value: unknown };
    const value = result && result.hasValue && result.value !== undefined ? toBundle(result.value) : undefined;
    post({ type: 'done', cellId: id, ok: true, value });
  } catch (e) {
    post({ type: 'done', cellId: id, ok: false, error: errorInfo(e) });
  } finally {
    cancelCell = null;
  }
}

// User code's stray errors (a rejected promise nobody awaits, a throwing timer) must not kill the session:
// report them on stderr of the cell they belong to, as Node's REPL does.
// Node's own warnings go to the cell's stderr, except the one for the dynamic-import hook this executor relies on
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (w.name === 'ExperimentalWarning' && /USE_MAIN_CONTEXT_DEFAULT_LOADER/.test(w.message)) return;
  rawErr(`(node) ${w.name}: ${w.message}\n`);
});
process.on('unhandledRejection', (e) => rawErr(`Unhandled promise rejection: ${describe(e)}\n`));
process.on('uncaughtException', (e) => rawErr(`Uncaught ${describe(e)}\n`));
function describe(e: unknown): string {
  const i = errorInfo(e);
  return i.stack || `${i.ename}: ${i.evalue}`;
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'init':
      cwd = m.cwd;
      try { process.chdir(m.cwd); } catch { /* workers cannot chdir; paths resolve from cwd explicitly */ }
      flashlm.setInterruptFlag(new Int32Array(m.flag));
      post({ type: 'ready' });
      break;
    case 'execute':
      void execute(m.cellId, m.js, m.filename);
      break;
    case 'interrupt':
      if (m.cellId === cellId && cancelCell) cancelCell(new flashlm.KeyboardInterrupt());
      break;
    case 'input_reply': {
      const p = inputs.get(m.reqId);
      inputs.delete(m.reqId);
      if (!p) break;
      if (m.error !== undefined) {
        const e = new Error(m.error);
        e.name = m.error.startsWith('interrupted') ? 'KeyboardInterrupt' : 'StdinNotImplementedError';
        p.reject(e);
      } else p.resolve(m.value ?? '');
      break;
    }
    case 'comm':
      try {
        comms.fromFrontend(m.op, m.commId, m.data, m.metadata, m.targetName);
      } catch (e) {
        rawErr(`comm ${m.op} ${m.commId}: ${errorInfo(e).ename}: ${errorInfo(e).evalue}\n`);
      }
      break;
    case 'ping':
      post({ type: 'pong', n: m.n });
      break;
  }
});
