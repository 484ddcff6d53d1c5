// Every notebooks/*.ipynb, executed top to bottom at FLASHLM_NOTEBOOK_BUDGET=smoke by `flashlm notebook run`
// (nbconvert/nbclient through this checkout's kernel) into a temp folder, within the 3-minute CI budget of
// issue 7. Checks: no error output, every code cell executed in order, the committed file is untouched, and
// the committed notebook is a full-budget run whose figure cells still produce figures at the smoke budget.
import { spawn } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { describeJupyter, ROOT } from '../kernel/jupyter';

const NOTEBOOKS = path.join(ROOT, 'notebooks');
const LIMIT_S = 180; // issue 7: each notebook runs under smoke in < 3 min (kernel start included)
const PLOTLY = 'application/vnd.plotly.v1+json';

interface Output { output_type: string; data?: Record<string, unknown>; ename?: string; evalue?: string; name?: string; text?: string | string[] }
interface Cell { cell_type: string; execution_count?: number | null; outputs?: Output[]; source: string | string[] }
interface Notebook { cells: Cell[]; metadata: { kernelspec?: { name?: string; language?: string }; flashlm?: { budget?: string; wall_seconds?: number } } }

const notebookFiles = fs.existsSync(NOTEBOOKS) ? fs.readdirSync(NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).sort() : [];
const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Notebook;
const codeCells = (nb: Notebook) => nb.cells.filter((c) => c.cell_type === 'code');
const sourceOf = (c: Cell) => (Array.isArray(c.source) ? c.source.join('') : c.source); // .ipynb stores lines as arrays
const hasFigure = (c: Cell) => (c.outputs ?? []).some((o) => o.data !== undefined && PLOTLY in o.data);
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Runs the CLI in its own process group, killing the whole group (nbconvert, the kernel) past the limit. */
function runCli(args: string[], limitS: number): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'flashlm.js'), ...args], { cwd: ROOT, detached: true, env: { ...process.env } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }, limitS * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}

describeJupyter('notebooks/*.ipynb at the smoke budget', () => {
  test('there are notebooks to run', () => {
    expect(notebookFiles).toContain('00-ternary-quantization.ipynb');
  });

  test.each(notebookFiles)('%s is committed as a full-budget run with outputs, for the flashlm kernel', (name) => {
    const nb = read(path.join(NOTEBOOKS, name));
    expect(nb.metadata.kernelspec).toMatchObject({ name: 'flashlm', language: 'typescript' });
    expect(nb.metadata.flashlm?.budget).toBe('full');
    const cells = codeCells(nb);
    expect(cells.length).toBeGreaterThan(0);
    for (const c of cells) expect(typeof c.execution_count).toBe('number');
    expect(cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'error')).toEqual([]);
  });

  test.each(notebookFiles)('%s executes top to bottom without errors in under 3 minutes', async (name) => {
    const committed = path.join(NOTEBOOKS, name);
    const before = sha(committed);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-nbtest-'));
    try {
      const out = path.join(dir, name);
      const r = await runCli(['notebook', 'run', path.relative(ROOT, committed), '--budget', 'smoke', '--output', out, '--timeout', String(LIMIT_S)], LIMIT_S);
      if (r.timedOut) throw new Error(`${name} did not finish within ${LIMIT_S} s at the smoke budget:\n${r.output.slice(-3000)}`);
      if (r.code !== 0) throw new Error(`${name} failed (exit ${r.code}):\n${r.output.slice(-6000)}`);
      expect(r.output).toMatch(new RegExp(`executed .*${name.replace(/\./g, '\\.')} at budget smoke in [0-9.]+ s`));
      expect(sha(committed)).toBe(before); // outputs went to the temp folder, never over the committed file

      const nb = read(out);
      expect(nb.metadata.flashlm?.budget).toBe('smoke');
      const cells = codeCells(nb);
      // every code cell ran, in order, once
      expect(cells.map((c) => c.execution_count)).toEqual(cells.map((_, i) => i + 1));
      expect(cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'error')).toEqual([]);
      // the cells that show a figure in the committed (full) run show one at the smoke budget too
      const committedCells = codeCells(read(committed));
      expect(committedCells.length).toBe(cells.length);
      const figureCells = committedCells.flatMap((c, i) => (hasFigure(c) ? [i] : []));
      for (const i of figureCells) expect({ cell: i, figure: hasFigure(cells[i]) }).toEqual({ cell: i, figure: true });
      // a notebook that builds figures shows at least one
      if (committedCells.some((c) => /new flashlm\.Figure\(|flashlm\.plot\./.test(sourceOf(c)))) expect(figureCells.length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, (LIMIT_S + 30) * 1000);
});
