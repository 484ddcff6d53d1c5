// How fast is native.gemm on the shapes a small transformer trains with? For each op and shape,
// prints {"bench":"gemm","op","m","k","n","isa","threads","ms","gflops","peak_gflops"}, one line each.
//   nn: C(M×N) = A(M×K)·B(K×N)      nt: C(M×N) = A(M×K)·B(N×K)ᵀ (linear forward)
//   tn: C(K×N) = A(M×K)ᵀ·B(M×N) (weight gradient)
// Options (args or env): --isa=avx512,avx2 (FLASHLM_BENCH_ISA; default every SIMD ISA available),
// --threads=1,2 (FLASHLM_BENCH_THREADS; default the pool size), --op=nn,nt (FLASHLM_BENCH_OP),
// --ghz=4.2 (FLASHLM_BENCH_GHZ; default: measured, see measureGhz).
import * as fs from 'node:fs';
import * as os from 'node:os';

import { list, medianMs, option, randomArray } from './common';
import { native } from '../lib/native';
import type { IsaName } from '../lib/native/system';

type Op = 'nn' | 'nt' | 'tn';
const SHAPES: Array<[number, number, number]> = [
  [256, 768, 768], [4096, 384, 384], [16384, 192, 768], [16384, 768, 192],
  [4096, 256, 768], [4096, 768, 256], [4096, 256, 4096], [8192, 768, 2048],
];

// Napkin peak: threads × f32 flops per cycle per core × GHz. Flops/cycle = 2 (FMA) × lanes × FMA
// pipes: Zen 4 runs 512-bit FMAs double-pumped (32/cycle for AVX-512 and AVX2 alike); Zen 5
// (cpu family 26) has two full 512-bit pipes (64).
function cpuInfo(): { family: number; amd: boolean } {
  let text = '';
  try {
    text = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    /* not Linux: family unknown */
  }
  return { family: Number(/^cpu family\s*:\s*(\d+)/m.exec(text)?.[1] ?? 0), amd: /AuthenticAMD/.test(text) };
}

// The clock the cores really run at. Under a hypervisor /proc/cpuinfo's "cpu MHz" is the base clock
// (2.6 GHz on the Zen 5 VM this was tuned on, which boosts to ~4.2), so time a dependent chain of
// float multiplies instead: one per FP-multiply latency, 3 cycles on Zen 2-5, 4 on recent Intel.
function measureGhz(amd: boolean): number {
  const chain = (n: number): number => {
    let x = 1.0;
    for (let i = 0; i < n; i++) x *= 1.0000001;
    return x;
  };
  chain(1e6);
  const n = 5e7;
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint();
    if (chain(n) === 0) throw new Error('unreachable');
    best = Math.min(best, Number(process.hrtime.bigint() - t0));
  }
  const fallback = Math.max(0, ...os.cpus().map((c) => c.speed)) / 1000;
  const ghz = (n * (amd ? 3 : 4)) / best;
  return Number.isFinite(ghz) && ghz > 0.5 && ghz < 7 ? ghz : fallback;
}
function flopsPerCycle(isa: IsaName, family: number): number {
  if (isa === 'avx512') return family >= 26 ? 64 : 32;
  if (isa === 'avx2') return 32;
  return 4;
}

function main(): void {
  const info = native.info();
  const isas = (list('isa', 'FLASHLM_BENCH_ISA') ?? info.availableIsas.filter((i) => i !== 'scalar')) as IsaName[];
  const threadList = (list('threads', 'FLASHLM_BENCH_THREADS') ?? [String(info.threads)]).map(Number);
  const ops = (list('op', 'FLASHLM_BENCH_OP') ?? ['nn', 'nt', 'tn']) as Op[];
  const cpu = cpuInfo();
  const ghzOpt = option('ghz', 'FLASHLM_BENCH_GHZ');
  const ghz = ghzOpt !== undefined ? Number(ghzOpt) : measureGhz(cpu.amd);
  for (const isa of isas) {
    if (!info.availableIsas.includes(isa)) throw new Error(`bench gemm: isa '${isa}' is not available (have ${info.availableIsas.join(', ')})`);
  }
  try {
    for (const [m, k, n] of SHAPES) {
      for (const op of ops) {
        // Operands as stored: A is M×K for every op; B is K×N (nn), N×K (nt) or M×N (tn).
        const a = randomArray(m * k);
        const b = randomArray(op === 'tn' ? m * n : k * n);
        const c = randomArray(op === 'tn' ? k * n : m * n);
        const run =
          op === 'nn' ? () => native.gemm(false, false, 1, m, n, k, a, 0, b, 0, c, 0)
          : op === 'nt' ? () => native.gemm(false, true, 1, m, n, k, a, 0, b, 0, c, 0)
          : () => native.gemm(true, false, 1, k, n, m, a, 0, b, 0, c, 0);
        for (const isa of isas) {
          for (const threads of threadList) {
            native.setIsa(isa);
            native.setThreads(threads);
            const ms = medianMs(run, { minRuns: 5, maxRuns: 25, budgetMs: 1000 });
            const gflops = (2 * m * k * n) / (ms * 1e6);
            const peak = threads * flopsPerCycle(isa, cpu.family) * ghz;
            console.log(JSON.stringify({
              bench: 'gemm', op, m, k, n, isa, threads,
              ms: Number(ms.toFixed(3)), gflops: Number(gflops.toFixed(1)), peak_gflops: Number(peak.toFixed(1)),
            }));
          }
        }
      }
    }
  } finally {
    native.setIsa(info.isa);
    native.setThreads(info.threads);
  }
}

main();
