// How fast are the scan and optim kernels on v4-small shapes (spec §3: B8, T256, d192, k8; 4.36M
// parameters)? Prints {"bench":"scan_optim","op","shape","isa","threads","ms","gbps","gflops"} per line;
// GB/s counts the bytes each kernel must read and write once (these kernels are memory-bound).
// Options: --isa=scalar,avx2,avx512 (default: every ISA available), --threads=1,2 (default: 1 and the pool size).
import { list, medianMs } from './common';
import { native } from '../lib/native';
import type { IsaName } from '../lib/native/system';

function fill(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37) * 0.5;
  return a;
}

const [B, T, C, K] = [8, 256, 192, 8];
const N = B * T * C;
const P = 4_364_736; // v4 small parameter count
const x = fill(N), y = new Float32Array(N), dy = fill(N), dx = new Float32Array(N), w = fill(C * K), dw = new Float32Array(C * K);
const p = fill(P), g = fill(P), m = new Float32Array(P), v = new Float32Array(P);

const cases: Array<{ op: string; shape: string; bytes: number; flops: number; run: () => void }> = [
  { op: 'causalConv1dForward', shape: `${B}x${T}x${C} k${K}`, bytes: 8 * N, flops: 2 * N * K, run: () => native.causalConv1dForward(x, w, y, B, T, C, K) },
  { op: 'causalConv1dBackward', shape: `${B}x${T}x${C} k${K}`, bytes: 12 * N, flops: 4 * N * K, run: () => native.causalConv1dBackward(x, w, dy, dx, dw, B, T, C, K) },
  { op: 'cummean', shape: `${B}x${T}x${C}`, bytes: 8 * N, flops: 2 * N, run: () => native.cumsumForward(x, y, B, T, C, true) },
  { op: 'cummeanBackward', shape: `${B}x${T}x${C}`, bytes: 8 * N, flops: 2 * N, run: () => native.cumsumBackward(dy, dx, B, T, C, true) },
  { op: 'adamwStep', shape: `${P}`, bytes: 28 * P, flops: 16 * P, run: () => native.adamwStep(p, g, m, v, 1e-9, 0.9, 0.95, 1e-8, 0.01, 10) },
  { op: 'globalGradNorm', shape: `${P}`, bytes: 4 * P, flops: 2 * P, run: () => void native.globalGradNorm([g]) },
];

const before = native.info();
const isas = (list('isa') as IsaName[] | undefined) ?? before.availableIsas;
const threadsList = (list('threads') ?? [...new Set(['1', String(before.threads)])]).map(Number);
for (const c of cases)
  for (const isa of isas)
    for (const threads of threadsList) {
      native.setIsa(isa);
      native.setThreads(threads);
      const ms = medianMs(c.run, { minRuns: 15 });
      console.log(JSON.stringify({ bench: 'scan_optim', op: c.op, shape: c.shape, isa, threads, ms: +ms.toFixed(3), gbps: +(c.bytes / ms / 1e6).toFixed(2), gflops: +(c.flops / ms / 1e6).toFixed(2) }));
    }
native.setIsa(before.isa);
native.setThreads(before.threads);
