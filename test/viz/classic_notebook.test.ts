// The classic notebook server (Debian's jupyter-notebook 6) with our kernel, driven from headless Chromium:
// a notebook whose cells display flashlm figures is opened in the UI and run there; the classic frontend has
// no plotly renderer, so what must show is the bundle's PNG (research/ecosystem.md §1). The test waits for
// the <img> outputs, checks their pixels are not blank, and keeps a screenshot in test/artifacts/viz/.
// The server gets a free port, its own config/runtime folders and a token, and is shut down through
// /api/shutdown (kernels too), then killed if it lingers.
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

import { chromium as pw, Page } from 'playwright-core';

import { describeJupyter, installTempKernel, KERNEL_NAME, PYTHON, ROOT } from '../kernel/jupyter';
import { pixelCounts, requireChromium } from './browser';

const notebookServer = spawnSync(PYTHON, ['-c', 'import notebook.notebookapp'], { stdio: 'ignore' }).status === 0;

const cells = [
  "flashlm.viz.options({ png: true });\nnew flashlm.Figure([{ type: 'scatter', mode: 'lines', y: [4, 3, 2.5, 2.2], line: { color: '#d62728', width: 6 } }], { title: { text: 'Classic notebook figure' } })",
  "const m = flashlm.models.create('bitnet-bench', flashlm.models.entry('bitnet-bench').testOverrides);\nflashlm.plot.attention(m, [1, 2, 3, 4, 5, 6, 7, 8], { layer: 1 })",
];
const notebook = {
  cells: cells.map((source) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source })),
  metadata: { kernelspec: { name: KERNEL_NAME, display_name: 'TypeScript (flashlm)', language: 'typescript' } },
  nbformat: 4, nbformat_minor: 5,
};

/** A port nothing listens on right now (the server is started with --port-retries=0, so a race fails loudly). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once the server logs its URL; rejects if it exits first or `ms` pass. */
function waitForServer(proc: ChildProcess, port: number, log: string[], ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`notebook server did not start in ${ms} ms:\n${log.join('')}`)), ms);
    const onData = (b: Buffer) => {
      log.push(b.toString());
      if (log.join('').includes(`127.0.0.1:${port}/`)) { clearTimeout(timer); resolve(); }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => { clearTimeout(timer); reject(new Error(`notebook server exited (${code}) before starting:\n${log.join('')}`)); });
  });
}

/** `p`, or 'timeout' after `ms` (the timer does not keep the process alive). */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())]);
}

const describeClassic: jest.Describe = notebookServer || process.env.CI ? describeJupyter : (() => {
  console.warn('classic notebook test skipped: /usr/bin/python3 lacks the notebook package (apt-get install jupyter-notebook)');
  return describe.skip;
})();

describeClassic('a flashlm figure in the classic notebook (jupyter-notebook 6, headless Chromium)', () => {
  test('cells run in the UI; the PNG outputs show, with non-blank pixels; the server shuts down cleanly', async () => {
    if (!notebookServer) throw new Error('the classic notebook server is missing: apt-get install jupyter-notebook');
    const exe = requireChromium();
    const { prefix, jupyterPath, notebookDir } = installTempKernel();
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-nbhome-'));
    fs.writeFileSync(path.join(notebookDir, 'classic.ipynb'), JSON.stringify(notebook));
    const port = await freePort();
    const token = `t${process.pid}${Date.now()}`;
    const env = {
      ...process.env, JUPYTER_PATH: jupyterPath, JUPYTER_CONFIG_DIR: path.join(home, 'config'),
      JUPYTER_RUNTIME_DIR: path.join(home, 'runtime'), JUPYTER_DATA_DIR: path.join(home, 'data'), IPYTHONDIR: path.join(home, 'ipython'),
    };
    const log: string[] = [];
    const server = spawn(PYTHON, ['-m', 'notebook', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0',
      `--NotebookApp.token=${token}`, `--notebook-dir=${notebookDir}`,
      ...(process.getuid?.() === 0 ? ['--allow-root'] : [])], // CI containers run as root
    { cwd: notebookDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForServer(server, port, log, 60000);
      const browser = await pw.launch({ executablePath: exe, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
        await page.goto(`${base}/notebooks/classic.ipynb?token=${token}`);
        // the frontend is up and its kernel (ours, by the notebook's kernelspec) is idle
        await page.waitForFunction(() => {
          const J = (globalThis as any).Jupyter;
          return J?.notebook?.kernel?.is_connected?.() && J.notebook.kernel.name === 'flashlm-test' && (globalThis as any).document.querySelector('#kernel_indicator_icon.kernel_idle_icon');
        }, undefined, { timeout: 90000 });
        await page.evaluate(() => (globalThis as any).Jupyter.notebook.execute_all_cells());
        const imgs = page.locator('.output_png img');
        await page.waitForFunction(() => (globalThis as any).document.querySelectorAll('.output_png img').length >= 2, undefined, { timeout: 120000 });
        await page.waitForFunction(() => (globalThis as any).document.querySelector('#kernel_indicator_icon.kernel_idle_icon'), undefined, { timeout: 60000 });
        // no error outputs, and the plotly JSON (no classic renderer) did not replace the PNG
        expect(await page.locator('.output_error').count()).toBe(0);

        const artifacts = path.join(ROOT, 'test', 'artifacts', 'viz');
        fs.mkdirSync(artifacts, { recursive: true });
        const first = imgs.nth(0);
        await first.scrollIntoViewIfNeeded();
        const box = (await first.boundingBox())!;
        expect(box.width).toBeGreaterThan(300);
        expect(box.height).toBeGreaterThan(200);
        const shot = await page.screenshot({ clip: box });
        fs.writeFileSync(path.join(artifacts, 'classic-notebook-figure.png'), shot);
        const c1 = await pixelCounts(page, shot);
        expect(c1.red).toBeGreaterThan(500); // the thick red line
        expect(c1.ink / c1.total).toBeGreaterThan(0.02);

        const second = imgs.nth(1);
        await second.scrollIntoViewIfNeeded();
        const shot2 = await page.screenshot({ clip: (await second.boundingBox())! });
        fs.writeFileSync(path.join(artifacts, 'classic-notebook-attention.png'), shot2);
        const c2 = await pixelCounts(page, shot2);
        expect(c2.ink / c2.total).toBeGreaterThan(0.2); // the heatmap fills much of the figure
        await page.screenshot({ path: path.join(artifacts, 'classic-notebook-page.png'), fullPage: true });
      } finally {
        await browser.close();
      }
      // clean shutdown: the server stops its kernels and exits 0
      const res = await fetch(`${base}/api/shutdown`, { method: 'POST', headers: { Authorization: `token ${token}` } });
      expect(res.status).toBeLessThan(300);
      await res.text();
      const code = await within(exited, 30000);
      expect(code).toBe(0);
    } finally {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGTERM');
        await within(exited, 5000);
        if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
      }
      for (const d of [prefix, notebookDir, home]) fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
