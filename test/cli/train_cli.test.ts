// `flashlm train` as a user runs it (the compiled CLI in a child process): a run, --stop-at then --resume
// giving the same losses as one uninterrupted run, SIGINT stopping at a step boundary, usage errors.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { readMetrics } from '../../lib/io/arrow-metrics';

const root = path.join(__dirname, '../..');
const bin = path.join(root, 'bin/flashlm.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-train-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, FLASHLM_THREADS: '1', FLASHLM_CACHE: path.join(dir, 'cache') };

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'train', ...args], { encoding: 'utf8', cwd: dir, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function losses(run: string): number[] {
  const { table } = readMetrics(path.join(run, 'metrics.arrow'));
  const out: number[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const r = table.get(i)!.toJSON() as { kind: string; loss: number };
    if (r.kind === 'train') out.push(r.loss);
  }
  return out;
}

// A small token directory (train.tok / validation.tok) so the test needs no tokenizer training.
const shards = path.join(dir, 'shards');
beforeAll(() => {
  expect(fs.existsSync(path.join(root, 'dist/lib/cli/train.js'))).toBe(true);
  const { writeShard } = require('../../lib/data/shards/format') as typeof import('../../lib/data/shards/format');
  fs.mkdirSync(shards);
  const toks = (n: number, seed: number) => Array.from({ length: n }, (_, i) => (i * 7 + seed * (i % 3)) % 64);
  writeShard(path.join(shards, 'train.tok'), toks(3000, 1), { vocabSize: 64, fingerprint: 'test', source: 'test' });
  writeShard(path.join(shards, 'validation.tok'), toks(500, 2), { vocabSize: 64, fingerprint: 'test', source: 'test' });
});

const common = ['--model', 'bitnet-bench', '--config', '{"vocabSize":64,"contextLength":16,"dim":16,"layers":2,"heads":2,"hidden":32}', '--data', shards, '--batch-size', '4', '--eval-tokens', '128'];

test('train --json, then --stop-at + --resume reproduce the uninterrupted losses exactly', () => {
  const full = cli([...common, '--steps', '12', '--out', 'full', '--json']);
  expect(full.stderr).toContain('run ended (completed) at step 12');
  expect(full.code).toBe(0);
  const summary = JSON.parse(full.stdout);
  expect(summary).toMatchObject({ out_dir: path.join(dir, 'full'), steps: 12, reason: 'completed' });
  expect(summary.final_loss).toBeGreaterThan(0);
  expect(summary.eval.bitsPerToken).toBeGreaterThan(0);
  expect(cli([...common, '--steps', '12', '--stop-at', '5', '--out', 'split']).code).toBe(0);
  const resumed = cli(['--resume', 'split', '--json']);
  expect(resumed.code).toBe(0);
  expect(JSON.parse(resumed.stdout).steps).toBe(12);
  expect(losses(path.join(dir, 'split'))).toEqual(losses(path.join(dir, 'full')));
});

test('SIGINT stops at a step boundary with a checkpoint and says how to resume', async () => {
  const child = spawn(process.execPath, [bin, 'train', ...common, '--steps', '100000', '--out', 'sig'], { cwd: dir, env });
  let stderr = '';
  let sent = false;
  child.stderr.on('data', (d) => {
    stderr += d;
    if (!sent && stderr.includes('step 1/')) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((r) => child.on('close', r));
  expect(code).toBe(130);
  expect(stderr).toMatch(/interrupted at step \d+ .*continue with: flashlm train --resume/);
  expect(fs.existsSync(path.join(dir, 'sig', 'model.safetensors'))).toBe(true);
}, 30_000);

test('usage errors name the option', () => {
  expect(cli(['--model', 'bitnet-bench']).stderr).toMatch(/--data CORPUS\|SHARDS is required/);
  expect(cli([...common, '--out', 'x', '--time', '10 minutes']).stderr).toMatch(/--time must be seconds or like 90s/);
  expect(cli(['--model', 'nope', '--data', 'sotu', '--out', 'y', '--steps', '1']).stderr).toMatch(/unknown model 'nope'/);
  expect(cli(['--resume', 'full', '--steps', '3']).stderr).toMatch(/--steps cannot be combined with --resume/);
  expect(cli([...common, '--steps', '1', '--out', 'full']).stderr).toMatch(/already holds a run/);
});
