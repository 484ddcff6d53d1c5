// `flashlm tokenizer train|encode|decode`, run as a user runs it: the compiled CLI in a child process.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { BpeTokenizer, LlamaTokenizer, V4Tokenizer, corpus, trainBpeAsync } from '../../lib/data';
import { hf, mobyDocs, refEncode, tmpDir } from './tokenizer_util';

const root = path.join(__dirname, '../..');
const bin = path.join(root, 'bin/flashlm.js');
const dir = tmpDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function flashlm(args: string[], input = ''): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // The CLI runs the compiled dist/ (npm install builds it); it must be there, not skipped.
  expect(fs.existsSync(path.join(root, 'dist/lib/cli/tokenizer.js'))).toBe(true);
});

test('train --text FILE... with specials and min frequency writes a tokenizer.json the reference loads', async () => {
  const a = path.join(dir, 'a.txt');
  const b = path.join(dir, 'b.txt');
  const docs = mobyDocs();
  fs.writeFileSync(a, docs.slice(0, 40).join('\n'));
  fs.writeFileSync(b, docs.slice(40, 80).join('\n'));
  const out = path.join(dir, 'tok.json');
  const r = flashlm(['tokenizer', 'train', '--text', a, b, '--vocab', '2000', '--min-frequency', '2', '--special', '<|endoftext|>', '<pad>', '--out', out]);
  expect(r.stderr).toMatch(/vocab 2000/);
  expect(r.code).toBe(0);
  const ref = hf.Tokenizer.fromFile(out);
  expect(ref.getVocabSize(true)).toBe(2000);
  expect(ref.tokenToId('<pad>')).toBe(1);
  expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

  const text = 'Call me Ishmael.<|endoftext|>\n\nSome years ago — never mind how long 🐋\n';
  const enc = flashlm(['tokenizer', 'encode', '--tokenizer', out], text);
  expect(enc.code).toBe(0);
  const lines = text.split('\n').slice(0, -1);
  const want = await refEncode(ref, lines);
  expect(enc.stdout.trimEnd().split('\n').map((l) => JSON.parse(l))).toEqual(want);
  const dec = flashlm(['tokenizer', 'decode', '--tokenizer', out], enc.stdout);
  expect(dec.code).toBe(0);
  expect(dec.stdout).toBe(text);
});

test('train --corpus moby-dick trains on its train split, as the library does; unknown corpus is a usage error', async () => {
  const out = path.join(dir, 'moby.json');
  const r = flashlm(['tokenizer', 'train', '--corpus', 'moby-dick', '--vocab', '500', '--out', out]);
  expect(r.code).toBe(0);
  const cli = BpeTokenizer.load(out);
  expect(cli.vocabSize).toBe(500);
  const lib = await trainBpeAsync(corpus('moby-dick').train, { vocabSize: 500 });
  expect(cli.merges).toEqual(lib.merges);
  const bad = flashlm(['tokenizer', 'train', '--corpus', 'nope', '--vocab', '500', '--out', out]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/unknown corpus 'nope'; expected one of: sotu, moby-dick/);
});

test('encode/decode also take "llama32k" and a v4 tokenizer file', () => {
  const text = 'Once upon a time\nthere was a whale.\n';
  const enc = flashlm(['tokenizer', 'encode', '--tokenizer', 'llama32k'], text);
  expect(enc.code).toBe(0);
  expect(JSON.parse(enc.stdout.split('\n')[0])).toEqual(Array.from(new LlamaTokenizer().encode('Once upon a time')));
  expect(flashlm(['tokenizer', 'decode', '--tokenizer', 'llama32k'], enc.stdout).stdout).toBe(text);
  const v4 = V4Tokenizer.build(['Once upon a time there was a whale.', 'A whale was there.']);
  const f = path.join(dir, 'v4.json');
  v4.save(f);
  const e4 = flashlm(['tokenizer', 'encode', '--tokenizer', f], 'a whale\n');
  expect(JSON.parse(e4.stdout)).toEqual(Array.from(v4.encode('a whale')));
});

test('bad usage exits 2 with a clear message; bad files and ids exit 1 naming them', () => {
  const cases: Array<[string[], RegExp]> = [
    [['tokenizer', 'train', '--vocab', '100', '--out', 'x.json'], /give exactly one of --corpus NAME or --text FILE/],
    [['tokenizer', 'train', '--corpus', 'sotu', '--out', 'x.json'], /--vocab N is required/],
    [['tokenizer', 'train', '--corpus', 'sotu', '--vocab', 'ten', '--out', 'x.json'], /--vocab must be an integer ≥ 1, got 'ten'/],
    [['tokenizer', 'train', '--corpus', 'sotu', '--vocab', '100'], /--out tokenizer\.json is required/],
    [['tokenizer', 'train', '--corpus', 'moby-dick', '--vocab', '100', '--out', 'x.json'], /vocabSize 100 is below the 256 ids/],
    [['tokenizer', 'encode'], /--tokenizer FILE is required/],
    [['tokenizer', 'encode', '--bogus'], /unknown option '--bogus' for 'tokenizer encode'/],
    [['tokenizer', 'frobnicate'], /unknown subcommand 'frobnicate'/],
  ];
  for (const [args, msg] of cases) {
    const r = flashlm(args);
    expect([args.join(' '), r.code]).toEqual([args.join(' '), 2]);
    expect(r.stderr).toMatch(msg);
  }
  const out = path.join(dir, 'moby.json');
  const badId = flashlm(['tokenizer', 'decode', '--tokenizer', out], '[1, 2]\n[99999]\n');
  expect(badId.code).toBe(1);
  expect(badId.stderr).toMatch(/stdin line 2: decode: ids\[0\] is 99999; expected a token id in \[0, 500\)/);
  const notJson = flashlm(['tokenizer', 'decode', '--tokenizer', out], 'hello\n');
  expect(notJson.stderr).toMatch(/stdin line 1: expected a JSON array of integer token ids/);
  const missing = flashlm(['tokenizer', 'encode', '--tokenizer', path.join(dir, 'none.json')], 'x\n');
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/none\.json: cannot read the tokenizer \(ENOENT\)/);
  expect(missing.stderr).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
  const missingText = flashlm(['tokenizer', 'train', '--text', path.join(dir, 'none.txt'), '--vocab', '300', '--out', 'y.json']);
  expect(missingText.code).toBe(1);
  expect(missingText.stderr).toMatch(/none\.txt: cannot read \(ENOENT\); expected a text file/);
});
