// Question: what does the live training view (run.display(): progress line + loss figure with its PNG,
// updated in place) cost as a share of training time? `npm run bench -- run_view [--seconds=60]
// [--size=test|full] [--order=view-first|plain-first]` trains bitnet-bench twice on random tokens for the
// same time budget — once plain, once with the view attached the way the kernel attaches it (a stand-in
// kernel runtime that builds each MIME bundle, PNG included, and structured-clones it as the worker's
// postMessage does) — and prints one JSON line: the view's own measured time over the run's wall time
// (view_share_pct; what the 1% target is about) and the throughput difference of the two runs
// (throughput_loss_pct; noisier, it includes the machine's other load).
import * as flashlm from '../lib';
import { native } from '../lib/native';
import { closeBrowser, exportStats, findChromium, runViewStats } from '../lib/viz';
import { option } from './common';

const KERNEL = Symbol.for('flashlm.kernel');
const DISPLAY = Symbol.for('Jupyter.display');

/** What kernel/executor/worker.ts does per display: build the bundle, hand a copy to the kernel thread. */
function fakeKernel(counts: { displays: number; bytes: number }) {
  const send = (v: unknown) => {
    const b = (v as Record<symbol, () => Record<string, unknown>>)[DISPLAY]?.() ?? { 'text/plain': String(v) };
    const copy = structuredClone(b);
    counts.displays++;
    counts.bytes += JSON.stringify(copy).length;
  };
  return {
    inKernel: true,
    display(value: unknown, opts: { id?: string; raw?: boolean } = {}) {
      const raw = (v: unknown, o: { raw?: boolean } = {}) => {
        if (!(o.raw ?? opts.raw)) return send(v);
        counts.displays++;
        counts.bytes += JSON.stringify(structuredClone(v)).length;
      };
      raw(value);
      return { id: opts.id ?? 'x', update: (v: unknown, o?: { raw?: boolean }) => raw(v, o) };
    },
  };
}

async function trainFor(seconds: number, size: string, withView: boolean) {
  const overrides = size === 'test' ? { ...flashlm.models.entry('bitnet-bench').testOverrides, contextLength: 64 } : {};
  const model = flashlm.models.create('bitnet-bench', overrides);
  const V = model.config.vocabSize;
  const u = new flashlm.Generator(1).uniform([1 << 18]).f32();
  const tokens = Int32Array.from(u, (x) => Math.floor(x * V) % V);
  const counts = { displays: 0, bytes: 0 };
  const g = globalThis as Record<symbol, unknown>;
  if (withView) g[KERNEL] = fakeKernel(counts);
  try {
    const t0 = performance.now();
    const run = flashlm.train(model, { train: tokens, validation: tokens.subarray(0, 1 << 14) }, {
      seconds, batchSize: 8, progress: 'none', evalEvery: size === 'test' ? 500 : 50, evalTokens: 4096,
    });
    if (withView) run.display(); // what train() does by itself inside the kernel
    const summary = await run;
    const wallMs = performance.now() - t0;
    return { summary, wallMs, view: withView ? runViewStats() : null, counts };
  } finally {
    delete g[KERNEL];
  }
}

async function main(): Promise<void> {
  const seconds = Number(option('seconds') ?? 60);
  const size = option('size') ?? 'test';
  const order = option('order') ?? 'view-first';
  if (size !== 'test' && size !== 'full') throw new RangeError(`run_view: --size must be 'test' or 'full', got ${size}`);
  const results: Record<string, Awaited<ReturnType<typeof trainFor>>> = {};
  for (const withView of order === 'view-first' ? [true, false] : [false, true]) {
    results[withView ? 'view' : 'plain'] = await trainFor(seconds, size, withView);
  }
  const { view, plain } = results;
  const stats = view.view!;
  const tps = (r: typeof view) => r.summary.tokensPerS;
  console.log(JSON.stringify({
    bench: 'run_view', size, seconds, threads: native.info().threads, browser: findChromium(),
    view_share_pct: Math.round((10000 * stats.spentMs) / stats.wallMs) / 100,
    view_spent_ms: Math.round(stats.spentMs), view_wall_ms: Math.round(stats.wallMs),
    progress_renders: stats.progressRenders, figure_redraws: stats.figureRedraws,
    displays: view.counts.displays, display_mb: Math.round(view.counts.bytes / 1e4) / 100,
    steps_view: view.summary.step, steps_plain: plain.summary.step,
    tokens_per_s_view: Math.round(tps(view)), tokens_per_s_plain: Math.round(tps(plain)),
    throughput_loss_pct: Math.round((10000 * (tps(plain) - tps(view))) / tps(plain)) / 100,
    browser_launches: exportStats().launches,
  }));
  closeBrowser();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
