// Question: does a training run's memory stay flat? Prints RSS after 100 and after 1,000 training
// steps of a small model (the toy MLP at hidden 512, batch 3,000), plus the tensor-pool counters.
// Run with `npm run bench -- memory` (node --expose-gc, so the GC settles before each reading).
import { trainToyMlp } from '../lib/examples/toy-mlp';
import { native } from '../lib/native';
import { memoryStats } from '../lib/tensor/storage';

const readings = new Map<number, { rss: number; heap: number; live: number }>();
const gc = (globalThis as { gc?: () => void }).gc;
trainToyMlp({
  steps: 1000,
  hidden: 512,
  perClass: 1000,
  onStep: (step) => {
    if (step === 100 || step === 1000) {
      gc?.();
      const m = process.memoryUsage();
      readings.set(step, { rss: m.rss, heap: m.heapUsed, live: memoryStats().liveBytes });
    }
  },
});
const mb = (b: number): number => Math.round((b / 2 ** 20) * 10) / 10;
const r100 = readings.get(100)!, r1000 = readings.get(1000)!;
console.log(JSON.stringify({
  bench: 'memory',
  model: 'mlp 2-512-3, batch 3000, AdamW',
  isa: native.info().isa,
  threads: native.info().threads,
  rss_mb_step100: mb(r100.rss),
  rss_mb_step1000: mb(r1000.rss),
  rss_growth_mb: mb(r1000.rss - r100.rss),
  heap_mb_step100: mb(r100.heap),
  heap_mb_step1000: mb(r1000.heap),
  tensor_live_mb_step100: mb(r100.live),
  tensor_live_mb_step1000: mb(r1000.live),
  gc_exposed: gc !== undefined,
}));
