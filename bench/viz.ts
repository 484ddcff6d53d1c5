// What do figures and live progress cost? Prints JSON lines:
//   {"bench":"viz","what":"export", cold_ms (launch Chromium + load plotly.js + first SVG), warm svg/png/pdf ms (median of 5)}
//   {"bench":"viz","what":"progress", per-update ns when throttled, per-redraw µs, worst-case share of training time}
// The loss figure: 2 runs × (train 2000 points + eval 20), like plot.loss on a real run.
import { Figure, Progress, closeBrowser, findChromium } from '../lib/viz';
import { performance } from 'node:perf_hooks';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

function lossFigure(): Figure {
  const data = [0, 1].flatMap((r) => {
    const x = Array.from({ length: 2000 }, (_, i) => i + 1);
    const ex = Array.from({ length: 20 }, (_, i) => (i + 1) * 100);
    return [
      { type: 'scatter', mode: 'lines', name: `run${r} train`, x, y: x.map((s) => 4 / Math.log(s + 2) + r * 0.1 + 0.05 * Math.sin(s)) },
      { type: 'scatter', mode: 'lines+markers', name: `run${r} eval`, x: ex, y: ex.map((s) => 4 / Math.log(s + 2) + r * 0.1), line: { dash: 'dash' } },
    ];
  });
  return new Figure(data, { title: { text: 'Loss' }, yaxis: { type: 'log' } });
}

function exportBench(): void {
  const exe = findChromium();
  if (!exe) {
    console.log(JSON.stringify({ bench: 'viz', what: 'export', skipped: 'no Chromium (apt-get install chromium or FLASHLM_CHROMIUM)' }));
    return;
  }
  const fig = lossFigure();
  let t = performance.now();
  fig.toImage('svg');
  const cold = performance.now() - t;
  const times: Record<string, number[]> = { svg: [], png: [], pdf: [] };
  for (let i = 0; i < 5; i++) {
    for (const f of ['svg', 'png', 'pdf'] as const) {
      t = performance.now();
      fig.toImage(f, f === 'png' ? { scale: 2 } : {});
      times[f].push(performance.now() - t);
    }
  }
  t = performance.now();
  (fig as unknown as Record<symbol, () => unknown>)[Symbol.for('Jupyter.display')]();
  const bundle = performance.now() - t;
  closeBrowser();
  console.log(JSON.stringify({
    bench: 'viz', what: 'export', browser: exe, cold_ms: round(cold, 0),
    svg_ms: round(median(times.svg), 1), png_scale2_ms: round(median(times.png), 1), pdf_ms: round(median(times.pdf), 1),
    png_range_ms: [round(Math.min(...times.png), 1), round(Math.max(...times.png), 1)], display_bundle_ms: round(bundle, 1),
  }));
}

function progressBench(): void {
  // a kernel-like display: the bundle is structured-cloned, as postMessage to the kernel's main thread does
  const sink = { inKernel: true, display: (v: unknown) => { structuredClone(v); return { id: 'b', update: (u: unknown) => { structuredClone(u); } }; } };
  (globalThis as Record<symbol, unknown>)[Symbol.for('flashlm.kernel')] = sink;
  const n = 200_000;
  const throttled = new Progress({ total: n, minIntervalMs: 250 });
  let t = performance.now();
  for (let s = 1; s < n; s++) throttled.update(s, { loss: 2.5, tokensPerS: 12345 });
  const perCallNs = ((performance.now() - t) / n) * 1e6;
  const every = new Progress({ total: 20_000, minIntervalMs: 0 });
  t = performance.now();
  for (let s = 1; s < 20_000; s++) every.update(s, { loss: 2.5, tokensPerS: 12345 });
  const perRedrawUs = ((performance.now() - t) / 20_000) * 1e3;
  delete (globalThis as Record<symbol, unknown>)[Symbol.for('flashlm.kernel')];
  // worst case share of a step time T: one update per step (perCall) + at most 4 redraws per second
  const share = (stepMs: number) => round((100 * (perCallNs / 1e6 + (perRedrawUs / 1e3) * 4 * (stepMs / 1000))) / stepMs, 4);
  console.log(JSON.stringify({
    bench: 'viz', what: 'progress', per_update_throttled_ns: round(perCallNs, 0), per_redraw_us: round(perRedrawUs, 1), min_interval_ms: 250,
    overhead_pct_at_step_ms: { '1': share(1), '10': share(10), '100': share(100) },
  }));
}

progressBench();
exportBench();
