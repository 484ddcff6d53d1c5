// `flashlm notebook run FILE.ipynb`: executes a notebook top to bottom with nbconvert (nbclient) through this
// checkout's kernel and writes it back with its outputs, atomically, only when every cell succeeded. The
// kernelspec goes into a temp Jupyter prefix put first on JUPYTER_PATH, so the run never depends on (or
// changes) what the user installed. The budget reaches the cells as FLASHLM_NOTEBOOK_BUDGET
// (lib/notebook/budget.ts); the kernel's working folder is the notebook's own folder (nbconvert's rule).
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { installKernel } from '../../kernel/install';
import { writeFileAtomic } from '../io/atomic';
import { native } from '../native';
import { BudgetName } from '../notebook/budget';
import { UsageError, numberOption, parseFlags, stringOption } from './flags';

const USAGE = `usage: flashlm notebook run FILE.ipynb [--budget full|smoke] [--output OUT.ipynb] [--timeout SECONDS]

  Executes FILE top to bottom with nbconvert through this checkout's kernel (installed into a temp
  Jupyter prefix), with FLASHLM_NOTEBOOK_BUDGET set, and writes the outputs back into FILE (or OUT)
  atomically, only if every cell ran without error. Prints the wall time.

  --budget B     full (default) or smoke
  --output OUT   write the executed notebook here instead of over FILE
  --timeout S    per-cell limit in seconds (default 1800)

environment:
  PYTHON         the Python with nbconvert and nbclient (default: python3, else /usr/bin/python3)`;

/** The kernelspec name the notebooks' metadata names (what `flashlm kernel install` writes). */
export const NOTEBOOK_KERNEL = 'flashlm';

/** What a run stamps into the notebook's metadata.flashlm (so a committed notebook states its budget). */
export interface NotebookRunStamp {
  budget: BudgetName;
  wall_seconds: number;
  cpus: number;
  /** The CPU's model name (os.cpus()), so a committed notebook's timings say which machine gave them. */
  cpu: string;
  threads: number;
  isa: string;
  node: string;
  executed_at: string;
}

export interface NotebookRunOptions {
  budget?: BudgetName;
  /** Where the executed notebook goes (default: over `file`). */
  output?: string;
  /** Per-cell limit in seconds (default 1800). */
  cellTimeout?: number;
  /** The Python with nbconvert (default $PYTHON, else python3 or /usr/bin/python3, whichever has it). */
  python?: string;
}

/**
 * Executes `file` with nbconvert through this checkout's kernel and writes the result atomically.
 * Throws (leaving `file` untouched) when a cell fails or nbconvert is missing.
 *
 * @example
 * const stamp = runNotebook('notebooks/00-ternary-quantization.ipynb', { budget: 'smoke', output: '/tmp/out.ipynb' });
 */
export function runNotebook(file: string, o: NotebookRunOptions = {}): NotebookRunStamp {
  const budget = o.budget ?? 'full';
  if (budget !== 'full' && budget !== 'smoke') throw new UsageError(`notebook run: --budget must be 'full' or 'smoke', got '${String(budget)}'`);
  const src = path.resolve(file);
  if (path.extname(src) !== '.ipynb') throw new UsageError(`notebook run: FILE must be a .ipynb notebook, got '${file}'`);
  if (!fs.existsSync(src)) throw new UsageError(`notebook run: no such notebook '${file}'`);
  const dest = path.resolve(o.output ?? src);
  if (path.extname(dest) !== '.ipynb') throw new UsageError(`notebook run: --output must end in .ipynb, got '${o.output}'`);
  if (!fs.existsSync(path.dirname(dest))) throw new UsageError(`notebook run: --output folder ${path.dirname(dest)} does not exist`);
  const python = findPython(o.python ?? process.env.PYTHON);

  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-nbrun-'));
  // Ctrl-C (or a kill) reaches nbconvert and us together. With a listener, Node does not exit at once
  // but lets nbconvert stop and this function fail through `finally`, so the temp prefix goes too.
  const interrupted: NodeJS.Signals[] = [];
  const onSignal = (signal: NodeJS.Signals) => void interrupted.push(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    installKernel(['--prefix', prefix, '--name', NOTEBOOK_KERNEL]);
    const jupyterPath = [path.join(prefix, 'share', 'jupyter'), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter);
    const executed = path.join(prefix, 'executed.ipynb');
    console.error(`flashlm notebook run: executing ${file} at budget ${budget} …`);
    const started = process.hrtime.bigint();
    const r = cp.spawnSync(python, [
      '-m', 'nbconvert', '--to', 'notebook', '--execute', src,
      `--ExecutePreprocessor.kernel_name=${NOTEBOOK_KERNEL}`, `--ExecutePreprocessor.timeout=${o.cellTimeout ?? 1800}`,
      '--output-dir', prefix, '--output', 'executed',
    ], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, JUPYTER_PATH: jupyterPath, FLASHLM_NOTEBOOK_BUDGET: budget } });
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.error) throw new Error(`notebook run: could not start ${python}: ${r.error.message}`);
    if (r.signal === 'SIGINT' || r.signal === 'SIGTERM') throw new Error(`notebook run: interrupted (${r.signal}) after ${wall.toFixed(1)} s; ${o.output ?? file} was not written`);
    if (r.status !== 0 || !fs.existsSync(executed)) {
      throw new Error(`notebook run: ${file} failed after ${wall.toFixed(1)} s (nbconvert exit ${r.status ?? r.signal}; its output is above); ${o.output ?? file} was not written`);
    }
    const nb = JSON.parse(fs.readFileSync(executed, 'utf8')) as { metadata: Record<string, unknown> };
    const info = native.info();
    const stamp: NotebookRunStamp = {
      budget, wall_seconds: Math.round(wall * 10) / 10, cpus: os.cpus().length, cpu: os.cpus()[0]?.model.trim() ?? 'unknown', threads: info.threads, isa: info.isa,
      node: process.version, executed_at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    nb.metadata.flashlm = stamp;
    // nbformat's own layout (1-space indent, trailing newline), so a re-run diffs only where outputs changed
    writeFileAtomic(dest, [Buffer.from(JSON.stringify(nb, null, 1) + '\n')]);
    return stamp;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    fs.rmSync(prefix, { recursive: true, force: true });
  }
}

/**
 * The Python to run nbconvert with: the one named (option or $PYTHON), else the first of python3 on PATH and
 * /usr/bin/python3 (Debian's, where apt puts jupyter-nbconvert) that imports nbconvert and nbclient.
 */
function findPython(named: string | undefined): string {
  const candidates = named !== undefined ? [named] : ['python3', '/usr/bin/python3'];
  for (const python of candidates) {
    if (cp.spawnSync(python, ['-c', 'import nbconvert, nbclient'], { stdio: 'ignore' }).status === 0) return python;
  }
  throw new Error(`notebook run: ${candidates.map((c) => `'${c}'`).join(' and ')} cannot import nbconvert and nbclient. ` +
    'HINT: apt-get install jupyter-nbconvert python3-nbclient (or pip install nbconvert), or set PYTHON to a Python that has them');
}

/** `flashlm notebook ...`; returns the exit code. */
export async function notebookCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    console.log(USAGE);
    return sub === undefined ? 2 : 0;
  }
  try {
    if (sub !== 'run') throw new UsageError(`notebook: unknown subcommand '${sub}'`);
    const p = parseFlags('notebook run', rest, { values: ['--budget', '--output', '--timeout'], flags: ['--help'] });
    if (p.flags.has('--help')) {
      console.log(USAGE);
      return 0;
    }
    if (p.positional.length !== 1) throw new UsageError(`notebook run: give exactly one notebook, got ${p.positional.length}`);
    const budget = stringOption(p, '--budget') as BudgetName | undefined;
    const cellTimeout = numberOption('notebook run', p, '--timeout', { integer: true, min: 1 });
    const file = p.positional[0];
    const output = stringOption(p, '--output');
    const stamp = runNotebook(file, { budget, output, cellTimeout });
    console.log(`executed ${file} at budget ${stamp.budget} in ${stamp.wall_seconds.toFixed(1)} s ` +
      `(${stamp.cpus} CPUs, ${stamp.threads} threads, ${stamp.isa}); wrote ${output ?? file}`);
    return 0;
  } catch (e) {
    console.error((e as Error).message);
    if (e instanceof UsageError) {
      console.error(`\n${USAGE}`);
      return 2;
    }
    return 1;
  }
}
