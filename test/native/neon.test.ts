// NEON kernels, which this x86 machine cannot load in Node: the standalone harness native/test/cross
// (every NEON kernel vs its scalar reference, jest tolerances) is cross-compiled for aarch64 with
// `make -C native/test/cross` (objects cached in native/build/cross/neon, rebuilt by mtime) and run
// under qemu-aarch64, one test per kernel family. Needs the Debian packages g++-aarch64-linux-gnu and
// qemu-user: under CI=true their absence fails, elsewhere the tests are skipped with that hint.
import { execFileSync, spawnSync } from 'child_process';
import * as path from 'path';

const CROSS_DIR = path.join(__dirname, '..', '..', 'native', 'test', 'cross');
const BINARY = path.join(__dirname, '..', '..', 'native', 'build', 'cross', 'neon', 'cross_neon');
const FAMILIES = ['elementwise', 'reduce', 'softmax', 'norm', 'gemm', 'attention', 'scan', 'optim', 'ternary'];
const TOOLS: Array<[string, string]> = [
  ['aarch64-linux-gnu-g++', 'g++-aarch64-linux-gnu'],
  ['qemu-aarch64', 'qemu-user'],
  ['make', 'make'],
];

function missingTools(): string[] {
  return TOOLS.filter(([tool]) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0).map(([, pkg]) => pkg);
}

const missing = missingTools();
const hint = `NEON cross tests need ${missing.join(', ')}: apt-get install ${missing.join(' ')}`;
const inCi = process.env.CI === 'true';
if (missing.length > 0 && !inCi) console.warn(`skipping: ${hint}`);
const suite = missing.length > 0 && !inCi ? describe.skip : describe;

suite('NEON kernels vs scalar reference (aarch64 harness under qemu)', () => {
  beforeAll(() => {
    if (missing.length > 0) throw new Error(hint);
    // Incremental: only sources newer than their objects recompile.
    execFileSync('make', ['-C', CROSS_DIR, '-j2', 'ISA=neon', 'all'], { stdio: 'pipe', timeout: 300000 });
  }, 320000);

  test.each(FAMILIES)('%s', (family) => {
    const r = spawnSync('qemu-aarch64', [BINARY, family], { encoding: 'utf8', timeout: 120000 });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    // On failure the message carries the harness's FAIL lines (kernel, shape, worst error).
    if (r.status !== 0) throw new Error(`cross_neon ${family} exited ${r.status ?? r.signal}:\n${out}`);
    expect(out).toMatch(new RegExp(`^neon ${family}: \\d+ checks, 0 failed$`, 'm'));
  });
});
