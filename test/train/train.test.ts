// flashlm.train: budgets, bit-identical resume, the NaN guard, interrupts, metrics and checkpoints.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as flashlm from '../../lib';
import { readMetrics } from '../../lib/io/arrow-metrics';
import { setInterruptFlag } from '../../lib/interrupt';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-train-test-'));

/** A deterministic token stream with structure a small model can learn. */
function stream(n: number, V: number): Int32Array {
  const out = new Int32Array(n);
  let s = 7;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out[i] = i % 5 === 0 ? s % V : (out[i - 1] * 3 + 1) % V;
  }
  return out;
}

const tiny = (name = 'bitnet-bench', seed = 1) => flashlm.models.create(name, flashlm.models.entry(name).testOverrides, { seed });
const data = () => ({ train: stream(4000, 64), validation: stream(600, 64) });
const base = { batchSize: 4, blockSize: 16, evalTokens: 256, progress: 'none' as const, seed: 3 };

function weights(m: flashlm.LanguageModel): Map<string, Float32Array> {
  return new Map([...m.stateDict()].map(([k, t]) => [k, Float32Array.from(t.f32())]));
}

function trainLosses(dir: string): number[] {
  const { table } = readMetrics(path.join(dir, 'metrics.arrow'));
  const out: number[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const r = table.get(i)!.toJSON() as { kind: string; loss: number };
    if (r.kind === 'train') out.push(r.loss);
  }
  return out;
}

describe('train', () => {
  test('a step budget trains, evaluates at the end and writes the run directory', async () => {
    const dir = path.join(tmp(), 'run');
    const model = tiny();
    const run = flashlm.train(model, data(), { ...base, steps: 30, out: dir, evalEvery: 10 });
    const steps: number[] = [];
    run.observe({ onStep: (e) => steps.push(e.step) });
    const s = await run;
    expect(s.reason).toBe('completed');
    expect(s.step).toBe(30);
    expect(s.tokens).toBe(30 * 4 * 16);
    expect(steps).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    const losses = trainLosses(dir);
    expect(losses).toHaveLength(30);
    expect(losses.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(losses.slice(0, 5).reduce((a, b) => a + b) / 5);
    expect(s.eval?.tokens).toBeGreaterThan(0);
    for (const f of ['config.json', 'model.safetensors', 'optimizer.safetensors', 'metrics.arrow']) expect(fs.existsSync(path.join(dir, f))).toBe(true);
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(cfg.model).toBe('bitnet-bench');
    expect(cfg.training.horizon).toBe(30);
    // evaluations at 10, 20, 30
    const { table } = readMetrics(path.join(dir, 'metrics.arrow'));
    const evalSteps = [];
    for (let i = 0; i < table.numRows; i++) { const r = table.get(i)!.toJSON() as { kind: string; step: number }; if (r.kind === 'eval') evalSteps.push(r.step); }
    expect(evalSteps).toEqual([10, 20, 30]);
    // flashlm.load rebuilds the same weights; runs.load reads the run back
    const back = flashlm.load(dir);
    expect(weights(back)).toEqual(weights(model));
    const info = flashlm.runs.load(dir);
    expect(info.checkpointStep).toBe(30);
    expect(info.metrics().table.numRows).toBe(33);
  });

  test('stopAt N then resume gives bit-identical weights and losses to an uninterrupted 2N-step run', async () => {
    const full = path.join(tmp(), 'full'), split = path.join(tmp(), 'split');
    const a = tiny('bitnet-bench', 5);
    await flashlm.train(a, data(), { ...base, steps: 24, out: full, accumulation: 2, evalEvery: 0 });
    const b = tiny('bitnet-bench', 5);
    const first = await flashlm.train(b, data(), { ...base, steps: 24, out: split, accumulation: 2, evalEvery: 0, stopAt: 12 });
    expect(first.reason).toBe('stopped-at');
    expect(first.step).toBe(12);
    // a fresh process would rebuild everything from the directory: do exactly that
    const resumed = await flashlm.train(null, null, { resume: split, progress: 'none' });
    expect(resumed.step).toBe(24);
    expect(trainLosses(split)).toEqual(trainLosses(full));
    expect(weights(flashlm.load(split))).toEqual(weights(a));
  });

  test('run.resume() continues in the same process after stopAt', async () => {
    const m1 = tiny('bigram', 2), m2 = tiny('bigram', 2);
    const r1 = flashlm.train(m1, data(), { ...base, steps: 20 });
    await r1;
    const r2 = flashlm.train(m2, data(), { ...base, steps: 20, stopAt: 7 });
    expect((await r2).step).toBe(7);
    const s = await r2.resume();
    expect(s.step).toBe(20);
    expect(weights(m2)).toEqual(weights(m1));
  });

  test('a NaN loss stops the run, names the step and tensor, and leaves the last checkpoint intact', async () => {
    const dir = path.join(tmp(), 'nan');
    const model = tiny('bigram');
    await flashlm.train(model, data(), { ...base, steps: 5, out: dir });
    const before = fs.readFileSync(path.join(dir, 'model.safetensors'));
    model.stateDict().get('head.weight')!.f32()[3] = NaN;
    model.stateDict().get('head.weight')!.markModified();
    const run = flashlm.train(model, data(), { ...base, steps: 5, out: path.join(tmp(), 'nan2'), checkpointEvery: 1 });
    await expect(run).rejects.toThrow(/step 1: non-finite values \(NaN or Inf\) in the weight 'head.weight'/);
    expect(fs.readFileSync(path.join(dir, 'model.safetensors')).equals(before)).toBe(true);
    expect(fs.existsSync(path.join(tmp(), 'nan2', 'model.safetensors'))).toBe(false);
  });

  test('an interrupt stops at a step boundary with a checkpoint; resume continues', async () => {
    const dir = path.join(tmp(), 'int');
    const flag = new Int32Array(new SharedArrayBuffer(4));
    setInterruptFlag(flag);
    try {
      const model = tiny('bigram', 4);
      const run = flashlm.train(model, data(), { ...base, steps: 40, out: dir });
      run.observe({ onStep: (e) => { if (e.step === 9) Atomics.store(flag, 0, 1); } });
      await expect(run).rejects.toThrow(/interrupted at step 9.*run.resume\(\) continues/);
      expect(flashlm.runs.load(dir).checkpointStep).toBe(9);
      Atomics.store(flag, 0, 0);
      const s = await run.resume();
      expect(s.step).toBe(40);
      const ref = tiny('bigram', 4);
      await flashlm.train(ref, data(), { ...base, steps: 40 });
      expect(weights(model)).toEqual(weights(ref));
    } finally {
      setInterruptFlag(null);
    }
  });

  test('bad options and data are clear errors', () => {
    const m = tiny('bigram');
    expect(() => flashlm.train(m, data(), { ...base })).toThrow(/exactly one budget/);
    expect(() => flashlm.train(m, data(), { ...base, steps: 0 })).toThrow(/options.steps must be a positive integer/);
    expect(() => flashlm.train(m, data(), { ...base, steps: 2, blockSize: 99 })).toThrow(/blockSize \(99\) exceeds the model's contextLength \(16\)/);
    expect(() => flashlm.train(m, data(), { ...base, steps: 2, lr: 3 } as never)).toThrow(/unknown option 'lr'/);
    expect(() => flashlm.train({} as never, data(), { steps: 1 })).toThrow(/model must be a flashlm LanguageModel/);
  });

  test('bad data rejects the run with a clear error', async () => {
    await expect(flashlm.train(tiny('bigram'), 'no-such-corpus-or-file', { ...base, steps: 1 })).rejects.toThrow(/neither a corpus name/);
    await expect(flashlm.train(tiny('bigram'), stream(10, 64), { ...base, steps: 1 })).rejects.toThrow(/cannot fill one window/);
  });

  test('corrupt checkpoints are reported, never half-loaded', async () => {
    const dir = path.join(tmp(), 'corrupt');
    await flashlm.train(tiny('bigram'), data(), { ...base, steps: 3, out: dir });
    const opt = path.join(dir, 'optimizer.safetensors');
    const bytes = fs.readFileSync(opt);
    fs.writeFileSync(opt, bytes.subarray(0, bytes.length - 10));
    await expect(flashlm.train(null, null, { resume: dir, progress: 'none' })).rejects.toThrow(/optimizer.safetensors/);
    fs.writeFileSync(path.join(dir, 'config.json'), '{"model": "bigram", ');
    expect(() => flashlm.train(null, null, { resume: dir })).toThrow(/config.json/);
    expect(() => flashlm.load(path.join(dir, 'nope'))).toThrow(/not a run directory/);
  });
});

describe('train budgets', () => {
  test('a token budget rounds up to whole steps', async () => {
    const s = await flashlm.train(tiny('bigram'), data(), { ...base, tokens: 1000 });
    expect(s.step).toBe(Math.ceil(1000 / 64));
    expect(s.tokens).toBe(16 * 64);
  });

  test('a time budget counts training time only and ends the run near it', async () => {
    const run = flashlm.train(tiny('bitnet-bench'), data(), { ...base, seconds: 0.5, evalEvery: 2 });
    const s = await run;
    expect(s.reason).toBe('completed');
    expect(s.elapsedS).toBeGreaterThanOrEqual(0);
    expect(s.elapsedS).toBeLessThan(1.5);
    expect(s.step).toBeGreaterThan(0);
    expect(run.options.horizon).toBeGreaterThan(0);
  });

  test('a raw corpus trains a cached BPE of the model vocabulary and scores bits per character', async () => {
    const dir = path.join(tmp(), 'corpus');
    const text = path.join(tmp(), 'docs.txt');
    const docs = Array.from({ length: 60 }, (_, i) => `Document ${i}: the quick brown fox jumps over the lazy dog ${i % 7} times.`);
    fs.writeFileSync(text, docs.join('<|endoftext|>'));
    const corpus = flashlm.data.text(text, { validationFraction: 0.2 });
    const m = flashlm.models.create('bigram', { vocabSize: 300, contextLength: 32, dim: 8 });
    const s = await flashlm.train(m, corpus, { ...base, steps: 3, blockSize: 32, out: dir });
    expect(fs.existsSync(path.join(dir, 'tokenizer.json'))).toBe(true);
    const tok = flashlm.runs.load(dir).tokenizer!;
    expect(tok.vocabSize).toBeLessThanOrEqual(300);
    expect(s.eval?.bitsPerChar).toBeGreaterThan(0);
    expect(s.eval?.bitsPerToken).toBeGreaterThan(s.eval!.bitsPerChar!);
  });
});
