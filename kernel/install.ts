// `flashlm kernel install|uninstall`: writes (or removes) the Jupyter kernelspec that starts this package's
// kernel with this Node (absolute paths, so Jupyter finds it from any folder and any PATH).
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from './package';

const USAGE = `usage: flashlm kernel install [--user | --sys-prefix | --prefix P] [--name N]
       flashlm kernel uninstall [--user | --sys-prefix | --prefix P] [--name N]
       flashlm kernel run CONNECTION_FILE

  --user        the user's Jupyter data folder (default; $JUPYTER_DATA_DIR if set)
  --sys-prefix  <sys.prefix of python3>/share/jupyter (the Python environment Jupyter runs in)
  --prefix P    P/share/jupyter (point JUPYTER_PATH at P/share/jupyter to use it)
  --name N      kernelspec name (default: flashlm)`;

function userDataDir(): string {
  if (process.env.JUPYTER_DATA_DIR) return process.env.JUPYTER_DATA_DIR;
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Jupyter');
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? os.homedir(), 'jupyter');
  return path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'jupyter');
}

function sysPrefix(): string {
  const python = process.env.PYTHON || 'python3';
  const r = cp.spawnSync(python, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`flashlm kernel: --sys-prefix needs Python ('${python} -c "import sys"' failed). HINT: set PYTHON, or use --prefix`);
  return r.stdout.trim();
}

interface Where { dir: string; name: string }

function parse(args: string[]): Where {
  let base: string | undefined;
  let name = 'flashlm';
  const set = (b: string) => {
    if (base !== undefined) throw new Error('flashlm kernel: give only one of --user, --sys-prefix, --prefix');
    base = b;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--user') set(userDataDir());
    else if (a === '--sys-prefix') set(path.join(sysPrefix(), 'share', 'jupyter'));
    else if (a === '--prefix' || a === '--name') {
      const v = args[++i];
      if (v === undefined) throw new Error(`flashlm kernel: ${a} needs a value`);
      if (a === '--prefix') set(path.join(path.resolve(v), 'share', 'jupyter'));
      else name = v;
    } else if (a.startsWith('--prefix=')) set(path.join(path.resolve(a.slice(9)), 'share', 'jupyter'));
    else if (a.startsWith('--name=')) name = a.slice(7);
    else throw new Error(`flashlm kernel: unknown option '${a}'\n\n${USAGE}`);
  }
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) throw new Error(`flashlm kernel: --name must be letters, digits, '.', '_' or '-', got '${name}'`);
  return { dir: path.join(base ?? userDataDir(), 'kernels', name), name };
}

/** The kernel.json this install writes. */
export function kernelSpec(): object {
  return {
    argv: [process.execPath, path.join(packageRoot(), 'dist', 'kernel', 'main.js'), '{connection_file}'],
    display_name: 'FlashLM (TypeScript)',
    language: 'typescript',
    interrupt_mode: 'message',
    metadata: { debugger: false },
  };
}

/** Writes the kernelspec; returns its folder. @example installKernel(['--prefix', '/tmp/jp']) */
export function installKernel(args: string[]): string {
  const { dir } = parse(args);
  const main = path.join(packageRoot(), 'dist', 'kernel', 'main.js');
  if (!fs.existsSync(main)) throw new Error(`flashlm kernel: ${main} is missing. HINT: run \`npm run build:ts\` in ${packageRoot()}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kernel.json');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(kernelSpec(), null, 2) + '\n');
  fs.renameSync(tmp, file);
  return dir;
}

/** Removes the kernelspec; returns its folder. */
export function uninstallKernel(args: string[]): string {
  const { dir } = parse(args);
  if (!fs.existsSync(path.join(dir, 'kernel.json'))) throw new Error(`flashlm kernel: no kernelspec at ${dir}`);
  fs.rmSync(dir, { recursive: true, force: true });
  return dir;
}

/** `flashlm kernel ...`; returns the exit code. */
export async function kernelCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub === 'install') {
      const dir = installKernel(rest);
      console.log(`installed kernelspec 'FlashLM (TypeScript)' in ${dir}`);
      return 0;
    }
    if (sub === 'uninstall') {
      console.log(`removed kernelspec ${uninstallKernel(rest)}`);
      return 0;
    }
    if (sub === 'run' && rest.length === 1) {
      // loaded on demand: install/uninstall must not load the compiler, the sockets and the executor
      const { runKernel } = require('./main') as typeof import('./main');
      await runKernel(rest[0]);
      return await new Promise<number>(() => {}); // the kernel exits the process itself
    }
  } catch (e) {
    console.error((e as Error).message);
    return 1;
  }
  console.error(USAGE);
  return 2;
}
