// How fast are the ternary kernels against the f32 GEMM of the same shape? For each kernel and shape
// prints {"bench":"ternary","kernel","m","k","n","isa","threads","gops","f32_gflops_same_shape",
// "speedup"} (+ "weight_gbps", packed weight bytes per second, when m = 1: decode is bandwidth bound).
//   i8_ternary:        i8TernaryLinear, the BL-B158 forward on int8 activations (rescale fused)
//   i8_ternary_quant:  quantizeActivationsI8 + i8TernaryLinear (what a BitLinear forward pays)
//   f32_ternary:       f32TernaryLinear, ternary-aware kernel ('ternary')
//   f32_ternary_gemm:  f32TernaryLinear via dequantize + f32 GEMM ('gemm'), the alternative
//   ternary_backward_input[_gemm]: ternaryLinearBackwardInput, the two methods likewise
// The f32 reference is native.gemm on the same (M, K, N) in the same process — NT (x·Wᵀ) for the
// forwards, NN (g·W) for the backward — timed alternately with the kernel, BEST of the repeats for
// both (the machine is shared; the minimum is the least disturbed run). gops counts 2·M·N·K.
// Options (args or env): --isa=avx512 (FLASHLM_BENCH_ISA; default the best ISA), --threads=1,2
// (FLASHLM_BENCH_THREADS; default the pool size), --kernel=i8_ternary,... (FLASHLM_BENCH_KERNEL).
import { list, option } from './common';
import { native } from '../lib/native';
import type { IsaName } from '../lib/native/system';
import { layerLines } from './ternary_layer';

const MS = [1, 256, 4096];
const KN: Array<[number, number]> = [[768, 768], [768, 2048], [2048, 768], [256, 768]];
const KERNELS = [
  'i8_ternary', 'i8_ternary_quant', 'f32_ternary', 'f32_ternary_gemm', 'ternary_backward_input',
  'ternary_backward_input_gemm',
] as const;
type Kernel = (typeof KERNELS)[number];

function aligned<T extends Float32Array | Int8Array | Uint8Array>(ctor: new (b: ArrayBuffer) => T, bytes: number): T {
  return new ctor(native.alloc(bytes));
}
function randomF32(n: number): Float32Array {
  const a = aligned(Float32Array, n * 4);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

// Best-of timings of two calls run alternately: repeats until `reps` pairs and at least ~0.3 s.
function timePair(a: () => void, b: () => void, reps = 5): [number, number] {
  a();
  b();
  let ta = Infinity, tb = Infinity;
  const start = process.hrtime.bigint();
  for (let r = 0; r < 50 && (r < reps || Number(process.hrtime.bigint() - start) < 3e8); r++) {
    let t0 = process.hrtime.bigint();
    a();
    ta = Math.min(ta, Number(process.hrtime.bigint() - t0) / 1e6);
    t0 = process.hrtime.bigint();
    b();
    tb = Math.min(tb, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return [ta, tb];
}

function main(): void {
  const info = native.info();
  const isas = (list('isa', 'FLASHLM_BENCH_ISA') ?? [info.bestIsa]) as IsaName[];
  const threadList = (list('threads', 'FLASHLM_BENCH_THREADS') ?? [String(info.threads)]).map(Number);
  const kernels = (list('kernel', 'FLASHLM_BENCH_KERNEL') ?? [...KERNELS]) as Kernel[];
  for (const isa of isas) {
    if (!info.availableIsas.includes(isa)) throw new Error(`bench ternary: isa '${isa}' is not available (have ${info.availableIsas.join(', ')})`);
  }
  for (const kname of kernels) {
    if (!(KERNELS as readonly string[]).includes(kname)) throw new Error(`bench ternary: unknown kernel '${kname}' (have ${KERNELS.join(', ')})`);
  }
  try {
    for (const m of MS) {
      for (const [k, n] of KN) {
        const codes = new Int8Array(n * k);
        for (let i = 0; i < codes.length; i++) codes[i] = Math.floor(Math.random() * 3) - 1;
        const packed = aligned(Uint8Array, native.ternaryPackedBytes(n, k));
        native.ternaryPack(codes, n, k, packed);
        const wScale = new Float32Array([0.02]), alpha = 1.0;
        const x = randomF32(m * k), xq = aligned(Int8Array, m * k), xScale = aligned(Float32Array, m * 4);
        native.quantizeActivationsI8(x, m, k, 1e-5, xq, xScale);
        const w = randomF32(n * k), g = randomF32(m * n);
        const y = aligned(Float32Array, m * n * 4), dx = aligned(Float32Array, m * k * 4);
        const fwdF32 = (): void => native.gemm(false, true, 1, m, n, k, x, 0, w, 0, y, 0);
        const bwdF32 = (): void => native.gemm(false, false, 1, m, k, n, g, 0, w, 0, dx, 0);
        const runs: Record<Kernel, [() => void, () => void]> = {
          i8_ternary: [() => native.i8TernaryLinear(xq, xScale, m, packed, n, k, wScale, alpha, y), fwdF32],
          i8_ternary_quant: [() => {
            native.quantizeActivationsI8(x, m, k, 1e-5, xq, xScale);
            native.i8TernaryLinear(xq, xScale, m, packed, n, k, wScale, alpha, y);
          }, fwdF32],
          f32_ternary: [() => native.f32TernaryLinear(x, m, packed, n, k, wScale, y, 'ternary'), fwdF32],
          f32_ternary_gemm: [() => native.f32TernaryLinear(x, m, packed, n, k, wScale, y, 'gemm'), fwdF32],
          ternary_backward_input: [() => native.ternaryLinearBackwardInput(g, m, packed, n, k, wScale, alpha, dx, 'ternary'), bwdF32],
          ternary_backward_input_gemm: [() => native.ternaryLinearBackwardInput(g, m, packed, n, k, wScale, alpha, dx, 'gemm'), bwdF32],
        };
        for (const kernel of kernels) {
          for (const isa of isas) {
            for (const threads of threadList) {
              native.setIsa(isa);
              native.setThreads(threads);
              const [ms, f32ms] = timePair(runs[kernel][0], runs[kernel][1]);
              const ops = 2 * m * n * k;
              const gops = ops / (ms * 1e6), f32 = ops / (f32ms * 1e6);
              const line: Record<string, unknown> = {
                bench: 'ternary', kernel, m, k, n, isa, threads,
                gops: Number(gops.toFixed(1)), f32_gflops_same_shape: Number(f32.toFixed(1)),
                speedup: Number((gops / f32).toFixed(2)),
              };
              if (m === 1) line.weight_gbps = Number((packed.length / (ms * 1e6)).toFixed(1));
              console.log(JSON.stringify(line));
            }
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
// The layer-level lines (a BL-B158 BitLinear forward+backward vs an f32 Linear of the same shape) follow the kernels.
layerLines({ onLine: (line) => console.log(JSON.stringify(line)) }).catch((e) => {
  console.error(e);
  process.exit(1);
});
