// How fast are causal attention (forward, backward) and RoPE on the spec's shapes (S7, §9: v7 ECLIPSE
// 12 heads × 64 at T 1024; bitnet-bench 8 heads × 32 at T 256)? Prints one JSON line per op, shape,
// ISA and thread count: {"bench":"attention","op","B","T","H","D","isa","threads","ms","gflops"}.
// Flops count the causal half only: forward 2 matmuls (QKᵀ, PV), backward 5 (S, dP, dV, dK, dQ), each
// B·H·T(T+1)/2·D multiply-adds; RoPE reports GB/s instead (read x, write y).
// Options: --isa=avx512,scalar (default: every ISA), --threads=1,2 (default: the pool size).
import { list, medianMs, randomArray } from './common';
import { native } from '../lib/native';
import type { IsaName } from '../lib/native/system';

const SHAPES: Array<[number, number, number, number]> = [
  [1, 1024, 12, 64], // v7 ECLIPSE, one sequence
  [4, 256, 8, 32], // bitnet-bench
  [8, 128, 4, 64], // v5.2 (4 heads × 64, T 128)
];

function main(): void {
  const info = native.info();
  const isas = (list('isa') ?? info.availableIsas) as IsaName[];
  const threadList = (list('threads') ?? [String(info.threads)]).map(Number);
  try {
    for (const [B, T, H, D] of SHAPES) {
      const n = B * T * H * D, scale = 1 / Math.sqrt(D);
      const [q, k, v, dout] = [randomArray(n), randomArray(n), randomArray(n), randomArray(n)];
      const [o, dq, dk, dv, y] = [0, 0, 0, 0, 0].map(() => randomArray(n));
      const lse = randomArray(B * H * T);
      const cos = randomArray(T * (D / 2)), sin = randomArray(T * (D / 2));
      native.ropeTable(cos, sin, T, D, 10000);
      const macs = (B * H * T * (T + 1) * D) / 2;
      const ops: Array<[string, () => void, number]> = [
        ['forward', () => native.attentionForward(q, k, v, o, lse, B, T, H, D, scale), 2 * 2 * macs],
        ['backward', () => native.attentionBackward(q, k, v, o, lse, dout, dq, dk, dv, B, T, H, D, scale), 5 * 2 * macs],
        ['rope', () => native.ropeForward(q, y, cos, sin, B, T, H, D, 0), 0],
      ];
      for (const [op, run, flops] of ops)
        for (const isa of isas)
          for (const threads of threadList) {
            native.setIsa(isa);
            native.setThreads(threads);
            const ms = medianMs(run, { minRuns: 3, maxRuns: 15, budgetMs: 1000 });
            const rate = flops > 0 ? { gflops: Number((flops / (ms * 1e6)).toFixed(1)) } : { gbps: Number(((8 * n) / (ms * 1e6)).toFixed(1)) };
            console.log(JSON.stringify({ bench: 'attention', op, B, T, H, D, isa, threads, ms: Number(ms.toFixed(3)), ...rate }));
          }
    }
  } finally {
    native.setIsa(info.isa);
    native.setThreads(info.threads);
  }
}

main();
