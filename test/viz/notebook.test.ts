// A notebook with a figure, run by nbclient through our kernel and exported by `jupyter nbconvert --to html`:
// the HTML carries the PNG, and a headless Chromium shows non-blank pixels where the figure is (the
// screenshot is kept in test/artifacts/viz/, gitignored).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { chromium as pw } from 'playwright-core';

import { describeJupyter, installTempKernel, KERNEL_NAME, PYTHON, ROOT } from '../kernel/jupyter';
import { pixelCounts, requireChromium } from './browser';

const cells = [
  "flashlm.viz.options({ png: true });\nnew flashlm.Figure([{ type: 'scatter', mode: 'lines', y: [4, 3, 2.5, 2.2], line: { color: '#d62728', width: 6 } }], { title: { text: 'Notebook figure' } })",
  'display(flashlm.Tensor.from([1, 2, 3, 4], [2, 2]));',
  "const p = new flashlm.Progress({ total: 3, label: 'train', minIntervalMs: 0 });\nfor (let s = 1; s <= 3; s++) p.update(s, { loss: 1.25, tokensPerS: 5000 });\np.close();",
  "let n = 1;\nconst live = new flashlm.LiveFigure(() => new flashlm.Figure([{ y: [1, 2] }], { title: { text: `live ${n++}` } }));\nlive.update(true);\nlive.close();",
];
const notebook = {
  cells: cells.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
  metadata: { kernelspec: { name: KERNEL_NAME, display_name: 'TypeScript (flashlm)', language: 'typescript' } },
  nbformat: 4, nbformat_minor: 5,
};

describeJupyter('figures in an executed, exported notebook', () => {
  test('nbclient output has the PNG; nbconvert HTML shows it (non-blank pixels in Chromium)', async () => {
    const exe = requireChromium();
    const { prefix, jupyterPath, notebookDir } = installTempKernel();
    try {
      const src = path.join(notebookDir, 'fig.ipynb');
      fs.writeFileSync(src, JSON.stringify(notebook));
      const env = { ...process.env, JUPYTER_PATH: jupyterPath };
      const run = spawnSync(PYTHON, ['-m', 'nbconvert', '--to', 'notebook', '--execute', src, `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
        '--ExecutePreprocessor.timeout=120', '--output', 'fig.out.ipynb'], { encoding: 'utf8', env, cwd: notebookDir });
      expect(run.stderr).not.toMatch(/Traceback|CellExecutionError/);
      expect(run.status).toBe(0);
      const out = JSON.parse(fs.readFileSync(path.join(notebookDir, 'fig.out.ipynb'), 'utf8')) as { cells: { outputs: { output_type: string; data: Record<string, unknown> }[] }[] };
      const flat = (v: unknown) => (Array.isArray(v) ? v.join('') : v); // .ipynb stores multi-line strings as line arrays
      const figOut = out.cells[0].outputs.find((o) => o.output_type === 'execute_result')!;
      expect(Object.keys(figOut.data).sort()).toEqual(['application/vnd.plotly.v1+json', 'image/png', 'text/plain']);
      expect(flat(figOut.data['text/plain'])).toBe('<Figure: Notebook figure, 1 trace>');
      const tensorOut = out.cells[1].outputs[0];
      expect(flat(tensorOut.data['text/html'])).toContain('flashlm-tensor');
      // Progress reached the kernel's display: one output, updated in place to the final state
      const prog = out.cells[2].outputs;
      expect(prog.length).toBe(1);
      expect(flat(prog[0].data['text/plain'])).toMatch(/^train 100%\|█{20}\| 3\/3 \[00:00<00:00\] loss 1\.250 · 5\.0k tok\/s$/);
      expect(flat(prog[0].data['text/html'])).toContain('<progress value="3" max="3"');
      // LiveFigure: one display, replaced in place by the last redraw (with its PNG)
      const live = out.cells[3].outputs;
      expect(live.length).toBe(1);
      expect(Object.keys(live[0].data).sort()).toEqual(['application/vnd.plotly.v1+json', 'image/png', 'text/plain']);
      expect(flat(live[0].data['text/plain'])).toBe('<Figure: live 3, 1 trace>');

      const html = spawnSync(PYTHON, ['-m', 'nbconvert', '--to', 'html', 'fig.out.ipynb', '--output', 'fig.html'], { encoding: 'utf8', env, cwd: notebookDir });
      expect(html.status).toBe(0);
      const page = fs.readFileSync(path.join(notebookDir, 'fig.html'), 'utf8');
      const png = String(flat(figOut.data['image/png'])).replace(/\s/g, '');
      expect(page).toContain(`data:image/png;base64,${png.slice(0, 200)}`);

      // the exported page in a real browser: the figure's <img> is visible and not blank
      const browser = await pw.launch({ executablePath: exe, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
      try {
        const p = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
        await p.goto('file://' + path.join(notebookDir, 'fig.html'));
        const img = p.locator('img[src^="data:image/png"]').first();
        await img.scrollIntoViewIfNeeded();
        const box = (await img.boundingBox())!;
        expect(box.width).toBeGreaterThan(300);
        expect(box.height).toBeGreaterThan(200);
        const shot = await p.screenshot({ clip: box });
        const artifacts = path.join(ROOT, 'test', 'artifacts', 'viz');
        fs.mkdirSync(artifacts, { recursive: true });
        fs.writeFileSync(path.join(artifacts, 'nbconvert-figure.png'), shot);
        const counts = await pixelCounts(p, shot); // the screenshot's red (trace) and non-white pixels
        expect(counts.red).toBeGreaterThan(500); // the thick red loss line
        expect(counts.ink / counts.total).toBeGreaterThan(0.02);
      } finally {
        await browser.close();
      }
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
      fs.rmSync(notebookDir, { recursive: true, force: true });
    }
  });

  test("viz.mode('html'): plotly.js inlined once; the exported HTML page draws interactive plots", async () => {
    const exe = requireChromium();
    const { prefix, jupyterPath, notebookDir } = installTempKernel();
    try {
      const nb = { ...notebook, cells: [
        "flashlm.viz.mode('html');\nnew flashlm.Figure([{ type: 'scatter', y: [1, 3, 2] }], { title: { text: 'first' } })",
        "new flashlm.Figure([{ type: 'bar', y: [2, 1] }], { title: { text: 'second' } })",
      ].map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })) };
      fs.writeFileSync(path.join(notebookDir, 'html.ipynb'), JSON.stringify(nb));
      const env = { ...process.env, JUPYTER_PATH: jupyterPath };
      const run = spawnSync(PYTHON, ['-m', 'nbconvert', '--to', 'html', '--execute', 'html.ipynb', `--ExecutePreprocessor.kernel_name=${KERNEL_NAME}`,
        '--ExecutePreprocessor.timeout=120', '--output', 'html.html'], { encoding: 'utf8', env, cwd: notebookDir });
      expect(run.stderr).not.toMatch(/Traceback|CellExecutionError/);
      expect(run.status).toBe(0);
      const page = fs.readFileSync(path.join(notebookDir, 'html.html'), 'utf8');
      const marker = fs.readFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'), 'utf8').slice(0, 120);
      expect(page.split(marker).length - 1).toBe(1);
      expect(page.match(/class="flashlm-figure"/g)!.length).toBe(2);
      const browser = await pw.launch({ executablePath: exe, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
      try {
        const p = await browser.newPage();
        await p.goto('file://' + path.join(notebookDir, 'html.html'));
        await p.waitForFunction(() => (globalThis as unknown as { document: { querySelectorAll(s: string): { length: number } } }).document.querySelectorAll('.flashlm-figure .main-svg').length >= 2, undefined, { timeout: 30000 });
        const titles = await p.locator('.flashlm-figure .gtitle').allTextContents();
        expect(titles).toEqual(['first', 'second']);
      } finally {
        await browser.close();
      }
    } finally {
      fs.rmSync(prefix, { recursive: true, force: true });
      fs.rmSync(notebookDir, { recursive: true, force: true });
    }
  });
});
