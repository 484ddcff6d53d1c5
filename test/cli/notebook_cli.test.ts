// `flashlm notebook run`: usage errors exit 2 naming the argument; a run writes the outputs back in place with
// the budget stamp and runs cells in the notebook's folder; a failing cell exits 1 and leaves the file as it was.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { describeJupyter, ROOT } from '../kernel/jupyter';

const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [path.join(ROOT, 'bin', 'flashlm.js'), 'notebook', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

function notebook(sources: string[]): string {
  return JSON.stringify({
    cells: sources.map((source, i) => ({ cell_type: 'code', execution_count: null, id: `c${i}`, metadata: {}, outputs: [], source })),
    metadata: { kernelspec: { name: 'flashlm', display_name: 'FlashLM (TypeScript)', language: 'typescript' } },
    nbformat: 4, nbformat_minor: 5,
  }, null, 1);
}

describe('flashlm notebook: usage errors', () => {
  test.each([
    [[], /usage: flashlm notebook run/],
    [['list'], /unknown subcommand 'list'/],
    [['run'], /give exactly one notebook, got 0/],
    [['run', 'README.md'], /FILE must be a \.ipynb notebook, got 'README.md'/],
    [['run', 'nowhere.ipynb'], /no such notebook 'nowhere\.ipynb'/],
    [['run', 'x.ipynb', '--budget'], /--budget needs a value/],
    [['run', 'x.ipynb', '--timeout', '0'], /--timeout must be an integer ≥ 1, got '0'/],
  ])('%j exits 2', (args, message) => {
    const r = cli(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stdout + r.stderr).toMatch(message);
  });

  test('a bad --budget is named', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-nbcli-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.ipynb'), notebook(['1']));
      const r = cli(['run', path.join(dir, 'a.ipynb'), '--budget', 'tiny']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/--budget must be 'full' or 'smoke', got 'tiny'/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('flashlm notebook run: interrupted', () => {
  test('Ctrl-C during the run stops it, leaves the notebook as it was and removes the temp prefix', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-nbcli-'));
    try {
      // A stand-in Python: it "has" nbconvert, and its nbconvert run waits to be interrupted.
      const python = path.join(dir, 'python');
      fs.writeFileSync(python, '#!/bin/sh\nif [ "$1" = "-c" ]; then exit 0; fi\nexec sleep 60\n', { mode: 0o755 });
      const file = path.join(dir, 'a.ipynb'), text = notebook(['1']);
      fs.writeFileSync(file, text);
      const tmp = path.join(dir, 'tmp');
      fs.mkdirSync(tmp);
      // Its own process group, as a shell gives a foreground job: the signal reaches the CLI and the stand-in.
      const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'flashlm.js'), 'notebook', 'run', file], {
        env: { ...process.env, PYTHON: python, TMPDIR: tmp }, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const deadline = Date.now() + 20000;
      while (!stderr.includes('executing') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(fs.readdirSync(tmp).filter((f) => f.startsWith('flashlm-nbrun-'))).toHaveLength(1); // the prefix, mid-run
      process.kill(-child.pid!, 'SIGINT');
      expect(await exited).toBe(1);
      expect(stderr).toMatch(/notebook run: interrupted \(SIGINT\) after [0-9.]+ s; .*a\.ipynb was not written/);
      expect(fs.readdirSync(tmp)).toEqual([]);
      expect(fs.readFileSync(file, 'utf8')).toBe(text);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30000);
});

describeJupyter('flashlm notebook run', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-nbcli-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('writes the outputs in place, stamps the budget, runs in the notebook folder', () => {
    const file = path.join(dir, 'ok.ipynb');
    fs.writeFileSync(file, notebook(['process.cwd()', "flashlm.budget({ full: 'F', smoke: 'S' })"]));
    const r = cli(['run', file, '--budget', 'smoke']);
    expect(r.stderr).not.toMatch(/Traceback/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^executed .*ok\.ipynb at budget smoke in \d+\.\d s \(\d+ CPUs, \d+ threads, \w+\); wrote .*ok\.ipynb\n$/);
    const nb = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(nb.metadata.flashlm).toMatchObject({ budget: 'smoke', cpus: os.cpus().length });
    expect(nb.metadata.flashlm.wall_seconds).toBeGreaterThan(0);
    expect(nb.metadata.flashlm.cpu).toBe(os.cpus()[0].model.trim());
    const result = (i: number) => [nb.cells[i].outputs[0].data['text/plain']].flat().join('');
    expect(result(0)).toBe(`'${fs.realpathSync(dir)}'`);
    expect(result(1)).toBe("'S'");
    expect(nb.cells.map((c: { execution_count: number }) => c.execution_count)).toEqual([1, 2]);
    expect(fs.readdirSync(dir)).toEqual(['ok.ipynb']); // no temp file left beside it
  });

  test('a failing cell exits 1 and leaves the notebook untouched', () => {
    const file = path.join(dir, 'bad.ipynb');
    const text = notebook(['1 + 1', "throw new Error('boom in cell 2')", '3']);
    fs.writeFileSync(file, text);
    const r = cli(['run', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/boom in cell 2/);
    expect(r.stderr).toMatch(/bad\.ipynb failed after [0-9.]+ s .* was not written/);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    expect(fs.readdirSync(dir)).toEqual(['bad.ipynb']);
  });
});
