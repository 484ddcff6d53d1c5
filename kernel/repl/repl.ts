// `flashlm repl`: a terminal REPL on the Jupyter kernel's machinery: cells are compiled and type-checked by the
// kernel's TypeScriptSession and run by its Executor (a worker thread), so the main thread keeps reading keys
// while a cell runs: Ctrl-C interrupts the running cell (and clears the line when idle), Ctrl-D exits.
// Multi-line input follows the session's is_complete; Tab completes with types; displays fall back to text.
// History: $FLASHLM_REPL_HISTORY if set (empty disables it), else ~/.flashlm_repl_history; one entry a line,
// oldest first, at most HISTORY_SIZE, rewritten atomically after each entry.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import ts from 'typescript';
import { Executor, ExecuteSink } from '../executor/executor';
import { PRELUDE_DTS } from '../runtime/prelude';
import { TypeScriptSession } from '../typescript/session';
import { bundleText, formatDiagnostics, formatError } from './format';

const PROMPT = 'ts> ';
const CONTINUE = '... ';
const HISTORY_SIZE = 1000;

export interface ReplOptions {
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  cwd?: string;
  /** The history file; null: none. Default: $FLASHLM_REPL_HISTORY, else ~/.flashlm_repl_history. */
  historyFile?: string | null;
  version?: string;
}

export function defaultHistoryFile(): string | null {
  const env = process.env.FLASHLM_REPL_HISTORY;
  if (env !== undefined) return env === '' ? null : path.resolve(env);
  return path.join(os.homedir(), '.flashlm_repl_history');
}

function loadHistory(file: string | null): string[] {
  if (!file) return [];
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).slice(-HISTORY_SIZE).reverse();
  } catch {
    return []; // no history yet
  }
}

function saveHistory(file: string, newestFirst: string[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, [...newestFirst].slice(0, HISTORY_SIZE).reverse().join('\n') + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * Runs the REPL until end of input (Ctrl-D) or `.exit`; resolves with the exit code.
 *
 * @example
 * process.exitCode = await runRepl(); // what `flashlm repl` does
 */
export async function runRepl(opts: ReplOptions = {}): Promise<number> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const cwd = opts.cwd ?? process.cwd();
  const terminal = (output as { isTTY?: boolean }).isTTY === true && (input as { isTTY?: boolean }).isTTY === true;
  const historyFile = opts.historyFile === undefined ? defaultHistoryFile() : opts.historyFile;
  const red = (s: string) => (terminal ? `\x1b[31m${s}\x1b[39m` : s);
  const write = (s: string) => output.write(s);

  const session = new TypeScriptSession({ cwd, preludeDts: PRELUDE_DTS }); // the executor's globals
  const executor = new Executor({ cwd });
  const started = executor.start(); // loads flashlm in the worker while the user types
  started.catch(() => undefined); // reported by the first cell that needs it
  executor.lateOutput = (o) => write(o.kind === 'stream' ? o.text : bundleText(o.data) + '\n');

  let buffer: string[] = []; // lines of a cell that is not complete yet
  const queue: string[] = []; // lines that arrived while a cell ran (a paste, typing ahead)
  let running = false;
  let closing = false;
  let closed = false;
  let muted = false; // while password() reads
  let pendingQuestion: (() => void) | undefined; // cancels the input()/password() waiting for a line
  let cellNo = 0;

  const rl = readline.createInterface({
    input, output, terminal, prompt: PROMPT, history: loadHistory(historyFile), historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true, completer: terminal ? complete : undefined,
  } as readline.ReadLineOptions);
  const rlOut = rl as unknown as { _writeToOutput(s: string): void };
  const writeToOutput = rlOut._writeToOutput.bind(rl);
  rlOut._writeToOutput = (s: string) => { if (!muted) writeToOutput(s); };
  let historyWarned = false;
  if (historyFile) {
    rl.on('history', (h: string[]) => {
      if (muted) return; // a password: see below, it leaves the history too
      try {
        saveHistory(historyFile, h);
      } catch (e) {
        if (!historyWarned) write(red(`(history not saved to ${historyFile}: ${(e as Error).message})\n`));
        historyWarned = true;
      }
    });
  }

  function complete(line: string, cb: (err: null, result: [string[], string]) => void): void {
    try {
      const before = buffer.length ? buffer.join('\n') + '\n' : '';
      const source = before + line;
      const c = session.complete(source, source.length);
      const prefix = line.slice(Math.max(c.cursorStart - before.length, 0));
      // readline inserts the matches' common prefix after `prefix`, so only exact-case matches fit
      cb(null, [c.matches.filter((m) => m.startsWith(prefix)), prefix]);
    } catch {
      cb(null, [[], line]);
    }
  }

  const sink: ExecuteSink = {
    stream: (name, text) => write(name === 'stderr' ? red(text) : text),
    display: (data) => write(bundleText(data) + '\n'),
    clear: () => undefined, // a terminal keeps what it printed
    input: (prompt, password) => new Promise<string>((resolve, reject) => {
      if (closed) return resolve('');
      const abort = new AbortController();
      pendingQuestion = () => {
        abort.abort();
        muted = false;
        reject(new Error('input cancelled'));
      };
      rl.question(prompt, { signal: abort.signal }, (answer) => {
        pendingQuestion = undefined;
        if (muted) {
          write('\n');
          const h = (rl as unknown as { history: string[] }).history;
          if (h[0] === answer) h.shift(); // readline adds every line to its history, a password too
        }
        muted = false;
        resolve(answer);
      });
      muted = password; // after question() has written the prompt
    }),
  };

  function prompt(): void {
    if (closed) return;
    rl.setPrompt(buffer.length ? CONTINUE : PROMPT);
    rl.prompt();
  }

  async function runCell(source: string): Promise<void> {
    try {
      await compileAndRun(source);
    } catch (e) {
      // the kernel's own failure (the worker would not start, a compiler crash): say so, keep the REPL
      write(red(`flashlm repl: ${e instanceof Error ? e.stack ?? e.message : String(e)}`) + '\n');
    }
  }

  async function compileAndRun(source: string): Promise<void> {
    const filename = `repl-${++cellNo}.ts`;
    const compiled = session.compileCell(source, { filename });
    if (!compiled.ok) {
      write(red(formatDiagnostics(filename, source, compiled.diagnostics)) + '\n');
      return;
    }
    running = true;
    try {
      await started;
      const outcome = await executor.execute(compiled.js, filename, sink);
      if (outcome.status === 'ok') {
        session.commitCell(compiled);
        if (outcome.value) write(bundleText(outcome.value.data) + '\n');
      } else {
        // declarations before the failure exist at run time, so later cells see them; a replaced worker
        // took every global with it
        if (outcome.replaced) session.reset();
        else session.commitCell(compiled);
        write(red(formatError(outcome.error, filename, compiled.mapPosition, (f, l, c) => session.mapLocation(f, l, c))) + '\n');
        if (outcome.replaced) write(red('(the executor was replaced: every variable of this session is gone)\n'));
      }
    } finally {
      running = false;
    }
  }

  async function onLine(line: string): Promise<void> {
    if (!buffer.length && line.trim() === '.exit') {
      rl.close();
      return;
    }
    buffer.push(line);
    const source = buffer.join('\n');
    const state = session.isComplete(source);
    if (state.status === 'incomplete') {
      prompt();
      if (terminal && state.indent) rl.write(state.indent);
      return;
    }
    buffer = [];
    if (source.trim()) await runCell(source);
  }

  let pumping = false;
  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length) await onLine(queue.shift() as string);
    } finally {
      pumping = false;
    }
    if (closing) finish();
    else prompt();
  }

  let resolveDone: (code: number) => void = () => undefined;
  const done = new Promise<number>((res) => { resolveDone = res; });
  function finish(): void {
    if (closed) return;
    closed = true;
    buffer = []; // an unfinished cell at end of input is dropped, as Python's REPL does
    process.removeListener('SIGINT', onSigint);
    write('\n');
    void executor.shutdown().then(() => resolveDone(0), () => resolveDone(1));
  }

  function onSigint(): void {
    if (running) {
      write(red('^C\n'));
      pendingQuestion?.(); // a cell waiting in input() gets no line: the interrupt ends it
      pendingQuestion = undefined;
      executor.interrupt();
      return;
    }
    if (!terminal) {
      rl.close(); // piped input: Ctrl-C from the shell ends the REPL
      return;
    }
    buffer = [];
    queue.length = 0;
    rl.write(null, { ctrl: true, name: 'e' }); // to the end of the line, then delete it all
    rl.write(null, { ctrl: true, name: 'u' });
    write('^C\n');
    prompt();
  }

  rl.on('line', (line) => {
    queue.push(line);
    void pump();
  });
  rl.on('SIGINT', onSigint);
  if (!terminal) process.on('SIGINT', onSigint);
  rl.on('close', () => {
    closing = true;
    if (!pumping && !running) finish();
    else if (running) write(red('\n(exiting after the running cell)\n'));
  });

  write(`FlashLM.ts ${opts.version ?? ''} REPL · TypeScript ${ts.version} · Node ${process.version}\n`.replace('  ', ' ') +
    '`flashlm` is in scope. Tab completes, Ctrl-C interrupts a running cell, Ctrl-D exits.\n');
  prompt();
  return done;
}
