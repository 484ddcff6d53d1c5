// How fast are the softmax, cross-entropy, norm and embedding kernels on training shapes? Cross-entropy
// uses v5-style logits (B*T = 2048 rows, V 8192); softmax uses attention scores (T 256 rows of 256);
// norms and embedding use C 384. Prints {"bench":"softmax_norm","op","shape","isa","threads","ms","gbps"}
// per line; GB/s counts the bytes each kernel must read and write once (they are memory-bound).
// Options: --isa=scalar,avx2,avx512 (default: every ISA available), --threads=1,2 (default: 1 and the pool size).
import { list, medianMs } from './common';
import { native } from '../lib/native';
import type { IsaName } from '../lib/native/system';

// 64-byte aligned like Tensor storage (native.alloc): plain Float32Arrays are only 16-byte aligned, and
// misaligned 512-bit loads split cache lines (AVX-512 backward norms run ~2x slower on them on Zen 4).
function zeros(n: number): Float32Array {
  return new Float32Array(native.alloc(n * 4), 0, n);
}

function fill(n: number, scale = 1): Float32Array {
  const a = zeros(n);
  for (let i = 0; i < n; i++) a[i] = Math.sin(i * 0.37) * scale;
  return a;
}

const [R, V] = [2048, 8192];
const logits = fill(R * V, 4), dlogits = zeros(R * V), lse = zeros(R), losses = zeros(R);
const targets = Int32Array.from({ length: R }, (_, i) => (i * 7919) % V);
const [S, T] = [64, 256];  // 64 (batch x head) score matrices of T x T
const scores = fill(S * T * T, 3), probs = zeros(S * T * T), dprobs = fill(S * T * T), dscores = zeros(S * T * T);
const [N, C] = [8 * 256 * 4, 384];
const x = fill(N * C), y = zeros(N * C), dy = fill(N * C), dx = zeros(N * C);
const g = fill(C), b = fill(C), dg = zeros(C), db = zeros(C), mean = zeros(N), rstd = zeros(N);
const table = fill(V * C), dtable = zeros(V * C), ids = Int32Array.from({ length: N }, (_, i) => (i * 31) % V);

const rs = S * T, n = S * T * T;
const cases: Array<{ op: string; shape: string; bytes: number; run: () => void }> = [
  { op: 'crossEntropyForward', shape: `${R}x${V}`, bytes: 4 * R * V, run: () => void native.crossEntropyForward(logits, targets, lse, losses, R, V, -100, 'mean') },
  { op: 'crossEntropyBackward', shape: `${R}x${V}`, bytes: 8 * R * V, run: () => native.crossEntropyBackward(logits, targets, lse, dlogits, R, V, -100, 'mean', 1) },
  { op: 'softmaxForward', shape: `${rs}x${T}`, bytes: 8 * n, run: () => native.softmaxForward(scores, probs, rs, T) },
  { op: 'softmaxBackward', shape: `${rs}x${T}`, bytes: 12 * n, run: () => native.softmaxBackward(probs, dprobs, dscores, rs, T) },
  { op: 'rmsNormForward', shape: `${N}x${C}`, bytes: 8 * N * C, run: () => native.rmsNormForward(x, g, y, rstd, N, C, 1e-6) },
  { op: 'rmsNormBackward', shape: `${N}x${C}`, bytes: 12 * N * C, run: () => native.rmsNormBackward(x, g, rstd, dy, dx, dg, N, C) },
  { op: 'layerNormForward', shape: `${N}x${C}`, bytes: 8 * N * C, run: () => native.layerNormForward(x, g, b, y, mean, rstd, N, C, 1e-5) },
  { op: 'layerNormBackward', shape: `${N}x${C}`, bytes: 12 * N * C, run: () => native.layerNormBackward(x, g, mean, rstd, dy, dx, dg, db, N, C) },
  { op: 'embeddingForward', shape: `${N} ids, ${V}x${C}`, bytes: 8 * N * C, run: () => native.embeddingForward(table, ids, y, N, V, C) },
  { op: 'embeddingBackward', shape: `${N} ids, ${V}x${C}`, bytes: 12 * N * C, run: () => native.embeddingBackward(dy, ids, dtable, N, V, C) },
];

const before = native.info();
const isas = (list('isa') as IsaName[] | undefined) ?? before.availableIsas;
const threadsList = (list('threads') ?? [...new Set(['1', String(before.threads)])]).map(Number);
for (const c of cases)
  for (const isa of isas)
    for (const threads of threadsList) {
      native.setIsa(isa);
      native.setThreads(threads);
      const ms = medianMs(c.run, { minRuns: 11 });
      console.log(JSON.stringify({ bench: 'softmax_norm', op: c.op, shape: c.shape, isa, threads, ms: +ms.toFixed(3), gbps: +(c.bytes / ms / 1e6).toFixed(2) }));
    }
native.setIsa(before.isa);
native.setThreads(before.threads);
