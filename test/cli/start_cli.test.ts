// `npm start` (flashlm start), the README's first command, as a user runs it (the compiled CLI in a child
// process) with a short training budget: it trains, evaluates, prints a sample and writes a run directory
// whose checkpoint is the model that produced that sample.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { generate } from '../../lib/generate/generate';
import { loadRunDir } from '../../lib/cli/run_dir';
import { browserAvailable } from '../../lib/viz/browser';

const root = path.join(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-start-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('flashlm start trains, evaluates, samples and writes a run directory that reproduces its sample', async () => {
  const out = path.join(dir, 'run');
  const r = spawnSync(process.execPath, [path.join(root, 'bin/flashlm.js'), 'start', '--seconds', '3', '--out', out], {
    encoding: 'utf8',
    cwd: dir,
    env: { ...process.env, FLASHLM_THREADS: '2' },
  });
  expect(r.stderr).not.toMatch(/Error|error:/);
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(/^\d+ steps, [\d,]+ tokens, \d+ tokens\/s; final training loss \d+\.\d{3}$/m);
  expect(r.stdout).toMatch(/^bits\/char +\d+\.\d+ +\(true BPC/m);
  expect(r.stdout).toContain(`run directory: ${out}`);
  for (const f of ['config.json', 'model.safetensors', 'optimizer.safetensors', 'metrics.arrow', 'tokenizer.json']) expect([f, fs.existsSync(path.join(out, f))]).toEqual([f, true]);
  // CI installs Chromium, so there the figure is required; elsewhere the command says it skipped it.
  if (process.env.CI === 'true') expect(browserAvailable()).toBe(true);
  if (browserAvailable()) {
    for (const f of ['loss.png', 'loss.svg']) expect(fs.statSync(path.join(out, f)).size).toBeGreaterThan(1000);
  } else {
    expect(r.stdout).toContain('loss figure: skipped (no Chromium found');
  }
  // The checkpoint is the trained model: the same prompt and seed give the printed sample.
  const printed = /\nsample: ([\s\S]*?)\n\nloss figure/.exec(r.stdout)?.[1]; // the sample may span lines
  expect(printed).toBeDefined();
  const run = loadRunDir(out);
  const again = await generate(run.model, run.tokenizer, 'The state of the Union is', { maxTokens: 60, temperature: 0.8, topK: 50, seed: 1 });
  expect(`The state of the Union is${again.text}`).toBe(printed);
}, 180_000);
