// The Jupyter kernel: joins the sockets (kernel/protocol), the TypeScript session (kernel/typescript, main
// thread, so completion works while a cell runs) and the executor (a worker). Shell requests other than
// execute are answered at once; execute requests run one at a time from a queue. Every reply carries
// `status`; every request is wrapped in busy/idle on iopub, and a cell's output is all sent before its idle.
import ts from 'typescript';
import { Codec, Message, PROTOCOL_VERSION, WireError } from './protocol/wire';
import { Channel, ConnectionInfo, Sockets } from './protocol/sockets';
import { Executor, ExecuteOutcome, MimeBundle } from './executor/executor';
import { TypeScriptSession, CompileResult } from './typescript/session';
import { History } from './history';
import { formatDiagnostics, formatTraceback, MapPosition } from './traceback';
import { PRELUDE_DTS } from './runtime/prelude';
import { packageVersion } from './package';

const log = (s: string) => process.stderr.write(`[flashlm kernel] ${s}\n`);

// cursor positions on the wire count Unicode code points (protocol 5.2+); JS strings count UTF-16 units
function cpToUtf16(s: string, cp: number): number {
  let i = 0;
  for (let n = 0; n < cp && i < s.length; n++) i += s.codePointAt(i)! > 0xffff ? 2 : 1;
  return i;
}
function utf16ToCp(s: string, u: number): number {
  return [...s.slice(0, u)].length;
}

export class Kernel {
  private readonly codec: Codec;
  private readonly sockets: Sockets;
  private readonly executor: Executor;
  private readonly session: TypeScriptSession;
  private readonly history = new History();
  private executionCount = 0;
  private seq = 0;
  private readonly queue: Message[] = [];
  private pumping = false;
  private lastParent: Message | undefined; // iopub parent for output that arrives between cells
  private readonly cells = new Map<string, MapPosition>();
  private readonly comms = new Map<string, string>(); // comm id -> target name
  private pendingInput: { resolve: (v: string) => void; reject: (e: Error) => void } | null = null;

  constructor(conn: ConnectionInfo, private readonly cwd: string) {
    this.codec = new Codec(conn.key, conn.signature_scheme);
    this.sockets = new Sockets(conn, log);
    this.executor = new Executor({ cwd });
    this.session = new TypeScriptSession({ cwd, preludeDts: PRELUDE_DTS });
    this.executor.onComm = (m) => {
      if (m.op === 'open') this.comms.set(m.commId, m.targetName ?? '');
      if (m.op === 'close') this.comms.delete(m.commId);
      const content = m.op === 'open'
        ? { comm_id: m.commId, target_name: m.targetName, data: m.data ?? {} }
        : { comm_id: m.commId, data: m.data ?? {} };
      this.iopub(`comm_${m.op}`, content, this.lastParent, (m.metadata as object) ?? {});
    };
    this.executor.lateOutput = (o) => {
      if (o.kind === 'stream') this.iopub('stream', { name: o.name, text: o.text }, this.lastParent);
      else this.display(o.data, o.metadata, o.id, o.update, this.lastParent);
    };
    this.executor.onWorkerLost = (why) => {
      log(why);
      this.session.reset();
    };
  }

  async start(): Promise<void> {
    await this.sockets.bind();
    this.sockets.listen((ch, frames) => this.onFrames(ch, frames));
    this.iopub('status', { execution_state: 'starting' });
    await this.executor.start();
    // the first type check loads the lib and flashlm declarations (~1 s): do it now, not in the first cell
    try {
      this.session.compileCell('0', { filename: 'warmup.ts' });
    } catch (e) {
      log(`warm-up compile failed: ${(e as Error).message}`);
    }
    process.on('SIGINT', () => this.interrupt());
    process.on('unhandledRejection', (e) => log(`unhandled rejection: ${(e as Error)?.stack ?? e}`));
    process.on('SIGTERM', () => void this.shutdown(0));
  }

  private iopub(type: string, content: object, parent?: Message, metadata: object = {}): void {
    void this.sockets.send('iopub', this.codec.encode(type, content, parent, [Buffer.from(type)], metadata));
  }

  private reply(ch: Channel, req: Message, type: string, content: object, metadata: object = {}): void {
    void this.sockets.send(ch, this.codec.encode(type, content, req, req.identities, metadata));
  }

  private onFrames(ch: Channel, frames: Buffer[]): void {
    let msg: Message;
    try {
      msg = this.codec.decode(frames);
    } catch (e) {
      log(`${ch}: dropped a message: ${e instanceof WireError ? e.message : String(e)}`);
      return;
    }
    try {
      if (ch === 'stdin') this.onStdin(msg);
      else if (msg.header.msg_type === 'execute_request' && ch === 'shell') {
        this.queue.push(msg);
        void this.pump();
      } else this.handle(ch, msg);
    } catch (e) {
      log(`${ch}: ${msg.header.msg_type} failed: ${(e as Error).stack ?? e}`);
    }
  }

  /** Everything but execute: answered at once, also while a cell runs. */
  private handle(ch: Channel, req: Message): void {
    const type = req.header.msg_type;
    const c = req.content;
    this.iopub('status', { execution_state: 'busy' }, req);
    switch (type) {
      case 'kernel_info_request':
        this.reply(ch, req, 'kernel_info_reply', this.kernelInfo());
        break;
      case 'complete_request': {
        const code = String(c.code ?? '');
        const cursor = cpToUtf16(code, typeof c.cursor_pos === 'number' ? c.cursor_pos : code.length);
        let r = { matches: [] as string[], cursorStart: cursor, cursorEnd: cursor, metadata: {} as object };
        try {
          r = this.session.complete(code, cursor);
        } catch (e) {
          log(`complete failed: ${(e as Error).message}`);
        }
        this.reply(ch, req, 'complete_reply', {
          status: 'ok', matches: r.matches, cursor_start: utf16ToCp(code, r.cursorStart),
          cursor_end: utf16ToCp(code, r.cursorEnd), metadata: r.metadata,
        });
        break;
      }
      case 'inspect_request': {
        const code = String(c.code ?? '');
        const cursor = cpToUtf16(code, typeof c.cursor_pos === 'number' ? c.cursor_pos : code.length);
        let r: { found: boolean; data: Record<string, string> } = { found: false, data: {} };
        try {
          r = this.session.inspect(code, cursor, c.detail_level === 1 ? 1 : 0);
        } catch (e) {
          log(`inspect failed: ${(e as Error).message}`);
        }
        this.reply(ch, req, 'inspect_reply', { status: 'ok', found: r.found, data: r.data, metadata: {} });
        break;
      }
      case 'is_complete_request': {
        const r = this.session.isComplete(String(c.code ?? ''));
        this.reply(ch, req, 'is_complete_reply', r.status === 'incomplete' ? { status: r.status, indent: r.indent ?? '' } : { status: r.status });
        break;
      }
      case 'history_request':
        this.reply(ch, req, 'history_reply', { status: 'ok', history: this.history.query(c) });
        break;
      case 'comm_info_request': {
        const comms: Record<string, { target_name: string }> = {};
        for (const [id, target] of this.comms) if (!c.target_name || c.target_name === target) comms[id] = { target_name: target };
        this.reply(ch, req, 'comm_info_reply', { status: 'ok', comms });
        break;
      }
      case 'comm_open':
      case 'comm_msg':
      case 'comm_close': {
        const op = type.slice(5) as 'open' | 'msg' | 'close';
        const commId = String(c.comm_id ?? '');
        if (op === 'open') this.comms.set(commId, String(c.target_name ?? ''));
        if (op === 'close') this.comms.delete(commId);
        this.lastParent = req;
        this.executor.comm({
          type: 'comm', op, commId, targetName: op === 'open' ? String(c.target_name ?? '') : undefined,
          data: c.data ?? {}, metadata: req.metadata,
        });
        // idle only after the worker handled it, so the comm's replies go out before idle (the worker handles it
        // after a running cell: it runs one thing at a time, as ipykernel does)
        void this.executor.sync(60_000).then(() => this.iopub('status', { execution_state: 'idle' }, req));
        return;
      }
      case 'interrupt_request':
        this.interrupt();
        this.reply(ch, req, 'interrupt_reply', { status: 'ok' });
        break;
      case 'shutdown_request': {
        const restart = c.restart === true;
        this.reply(ch, req, 'shutdown_reply', { status: 'ok', restart });
        this.iopub('status', { execution_state: 'idle' }, req);
        // the manager restarts a kernel by starting a new process: exit either way
        void this.shutdown(0);
        return;
      }
      default:
        log(`${ch}: unknown message type '${type}'`);
        if (type.endsWith('_request')) {
          this.reply(ch, req, type.replace(/_request$/, '_reply'), {
            status: 'error', ename: 'UnknownMessageType', evalue: `flashlm kernel does not handle '${type}'`, traceback: [],
          });
        }
    }
    this.iopub('status', { execution_state: 'idle' }, req);
  }

  private kernelInfo(): object {
    return {
      status: 'ok', protocol_version: PROTOCOL_VERSION, implementation: 'flashlm',
      implementation_version: packageVersion(),
      language_info: {
        name: 'typescript', version: ts.version, mimetype: 'text/typescript', file_extension: '.ts',
        pygments_lexer: 'typescript', codemirror_mode: { name: 'javascript', typescript: true },
      },
      banner: `FlashLM ${packageVersion()} TypeScript kernel (Node ${process.version}, TypeScript ${ts.version}). ` +
        '`flashlm` is in scope; display(), clearOutput(), await input() too.',
      help_links: [
        { text: 'TypeScript handbook', url: 'https://www.typescriptlang.org/docs/handbook/intro.html' },
        { text: 'Node.js API', url: 'https://nodejs.org/api/' },
      ],
      debugger: false,
    };
  }

  private interrupt(): void {
    this.pendingInput?.reject(new Error('interrupted while waiting for input'));
    this.pendingInput = null;
    this.executor.interrupt();
  }

  private onStdin(msg: Message): void {
    if (msg.header.msg_type !== 'input_reply') {
      log(`stdin: unexpected '${msg.header.msg_type}'`);
      return;
    }
    const p = this.pendingInput;
    this.pendingInput = null;
    p?.resolve(String(msg.content.value ?? ''));
  }

  private display(data: MimeBundle, metadata: object, id: string, update: boolean, parent?: Message): void {
    this.iopub(update ? 'update_display_data' : 'display_data', { data, metadata, transient: { display_id: id } }, parent);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length) {
        const req = this.queue.shift()!;
        try {
          await this.execute(req);
        } catch (e) {
          // a kernel fault (not a cell error): answer the request anyway, never leave the client waiting
          log(`execute failed: ${(e as Error).stack ?? e}`);
          const evalue = `flashlm kernel: ${(e as Error).message}`;
          this.reply('shell', req, 'execute_reply', { status: 'error', execution_count: this.executionCount, ename: 'KernelError', evalue, traceback: [evalue] });
          this.iopub('status', { execution_state: 'idle' }, req);
        }
      }
    } finally {
      this.pumping = false;
    }
  }

  private async execute(req: Message): Promise<void> {
    const c = req.content;
    const code = String(c.code ?? '');
    const silent = c.silent === true;
    const storeHistory = !silent && c.store_history !== false;
    const stopOnError = c.stop_on_error !== false;
    const allowStdin = c.allow_stdin === true;
    this.lastParent = req;
    this.iopub('status', { execution_state: 'busy' }, req);
    if (storeHistory) this.executionCount++;
    const count = this.executionCount;
    if (!silent) this.iopub('execute_input', { code, execution_count: count }, req);
    if (storeHistory) this.history.add(count, code);

    const filename = storeHistory ? `In[${count}].ts` : `cell${++this.seq}.ts`;
    let compiled: CompileResult;
    let outcome: ExecuteOutcome;
    try {
      compiled = code.trim() === '' ? { ok: true, js: 'Promise.resolve({hasValue:false})', filename, mapPosition: () => null }
        : this.session.compileCell(code, { filename });
    } catch (e) {
      compiled = { ok: false, diagnostics: [{ line: 1, column: 1, message: `compiler failure: ${(e as Error).message}`, code: 0 }] };
    }
    let traceback: string[] = [];
    if (!compiled.ok) {
      const d = compiled.diagnostics;
      traceback = formatDiagnostics(filename, code, d);
      outcome = {
        status: 'error',
        error: { ename: 'TSError', evalue: `${filename}:${d[0].line}:${d[0].column} - ${d[0].message}`, stack: '' },
      };
      traceback.unshift(`TSError: ${d.length} type error${d.length > 1 ? 's' : ''} in ${filename}`);
    } else {
      this.cells.set(filename, compiled.mapPosition);
      const stream = new StreamBuffer((name, text) => this.iopub('stream', { name, text }, req));
      outcome = await this.executor.execute(compiled.js, filename, {
        stream: (name, text) => stream.write(name, text),
        display: (data, metadata, id, update) => {
          stream.flush();
          this.display(data, metadata, id, update, req);
        },
        clear: (wait) => {
          stream.flush();
          this.iopub('clear_output', { wait }, req);
        },
        input: (prompt, password) => {
          stream.flush();
          if (!allowStdin) return Promise.reject(new Error('input() is not available: this frontend does not support stdin'));
          return new Promise<string>((resolve, reject) => {
            this.pendingInput = { resolve, reject };
            this.reply('stdin', req, 'input_request', { prompt, password });
          });
        },
      });
      stream.flush();
      this.pendingInput = null;
      if (outcome.status === 'error' && outcome.replaced) this.session.reset();
      else this.session.commitCell(compiled);
      if (outcome.status === 'error') {
        const e = outcome.error;
        traceback = formatTraceback(e.ename, e.evalue, e.stack, this.cells);
      }
    }

    if (outcome.status === 'ok') {
      if (outcome.value && !silent) {
        this.iopub('execute_result', { execution_count: count, data: outcome.value.data, metadata: outcome.value.metadata }, req);
        if (storeHistory) this.history.setOutput(count, String(outcome.value.data['text/plain'] ?? ''));
      }
      const userExpressions = await this.userExpressions(c.user_expressions);
      this.reply('shell', req, 'execute_reply', { status: 'ok', execution_count: count, payload: [], user_expressions: userExpressions });
    } else {
      const { ename, evalue } = outcome.error;
      this.iopub('error', { ename, evalue, traceback }, req);
      this.reply('shell', req, 'execute_reply', { status: 'error', execution_count: count, ename, evalue, traceback });
    }
    this.iopub('status', { execution_state: 'idle' }, req);
    if (outcome.status === 'error' && stopOnError) this.abortQueued(req);
  }

  /** Evaluates execute_request.user_expressions after a successful cell: name -> MIME bundle or error. */
  private async userExpressions(exprs: unknown): Promise<Record<string, object>> {
    const out: Record<string, object> = {};
    if (!exprs || typeof exprs !== 'object') return out;
    for (const [name, expr] of Object.entries(exprs as Record<string, unknown>)) {
      const filename = `user_expression${++this.seq}.ts`;
      const compiled = this.session.compileCell(`(${String(expr)})`, { filename });
      if (!compiled.ok) {
        const d = compiled.diagnostics[0];
        out[name] = { status: 'error', ename: 'TSError', evalue: `${d.line}:${d.column} - ${d.message}`, traceback: [] };
        continue;
      }
      const drop = { stream: () => {}, display: () => {}, clear: () => {}, input: () => Promise.reject(new Error('no input here')) };
      const r = await this.executor.execute(compiled.js, filename, drop);
      out[name] = r.status === 'ok'
        ? { status: 'ok', data: r.value?.data ?? { 'text/plain': 'undefined' }, metadata: r.value?.metadata ?? {} }
        : { status: 'error', ename: r.error.ename, evalue: r.error.evalue, traceback: [] };
    }
    return out;
  }

  /** stop_on_error: the execute requests of the same client session already queued are aborted; nothing later. */
  private abortQueued(failed: Message): void {
    const keep: Message[] = [];
    for (const m of this.queue) {
      if (m.header.session !== failed.header.session) {
        keep.push(m);
        continue;
      }
      this.iopub('status', { execution_state: 'busy' }, m);
      this.reply('shell', m, 'execute_reply', { status: 'aborted', execution_count: this.executionCount });
      this.iopub('status', { execution_state: 'idle' }, m);
    }
    this.queue.length = 0;
    this.queue.push(...keep);
  }

  async shutdown(code: number): Promise<void> {
    await new Promise((r) => setTimeout(r, 50)); // let the reply leave the socket
    await this.executor.shutdown().catch(() => {});
    this.sockets.close();
    setTimeout(() => process.exit(code), 100).unref();
  }
}

/** Coalesces a cell's stream writes into a few iopub messages (flushed every 30 ms, and before other output). */
class StreamBuffer {
  private buf: { name: 'stdout' | 'stderr'; text: string } | null = null;
  private timer: NodeJS.Timeout | null = null;
  constructor(private readonly emit: (name: 'stdout' | 'stderr', text: string) => void) {}
  write(name: 'stdout' | 'stderr', text: string): void {
    if (this.buf && this.buf.name !== name) this.flush();
    if (this.buf) this.buf.text += text;
    else this.buf = { name, text };
    if (this.buf.text.length > 1 << 16) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), 30);
  }
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const b = this.buf;
    this.buf = null;
    if (b && b.text) this.emit(b.name, b.text);
  }
}
