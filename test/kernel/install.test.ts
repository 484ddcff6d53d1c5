// `flashlm kernel install|uninstall`: where the kernelspec goes for each option, what it says, and that
// jupyter_client finds it. Runs the real CLI (bin/flashlm.js, compiled dist/).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { jupyterAvailable, PYTHON, ROOT } from './jupyter';

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [path.join(ROOT, 'bin', 'flashlm.js'), 'kernel', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('flashlm kernel install', () => {
  let tmp: string;
  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-install-')); });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('--prefix P --name N writes P/share/jupyter/kernels/N/kernel.json with node, interrupt_mode and display name', () => {
    const r = cli(['install', '--prefix', tmp, '--name', 'fl-x']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const spec = JSON.parse(fs.readFileSync(path.join(tmp, 'share', 'jupyter', 'kernels', 'fl-x', 'kernel.json'), 'utf8'));
    expect(spec).toEqual({
      argv: [process.execPath, path.join(ROOT, 'dist', 'kernel', 'main.js'), '{connection_file}'],
      display_name: 'FlashLM (TypeScript)', language: 'typescript', interrupt_mode: 'message', metadata: { debugger: false },
    });
  });

  test('--user (the default) writes into the Jupyter data folder; uninstall removes it', () => {
    expect(cli(['install'], { JUPYTER_DATA_DIR: tmp }).status).toBe(0);
    expect(fs.existsSync(path.join(tmp, 'kernels', 'flashlm', 'kernel.json'))).toBe(true);
    expect(cli(['install', '--user', '--name', 'second'], { JUPYTER_DATA_DIR: tmp }).status).toBe(0);
    expect(fs.existsSync(path.join(tmp, 'kernels', 'second', 'kernel.json'))).toBe(true);
    expect(cli(['uninstall', '--user'], { JUPYTER_DATA_DIR: tmp }).status).toBe(0);
    expect(fs.existsSync(path.join(tmp, 'kernels', 'flashlm'))).toBe(false);
    const again = cli(['uninstall'], { JUPYTER_DATA_DIR: tmp });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/no kernelspec at/);
  });

  test('--sys-prefix uses sys.prefix of the Python Jupyter runs in', () => {
    const fake = path.join(tmp, 'fakepython');
    fs.writeFileSync(fake, `#!/bin/sh\necho ${path.join(tmp, 'env')}\n`, { mode: 0o755 });
    expect(cli(['install', '--sys-prefix'], { PYTHON: fake }).status).toBe(0);
    expect(fs.existsSync(path.join(tmp, 'env', 'share', 'jupyter', 'kernels', 'flashlm', 'kernel.json'))).toBe(true);
  });

  test('bad options are errors naming the problem', () => {
    expect(cli(['install', '--prefix', tmp, '--name', 'bad name']).stderr).toMatch(/--name must be/);
    expect(cli(['install', '--user', '--prefix', tmp]).stderr).toMatch(/only one of/);
    expect(cli(['install', '--bogus']).stderr).toMatch(/unknown option '--bogus'/);
    expect(cli(['frob']).status).toBe(2);
  });

  (jupyterAvailable || process.env.CI ? test : test.skip)('jupyter_client lists the installed kernelspec', () => {
    expect(cli(['install', '--prefix', tmp, '--name', 'listed']).status).toBe(0);
    const r = spawnSync(PYTHON, ['-c', 'import json; from jupyter_client.kernelspec import KernelSpecManager as K; ' +
      'print(json.dumps({n: s["spec"]["interrupt_mode"] for n, s in K().get_all_specs().items() if n == "listed"}))'],
    { encoding: 'utf8', env: { ...process.env, JUPYTER_PATH: path.join(tmp, 'share', 'jupyter') } });
    expect(JSON.parse(r.stdout)).toEqual({ listed: 'message' });
  });
});
