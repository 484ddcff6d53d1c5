// The live training view in the kernel: train() inside a notebook cell shows ONE progress display and ONE
// loss figure, each updated in place (nbclient keeps only the final state of an updated display), and the
// view reports what it cost against the training wall time.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { describeJupyter, installTempKernel, KERNEL_NAME, PYTHON } from '../kernel/jupyter';
import { requireChromium } from './browser';

const cells = [
  [
    "const tokens = Int32Array.from({ length: 20000 }, (_, i) => (i * 7 + (i % 3)) % 64);",
    "const model = flashlm.models.create('bitnet-bench', { vocabSize: 64, contextLength: 32, dim: 32, layers: 2, heads: 2, hidden: 64 });",
    "const run = flashlm.train(model, { train: tokens, validation: tokens.subarray(0, 2000) }, { steps: 150, batchSize: 8, evalEvery: 50, evalTokens: 512 });",
    "const summary = await run;",
  ].join('\n'),
  "const st = flashlm.viz.runViewStats()!;\nconsole.log(JSON.stringify({ share: st.spentMs / st.wallMs, ...st, steps: summary.step }));",
];
const notebook = {
  cells: cells.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
  metadata: { kernelspec: { name: KERNEL_NAME, display_name: 'TypeScript (flashlm)', language: 'typescript' } },
  nbformat: 4, nbformat_minor: 5,
};

describeJupyter('run view in the kernel', () => {
  test('train() shows one progress display and one loss figure, updated in place', () => {
    requireChromium();
    const { jupyterPath, notebookDir } = installTempKernel();
    const src = path.join(notebookDir, 'run.ipynb');
    fs.writeFileSync(src, JSON.stringify(notebook));
    const env = { ...process.env, JUPYTER_PATH: jupyterPath };
    const r = spawnSync(PYTHON, ['-m', 'nbconvert', '--to', 'notebook', '--execute', src, `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
      '--ExecutePreprocessor.timeout=300', '--output', 'run.out.ipynb'], { encoding: 'utf8', env, cwd: notebookDir });
    expect(r.stderr).not.toMatch(/Traceback|CellExecutionError/);
    expect(r.status).toBe(0);
    const out = JSON.parse(fs.readFileSync(path.join(notebookDir, 'run.out.ipynb'), 'utf8')) as { cells: { outputs: { output_type: string; data?: Record<string, unknown>; text?: unknown }[] }[] };
    const flat = (v: unknown) => (Array.isArray(v) ? v.join('') : String(v));
    const displays = out.cells[0].outputs.filter((o) => o.output_type === 'display_data');
    expect(displays).toHaveLength(2);
    const progress = displays.find((d) => 'text/html' in d.data!)!;
    expect(flat(progress.data!['text/plain'])).toMatch(/^bitnet-bench 100%\|█{20}\| 150\/150 /);
    const figure = displays.find((d) => 'application/vnd.plotly.v1+json' in d.data!)!;
    expect(Object.keys(figure.data!)).toEqual(expect.arrayContaining(['image/png', 'text/plain']));
    const fig = figure.data!['application/vnd.plotly.v1+json'] as { data: { name?: string; x: number[] }[] };
    // train curve with every step, eval points at 50, 100, 150
    expect(fig.data.some((t) => t.x.length === 150)).toBe(true);
    expect(fig.data.some((t) => JSON.stringify(t.x) === '[50,100,150]')).toBe(true);
    const stats = JSON.parse(flat(out.cells[1].outputs.find((o) => o.output_type === 'stream')!.text));
    expect(stats.steps).toBe(150);
    expect(stats.progressRenders).toBeGreaterThan(0);
    expect(stats.figureRedraws).toBeGreaterThan(0);
    // not a timing assertion: the measured share is printed for the record
    process.stdout.write(`run view overhead: ${JSON.stringify(stats)}\n`);
  }, 300_000);
});
