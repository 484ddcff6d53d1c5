// Test helper: installs the kernelspec into a temp prefix with `flashlm kernel install --prefix`, starts
// test/kernel/py/driver.py (Debian's jupyter_client) against it, and calls the driver's scenarios.
// Without jupyter_client the kernel suites skip, except under CI=true, where they fail.
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '..', '..');
export const PYTHON = '/usr/bin/python3';
export const KERNEL_NAME = 'flashlm-test';

export const jupyterAvailable =
  spawnSync(PYTHON, ['-c', 'import jupyter_client, nbclient, nbformat'], { stdio: 'ignore' }).status === 0;

/** describe, or describe.skip with a notice when jupyter_client is missing outside CI. */
export const describeJupyter: jest.Describe = jupyterAvailable || process.env.CI ? describe : (() => {
  console.warn('kernel tests skipped: /usr/bin/python3 lacks jupyter_client/nbclient (apt-get install jupyter-client python3-nbclient jupyter-nbconvert)');
  return describe.skip;
})();

/** A temp Jupyter prefix with the kernelspec, and a notebook folder. */
export function installTempKernel(): { prefix: string; jupyterPath: string; notebookDir: string } {
  if (!jupyterAvailable) throw new Error('jupyter_client is not installed for /usr/bin/python3 (apt-get install jupyter-client python3-nbclient jupyter-nbconvert)');
  const main = path.join(ROOT, 'dist', 'kernel', 'main.js');
  if (!fs.existsSync(main)) throw new Error(`${main} is missing: run npm run build:ts first`);
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-jp-'));
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'flashlm.js'), 'kernel', 'install', '--prefix', prefix, '--name', KERNEL_NAME], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`flashlm kernel install failed: ${r.stderr}`);
  const notebookDir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-nb-'));
  return { prefix, jupyterPath: path.join(prefix, 'share', 'jupyter'), notebookDir };
}

/** One jupyter_client driver process with one shared kernel. */
export class Driver {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buf = '';
  private nextId = 1;
  private readonly waiting = new Map<number, (r: { ok: boolean; result?: unknown; error?: string }) => void>();
  readonly dirs = installTempKernel();
  stderr = '';

  constructor() {
    this.proc = spawn(PYTHON, [path.join(__dirname, 'py', 'driver.py')], {
      env: { ...process.env, JUPYTER_PATH: this.dirs.jupyterPath, KERNEL_NAME, NOTEBOOK_DIR: this.dirs.notebookDir, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        const msg = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; error?: string };
        this.waiting.get(msg.id)?.(msg);
        this.waiting.delete(msg.id);
      }
    });
    this.proc.stderr.on('data', (d: Buffer) => { this.stderr += d.toString(); });
  }

  /** Runs a scenario of driver.py; throws with the Python traceback (and the kernel's stderr) when it fails. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  call(scenario: string, args: Record<string, unknown> = {}): Promise<any> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (r) => (r.ok ? resolve(r.result) : reject(new Error(`${scenario}: ${r.error}\nstderr:\n${this.stderr.slice(-3000)}`))));
      this.proc.stdin.write(JSON.stringify({ id, scenario, args }) + '\n');
    });
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.stdin.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 10000); })]);
    clearTimeout(timer);
    if (this.proc.exitCode === null) this.proc.kill();
    fs.rmSync(this.dirs.prefix, { recursive: true, force: true });
    fs.rmSync(this.dirs.notebookDir, { recursive: true, force: true });
  }
}

export interface IopubMsg { msg_type: string; content: Record<string, unknown>; version: string }
export const ofType = (iopub: IopubMsg[], t: string) => iopub.filter((m) => m.msg_type === t);
