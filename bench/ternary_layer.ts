// Is a BL-B158 BitLinear layer's forward+backward at most 0.6× an f32 Linear's (issue 3)? For
// M ∈ {256, 4096} and the v7 shapes, times both in one process at 2 threads, alternating, and prints
// {"bench":"ternary","kernel":"bitlinear_b158_layer","m","k","n","threads","bitlinear_ms",
//  "f32_linear_ms","ratio","quantize_ms"} (quantize_ms: the once-per-optimizer-step weight
// quantization, not part of bitlinear_ms; ranges and ratio_of_mins for a shared machine). Napkin math: the f32 Linear is 3 GEMMs; the BitLinear's
// exact f32 backward alone is 2 GEMM-sized products, so the ratio cannot go below ~0.67 even with a
// free forward. A second line per shape, kernel "bitlinear_b158_layer_int8_dx", times the opt-in
// reduced-precision backward (input gradient from int8-quantized g; NOT the default, which is exact).
// Options: --threads=2 (FLASHLM_BENCH_THREADS), --repeats=7 (FLASHLM_BENCH_REPEATS).
import { option } from './common';
import { native } from '../lib/native';
import { BitLinear } from '../lib/nn/bitlinear';
import type { BackwardMode } from '../lib/ops/ternary_linear';
import { Linear } from '../lib/nn/linear';
import { Generator } from '../lib/random';
import { tidy } from '../lib/tensor/scope';
import { Tensor } from '../lib/tensor/tensor';

const MS = [256, 4096];
const KN: Array<[number, number]> = [[768, 768], [768, 2048], [2048, 768], [256, 768]];

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** One forward+backward of `forward` on x (with input gradient, as inside a network). */
function step(forward: (x: Tensor) => Tensor, x: Tensor, g: Tensor, params: Tensor[]): number {
  // Fresh gradients each time (a clone, not an accumulation: the same work for both layers), given
  // back to the pool so that neither layer pays for new native allocations.
  for (const t of [...params, x]) {
    t.grad?.dispose();
    t.grad = null;
  }
  const t0 = nowMs();
  tidy(() => forward(x).backward(g));
  return nowMs() - t0;
}

function timeShape(m: number, k: number, n: number, threads: number, repeats: number, backward: BackwardMode): Record<string, unknown> {
  const gen = new Generator(1);
  const bit = new BitLinear(k, n, { quantizer: 'BL-B158', generator: gen, backward });
  const lin = new Linear(k, n, { bias: false, generator: gen });
  const x = gen.normal([m, k]).requiresGrad_();
  const g = gen.normal([m, n]);
  const bitParams = bit.parameters(), linParams = lin.parameters();
  const qTimes: number[] = [];
  for (let r = 0; r < 3; r++) {
    bit.weight.markModified();
    const t0 = nowMs();
    bit.quantized();
    qTimes.push(nowMs() - t0);
  }
  step((v) => bit.forward(v), x, g, bitParams); // warm-up both
  step((v) => lin.forward(v), x, g, linParams);
  const tb: number[] = [], tl: number[] = [];
  for (let r = 0; r < repeats; r++) {
    // Alternate the order so that drift on a shared machine hits both alike.
    if (r % 2 === 0) {
      tb.push(step((v) => bit.forward(v), x, g, bitParams));
      tl.push(step((v) => lin.forward(v), x, g, linParams));
    } else {
      tl.push(step((v) => lin.forward(v), x, g, linParams));
      tb.push(step((v) => bit.forward(v), x, g, bitParams));
    }
  }
  const bitMs = median(tb), linMs = median(tl);
  for (const t of [x, g, ...bitParams, ...linParams]) {
    t.grad?.dispose();
    t.dispose();
  }
  const r3 = (v: number) => Number(v.toFixed(3));
  return {
    bench: 'ternary', kernel: backward === 'exact' ? 'bitlinear_b158_layer' : 'bitlinear_b158_layer_int8_dx', m, k, n, threads,
    bitlinear_ms: r3(bitMs), f32_linear_ms: r3(linMs), ratio: r3(bitMs / linMs), quantize_ms: r3(median(qTimes)),
    bitlinear_range_ms: [r3(Math.min(...tb)), r3(Math.max(...tb))], f32_range_ms: [r3(Math.min(...tl)), r3(Math.max(...tl))],
    ratio_of_mins: r3(Math.min(...tb) / Math.min(...tl)), // steadier than the medians on a busy machine
  };
}

/**
 * Times BL-B158 BitLinear vs f32 Linear forward+backward on every shape; returns one record per shape.
 *
 * @example for (const line of await layerLines()) console.log(JSON.stringify(line));
 */
export async function layerLines(
  options: { threads?: number; repeats?: number; onLine?: (line: Record<string, unknown>) => void } = {},
): Promise<Record<string, unknown>[]> {
  const threads = options.threads ?? Number(option('threads', 'FLASHLM_BENCH_THREADS') ?? 2);
  const repeats = options.repeats ?? Number(option('repeats', 'FLASHLM_BENCH_REPEATS') ?? 7);
  const before = native.info().threads;
  native.setThreads(threads);
  const lines: Record<string, unknown>[] = [];
  try {
    for (const m of MS) {
      for (const [k, n] of KN) {
        for (const backward of ['exact', 'int8-input-grad'] as const) {
          const line = timeShape(m, k, n, threads, repeats, backward);
          lines.push(line);
          options.onLine?.(line);
        }
      }
    }
  } finally {
    native.setThreads(before);
  }
  return lines;
}

if (require.main === module) {
  layerLines({ onLine: (l) => console.log(JSON.stringify(l)) }).then(
    () => undefined,
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
