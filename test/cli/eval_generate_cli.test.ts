// `flashlm eval` and `flashlm generate` as a user runs them (the compiled CLI in a child process) on a run
// directory written here: config.json, model.safetensors and tokenizer.json of a small bigram model.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import * as flashlm from '../../lib';
import { trainBpe } from '../../lib/data/tokenizer/train';

const root = path.join(__dirname, '../..');
const bin = path.join(root, 'bin/flashlm.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-evalgen-'));
const run = path.join(dir, 'run');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, FLASHLM_THREADS: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const config = { vocabSize: 300, contextLength: 32, dim: 16 };
let model: flashlm.LanguageModel;
let tok: ReturnType<typeof trainBpe>;

beforeAll(async () => {
  expect(fs.existsSync(path.join(root, 'dist/lib/cli/eval.js'))).toBe(true); // the CLI runs the compiled dist/
  const docs = await flashlm.data.corpus('sotu').train.toArray();
  tok = trainBpe(docs.slice(0, 5), { vocabSize: 300, specialTokens: ['<|endoftext|>'] });
  model = flashlm.models.create('bigram', config, { seed: 9 });
  fs.mkdirSync(run);
  fs.writeFileSync(path.join(run, 'config.json'), JSON.stringify({ model: 'bigram', config, data: 'sotu' }));
  flashlm.writeSafetensors(path.join(run, 'model.safetensors'), model.stateDict());
  tok.save(path.join(run, 'tokenizer.json'));
});

test('eval --json equals evaluate() in process, on the validation split of the run\'s corpus', async () => {
  const r = cli(['eval', run, '--max-documents', '2', '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const got = JSON.parse(r.stdout);
  const want = await flashlm.evaluate(model, flashlm.data.corpus('sotu'), { tokenizer: tok, maxDocuments: 2 });
  expect(got.split).toBe('validation');
  expect(got.data).toBe('sotu');
  expect(got.tokens).toBe(want.tokens);
  expect(got.meanLoss).toBeCloseTo(want.meanLoss, 6);
  expect(got.bitsPerChar).toBeCloseTo(want.bitsPerChar!, 6);
  expect(got.bitsPerByte).toBeCloseTo(want.bitsPerByte!, 6);
});

test('eval prints each metric labelled; bits/token is named as the originals\' "BPC"', () => {
  const r = cli(['eval', run, '--data', 'sotu', '--max-documents', '1']);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/bits\/token +\d+\.\d+ +\(what the original scripts logged as "BPC"\)/);
  expect(r.stdout).toMatch(/bits\/char +\d+\.\d+ +\(true BPC: per Unicode code point/);
  expect(r.stdout).toMatch(/bits\/byte +\d+\.\d+ +\(per UTF-8 byte/);
  expect(r.stdout).toMatch(/perplexity +\d/);
});

test('eval --data SHARD scores a validation token shard: bits per token, no bits per char (no text)', async () => {
  const validation = flashlm.data.corpus('sotu').validation.take(2);
  const shard = await flashlm.data.prepareShards(validation, tok, dir);
  const r = cli(['eval', run, '--data', shard.file, '--json']);
  expect(r.stderr).toBe('');
  const got = JSON.parse(r.stdout);
  const want = await flashlm.evaluate(model, validation, { tokenizer: tok });
  expect(got.tokens).toBe(want.tokens);
  expect(got.documents).toBe(2);
  expect(got.meanLoss).toBeCloseTo(want.meanLoss, 6);
  expect(got.bitsPerChar).toBeNull();
  expect(cli(['eval', run, '--data', shard.file]).stdout).toMatch(/bits\/char +n\/a +\(true BPC: per Unicode code point; needs the documents' text\)/);
});

test('generate streams the prompt and the sampled text; same seed, same output; --json matches generate()', async () => {
  const args = ['generate', run, '--prompt', 'The Congress', '--max-tokens', '12', '--temperature', '0.8', '--top-k', '20', '--seed', '4'];
  const a = cli(args);
  expect(a.stderr).toBe('');
  expect(a.code).toBe(0);
  expect(a.stdout.startsWith('The Congress')).toBe(true);
  expect(cli(args).stdout).toBe(a.stdout);
  const j = cli([...args, '--json']);
  const want = await flashlm.generate(model, tok, 'The Congress', { maxTokens: 12, temperature: 0.8, topK: 20, seed: 4 });
  expect(JSON.parse(j.stdout).texts).toEqual(want.texts);
  expect(a.stdout).toBe(`The Congress${want.text}\n`);
});

test('generate --decode-head: the v7 family\'s head precision, as setDecodeHead gives it in process', async () => {
  const v7run = path.join(dir, 'v7run');
  const cfg = { vocabSize: 300, contextLength: 32, dim: 32, layers: 2, heads: 2, hidden: 48 };
  const v7 = flashlm.models.create('bitnet-bench', cfg, { seed: 5 }) as flashlm.models.EclipseModel;
  fs.mkdirSync(v7run);
  fs.writeFileSync(path.join(v7run, 'config.json'), JSON.stringify({ model: 'bitnet-bench', config: cfg, data: 'sotu' }));
  flashlm.writeSafetensors(path.join(v7run, 'model.safetensors'), v7.stateDict());
  tok.save(path.join(v7run, 'tokenizer.json'));
  const opts = { maxTokens: 10, temperature: 0.9, seed: 2 };
  const args = ['generate', v7run, '--prompt', 'The Union', '--max-tokens', '10', '--temperature', '0.9', '--seed', '2', '--json'];
  for (const head of ['f32', 'bf16', undefined] as const) {
    const r = cli(head === undefined ? args : [...args, '--decode-head', head]);
    expect(r.stderr).toBe('');
    v7.setDecodeHead(head ?? 'f16');
    expect(JSON.parse(r.stdout).texts).toEqual((await flashlm.generate(v7, tok, 'The Union', opts)).texts);
  }
  const bigram = cli(['generate', run, '--prompt', 'x', '--decode-head', 'f16']);
  expect(bigram.code).toBe(2);
  expect(bigram.stderr).toMatch(/--decode-head f16 needs a model of the v7 family; bigram decodes with its f32 weights/);
  expect(cli(['generate', run, '--prompt', 'x', '--decode-head', 'f32']).code).toBe(0); // exact is every model's head
  expect(cli(['generate', v7run, '--prompt', 'x', '--decode-head', 'fp8']).stderr).toMatch(/--decode-head must be f16, bf16 or f32, got 'fp8'/);
});

test('usage errors exit 2 naming the option; a bad run directory exits 1 with a hint', () => {
  const bad = cli(['generate', run, '--prompt', 'x', '--top-p', '1.5']);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/--top-p must be a number .*≤ 1, got '1.5'/);
  expect(cli(['generate', run]).stderr).toMatch(/--prompt TEXT is required/);
  expect(cli(['eval', run, '--nope', '1']).stderr).toMatch(/unknown option '--nope'/);
  const missing = cli(['eval', path.join(dir, 'none'), '--data', 'sotu']);
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/not a run directory \(no config.json\)\. HINT: train one/);
  fs.mkdirSync(path.join(dir, 'broken'));
  fs.writeFileSync(path.join(dir, 'broken', 'config.json'), '{"model": "bigram", "config": {"vocabSize": 300, "contextLength": 32, "dim": 16}}');
  fs.writeFileSync(path.join(dir, 'broken', 'model.safetensors'), 'garbage');
  const broken = cli(['generate', path.join(dir, 'broken'), '--prompt', 'x']);
  expect(broken.code).toBe(1);
  expect(broken.stderr).toMatch(/model.safetensors/);
});
