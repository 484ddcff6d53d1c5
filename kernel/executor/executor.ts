// The executor (main-thread side): owns the worker that runs cells and the three interrupt layers.
//   1. the shared flag (Atomics) that cell loops, flashlm's checkInterrupt and native kernels poll, plus an
//      'interrupt' message that ends a cell waiting on a promise;
//   2. if the cell has not ended after SOFT_MS, V8's terminate-execution sent to the worker through the
//      inspector (NodeWorker.sendMessageToWorker -> Runtime.terminateExecution): stops CPU-bound JS anywhere,
//      keeps the worker and its globals;
//   3. if the worker still does not answer a ping after HARD_MS, a new worker replaces it (state lost; the
//      outcome says so). Used by the Jupyter kernel (kernel/kernel.ts) and the terminal REPL.
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ErrorInfo, FromWorker, MimeBundle, ToWorker } from './messages';

export type { MimeBundle, ErrorInfo } from './messages';

/** Where a running cell's output goes. All calls happen before `execute` resolves. */
export interface ExecuteSink {
  stream(name: 'stdout' | 'stderr', text: string): void;
  /** A display (update=false) or an update of display `id` (update=true). */
  display(data: MimeBundle, metadata: Record<string, unknown>, id: string, update: boolean): void;
  clear(wait: boolean): void;
  /** Reads a line for `input()`/`password()`; reject to make the cell's await throw. */
  input(prompt: string, password: boolean): Promise<string>;
}

export type ExecuteOutcome =
  | { status: 'ok'; value?: { data: MimeBundle; metadata: Record<string, unknown> } }
  | { status: 'error'; error: ErrorInfo; /** the worker was replaced: every global is gone */ replaced?: boolean };

/** Comm traffic from the worker (kernel-side opens, messages, closes). */
export type CommListener = (m: Extract<FromWorker, { type: 'comm' }>) => void;

// SOFT_MS leaves a training step time to reach its boundary (native kernels see the flag within ms); the
// total stays under the 1 s the issue allows.
const SOFT_MS = 300;
const HARD_MS = 500;

function workerScript(): string {
  const here = path.join(__dirname, 'worker.js');
  if (fs.existsSync(here)) return here;
  // running from the TypeScript sources (ts-jest): use the compiled worker
  const dist = path.resolve(__dirname, '..', '..', 'dist', 'kernel', 'executor', 'worker.js');
  if (fs.existsSync(dist)) return dist;
  throw new Error('flashlm kernel: dist/kernel/executor/worker.js is missing. HINT: run `npm run build:ts`.');
}

interface Running {
  cellId: number;
  sink: ExecuteSink;
  resolve: (o: ExecuteOutcome) => void;
  interruptTimer?: NodeJS.Timeout;
}

/**
 * Runs compiled cells in a worker thread and stops them on request.
 *
 * @example
 * const ex = new Executor({ cwd: process.cwd() }); await ex.start();
 * const r = await ex.execute(js, 'cell1.ts', sink); ex.interrupt(); await ex.shutdown();
 */
export class Executor {
  private worker: Worker | null = null;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private running: Running | null = null;
  private nextCell = 1;
  private nextPing = 1;
  private pongs = new Map<number, () => void>();
  private ready: Promise<void> | null = null;
  private session: inspector.Session | null = null;
  private inspectorSessions = new Map<string, string>(); // workerId -> inspector sessionId
  /** Called for comm messages the worker sends. */
  onComm: CommListener = () => {};
  /** Called when the worker exits on its own (e.g. process.exit in a cell) or is replaced. */
  onWorkerLost: (why: string) => void = () => {};

  constructor(private readonly opts: { cwd: string }) {}

  /** Starts the worker (loads flashlm); resolves when it can run cells. */
  start(): Promise<void> {
    if (this.ready) return this.ready;
    if (!this.session) {
      this.session = new inspector.Session();
      this.session.connect();
      this.session.on('NodeWorker.attachedToWorker', (m) => {
        const p = (m as unknown as { params: { sessionId: string; workerInfo: { workerId: string } } }).params;
        this.inspectorSessions.set(String(p.workerInfo.workerId), p.sessionId);
      });
      this.session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    }
    const w = new Worker(workerScript(), { stdout: false, stderr: false });
    this.worker = w;
    this.ready = new Promise<void>((resolve, reject) => {
      const onMsg = (m: FromWorker) => {
        if (m.type === 'ready') {
          w.off('error', reject);
          resolve();
        }
      };
      w.once('error', reject);
      w.on('message', onMsg);
    });
    w.on('message', (m: FromWorker) => this.onMessage(w, m));
    // an error escaping the worker ends it ('exit' follows); without a listener it would end this process
    w.on('error', (e) => process.stderr.write(`[flashlm executor] worker error: ${e.stack ?? e}\n`));
    w.on('exit', (code) => {
      if (this.worker !== w) return;
      this.worker = null;
      this.ready = null;
      const msg = `the executor exited (code ${code}); every variable is gone`;
      this.finish({ status: 'error', error: { ename: 'ExecutorExited', evalue: msg, stack: '' }, replaced: true });
      this.onWorkerLost(msg);
    });
    this.send({ type: 'init', flag: this.flag.buffer as SharedArrayBuffer, cwd: this.opts.cwd });
    return this.ready;
  }

  /** Runs one compiled cell (kernel/typescript's script contract) and reports its output to `sink`. */
  async execute(js: string, filename: string, sink: ExecuteSink): Promise<ExecuteOutcome> {
    if (this.running) throw new Error('Executor.execute: a cell is already running');
    await this.start();
    Atomics.store(this.flag, 0, 0);
    const cellId = this.nextCell++;
    return new Promise<ExecuteOutcome>((resolve) => {
      this.running = { cellId, sink, resolve };
      this.send({ type: 'execute', cellId, js, filename });
    });
  }

  /** True while a cell runs. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Stops the running cell (no-op when idle); escalates through the layers described above. */
  interrupt(): void {
    const r = this.running;
    if (!r || r.interruptTimer) return;
    Atomics.store(this.flag, 0, 1);
    this.send({ type: 'interrupt', cellId: r.cellId });
    r.interruptTimer = setTimeout(() => this.terminateExecution(r), SOFT_MS);
  }

  /** Sends a comm message to the worker's comm registry. */
  comm(m: Extract<ToWorker, { type: 'comm' }>): void {
    this.send(m);
  }

  /** Resolves once the worker has handled every message sent before (false after `timeoutMs`). */
  sync(timeoutMs: number): Promise<boolean> {
    return this.worker ? this.ping(timeoutMs) : Promise.resolve(false);
  }

  /** A fresh worker: every global of the session is gone. */
  async restart(): Promise<void> {
    await this.stopWorker();
    this.finish({ status: 'error', error: { ename: 'Restarted', evalue: 'the executor was restarted', stack: '' }, replaced: true });
    await this.start();
  }

  async shutdown(): Promise<void> {
    await this.stopWorker();
    this.session?.disconnect();
    this.session = null;
  }

  private async stopWorker(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.ready = null;
    if (w) {
      const exited = new Promise<void>((res) => w.once('exit', () => res()));
      void w.terminate();
      // a worker stuck in native code cannot exit; do not wait on it forever
      await Promise.race([exited, new Promise((res) => setTimeout(res, 1000).unref())]);
      w.unref();
    }
  }

  private send(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  private ping(timeoutMs: number): Promise<boolean> {
    const n = this.nextPing++;
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.pongs.delete(n);
        resolve(false);
      }, timeoutMs);
      this.pongs.set(n, () => {
        clearTimeout(t);
        resolve(true);
      });
      this.send({ type: 'ping', n });
    });
  }

  private async terminateExecution(r: Running): Promise<void> {
    if (this.running !== r || !this.worker) return;
    const sessionId = this.inspectorSessions.get(String(this.worker.threadId));
    if (sessionId && this.session) {
      this.session.post('NodeWorker.sendMessageToWorker', {
        sessionId, message: JSON.stringify({ id: 1, method: 'Runtime.terminateExecution' }),
      });
    }
    const alive = await this.ping(HARD_MS);
    if (this.running !== r) return; // the cell ended on its own meanwhile
    if (alive) {
      this.finish({
        status: 'error',
        error: { ename: 'KeyboardInterrupt', evalue: 'interrupted (execution stopped)', stack: '' },
      });
      return;
    }
    // last resort: the worker is stuck (e.g. inside a native call that does not poll the flag)
    const old = this.worker;
    this.worker = null;
    this.ready = null;
    if (old) {
      void old.terminate();
      old.unref();
    }
    this.finish({
      status: 'error',
      error: {
        ename: 'KeyboardInterrupt',
        evalue: 'interrupted: the executor did not stop, so it was replaced by a new one; every variable of the session is gone',
        stack: '',
      },
      replaced: true,
    });
    this.onWorkerLost('the executor was replaced after an interrupt');
    void this.start().catch(() => {});
  }

  private finish(o: ExecuteOutcome): void {
    const r = this.running;
    if (!r) return;
    this.running = null;
    if (r.interruptTimer) clearTimeout(r.interruptTimer);
    Atomics.store(this.flag, 0, 0);
    r.resolve(o);
  }

  private onMessage(w: Worker, m: FromWorker): void {
    if (w !== this.worker) return; // a replaced worker's late output
    const r = this.running;
    const mine = r !== null && 'cellId' in m && m.cellId === r.cellId;
    switch (m.type) {
      case 'stream':
        if (mine) r.sink.stream(m.name, m.text);
        else this.lateOutput?.({ kind: 'stream', name: m.name, text: m.text });
        break;
      case 'display':
        if (mine) r.sink.display(m.data, m.metadata, m.id, m.update);
        else this.lateOutput?.({ kind: 'display', data: m.data, metadata: m.metadata, id: m.id, update: m.update });
        break;
      case 'clear':
        if (mine) r.sink.clear(m.wait);
        break;
      case 'input': {
        const reply = (x: { value?: string; error?: string }) => this.send({ type: 'input_reply', reqId: m.reqId, ...x });
        if (!mine) {
          reply({ error: 'input() was called outside a running cell' });
          break;
        }
        r.sink.input(m.prompt, m.password).then((value) => reply({ value }), (e: Error) => reply({ error: e.message }));
        break;
      }
      case 'done':
        if (!mine) break;
        this.finish(m.ok ? { status: 'ok', value: m.value } : { status: 'error', error: m.error });
        break;
      case 'comm':
        this.onComm(m);
        break;
      case 'pong':
        this.pongs.get(m.n)?.();
        this.pongs.delete(m.n);
        break;
      case 'ready':
        break;
    }
  }

  /** Output from a timer or callback after its cell ended (the kernel sends it with the last cell's parent). */
  lateOutput?: (o: { kind: 'stream'; name: 'stdout' | 'stderr'; text: string } |
    { kind: 'display'; data: MimeBundle; metadata: Record<string, unknown>; id: string; update: boolean }) => void;
}
