// `flashlm repl` driven through a pseudo-terminal (test/kernel/pty_driver.py, Python's pty module): results,
// multi-line input, Tab completion, Ctrl-C on a running cell and on an idle line, input()/password(), mapped
// errors, the history file, Ctrl-D. Runs the built CLI (bin/flashlm.js -> dist/): `npm run build:ts` first.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const DRIVER = path.join(__dirname, 'pty_driver.py');
const BUILT = path.join(ROOT, 'dist', 'kernel', 'repl', 'repl.js');

type Step = { send: string; delay?: number } | { expect: string; timeout?: number };
interface Transcript { ok: boolean; failed_step: number | null; exit: number | null; output: string }

/** Output with the terminal's cursor-movement escapes removed, so expectations read like the screen. */
function plain(s: string): string {
  return s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\r/g, '');
}

function drive(steps: Step[], env: Record<string, string>, cwd: string): Transcript {
  const r = spawnSync('python3', [DRIVER, JSON.stringify(steps), '--', process.execPath, path.join(ROOT, 'bin', 'flashlm.js'), 'repl'], {
    cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 110_000,
  });
  if (r.status !== 0) throw new Error(`pty driver failed: ${r.stderr}`);
  const t = JSON.parse(r.stdout) as Transcript;
  if (!t.ok) throw new Error(`step ${t.failed_step} (${JSON.stringify(steps[t.failed_step ?? 0])}) not met; screen:\n${plain(t.output)}`);
  return t;
}

const describeBuilt = fs.existsSync(BUILT) || process.env.CI ? describe : describe.skip;

describeBuilt('flashlm repl in a terminal', () => {
  let dir: string;
  let history: string;
  beforeAll(() => {
    if (!fs.existsSync(BUILT)) throw new Error(`${BUILT} is missing. HINT: run \`npm run build:ts\``);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-repl-'));
    history = path.join(dir, 'history');
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('results, multi-line cells, completion, interrupts, type and runtime errors, Ctrl-D', () => {
    const t = drive([
      { expect: 'ts> ' },
      { send: '1 + 1\r' }, { expect: '\\n2\\r?\\n' },
      { send: 'const x = 20;\r' }, { expect: 'ts> ' },
      { send: 'function f() {\r' }, { expect: '\\.\\.\\. ' }, // incomplete: a continuation prompt
      { send: 'return x * 2;\r' }, { expect: '\\.\\.\\. ' },
      { send: '}\r' }, { expect: 'ts> ' },
      { send: 'f()\r' }, { expect: '40' },
      { send: 'flashlm.Tens\t' }, { expect: 'flashlm\\.Tensor' }, // Tab completes the member
      { send: '\u0003' }, { expect: '\\^C' }, { expect: 'ts> ' }, // Ctrl-C on an idle line clears it
      { send: 'while (true) {}\r' },
      { send: '\u0003', delay: 1.5 }, { expect: 'KeyboardInterrupt', timeout: 10 },
      { send: 'for (;;) await new Promise((r) => setTimeout(r, 10));\r' },
      { send: '\u0003', delay: 1.5 }, { expect: 'KeyboardInterrupt', timeout: 10 },
      { send: 'x + 1\r' }, { expect: '21' }, // the session survived both interrupts
      { send: 'const bad: number = "s";\r' }, { expect: 'repl-\\d+\\.ts:1:7 - error TS2322' },
      { send: 'function boom() {\r' }, { send: 'throw new Error("boom");\r' }, { send: '}\r' }, { expect: 'ts> ' },
      { send: 'boom()\r' }, { expect: 'Error: boom' }, { expect: 'repl-\\d+\\.ts:2:' },
      { send: 'display({ shown: true })\r' }, { expect: 'shown: true' },
      { send: '\u0004' },
    ], { FLASHLM_REPL_HISTORY: history }, dir);
    expect(t.exit).toBe(0);
    const screen = plain(t.output);
    expect(screen).toContain('ts> 1 + 1\n2\n');
    expect(screen).not.toContain('bad'.repeat(2));
  }, 120_000);

  test('input() and password() read from the terminal; password is not echoed', () => {
    const t = drive([
      { expect: 'ts> ' },
      { send: 'const who = await input("name? ");\r' }, { expect: '\\[0Jname\\? ' }, // the prompt readline draws, not the echo of the typed cell
      { send: 'ada\r' }, { expect: 'ts> ' },
      { send: 'const pw = await password("pw? ");\r' }, { expect: '\\[0Jpw\\? ' },
      { send: 'sesame\r' }, { expect: 'ts> ' },
      { send: '`${who}:${pw.length}`\r' }, { expect: 'ada:6' },
      { send: 'await input("never? ")\r' }, { expect: '\\[0Jnever\\? ' },
      { send: '\u0003', delay: 0.3 }, { expect: 'KeyboardInterrupt|cancelled', timeout: 10 }, { expect: 'ts> ' },
      { send: '"after"\r' }, { expect: "'after'" }, // the next line is a cell again, not the lost answer
      { send: '\u0004' },
    ], { FLASHLM_REPL_HISTORY: history }, dir);
    expect(t.exit).toBe(0);
    const afterPrompt = plain(t.output).split('pw? ')[1] ?? '';
    expect(afterPrompt.split('ts> ')[0]).not.toContain('sesame');
    expect(fs.readFileSync(history, 'utf8')).not.toContain('sesame'); // nor in the history
    expect(fs.readFileSync(history, 'utf8')).toContain('ada'); // input() answers are, as in Python
  }, 120_000);

  test('the history file keeps entries across sessions; Up recalls them', () => {
    const lines = fs.readFileSync(history, 'utf8').trim().split('\n');
    expect(lines).toContain('f()');
    expect(lines[lines.length - 1]).toBe('"after"');
    const t = drive([
      { expect: 'ts> ' },
      { send: '\x1b[A' }, { expect: '"after"' }, // Up: the newest entry
      { send: '\x1b[A\x1b[A' }, { expect: 'await input' }, // and older ones
      { send: '\u0003' }, { expect: 'ts> ' },
      { send: '\u0004' },
    ], { FLASHLM_REPL_HISTORY: history }, dir);
    expect(t.exit).toBe(0);
  }, 120_000);

  test('piped input runs every cell, multi-line ones too, then exits', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'flashlm.js'), 'repl', '--no-history'], {
      cwd: dir, input: 'const a = 2;\nfunction g(n: number) {\n  return n * a;\n}\ng(21)\n', encoding: 'utf8', timeout: 60_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('42');
  }, 120_000);
});
