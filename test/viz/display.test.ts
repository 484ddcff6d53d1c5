// MIME bundles of every displayable (Figure, Tensor, Module, Arrow Table, Progress), html mode, metrics plots.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tableFromArrays } from 'apache-arrow';

import { Generator, MetricsWriter, Module, Tensor, readMetrics } from '../../lib';
import { Linear } from '../../lib/nn/linear';
import { Figure, LiveFigure, Progress, PLOTLY_MIME, mode, options, resetSession, progressLine } from '../../lib/viz';
import * as plot from '../../lib/viz/plots';

const D = Symbol.for('Jupyter.display');
const bundle = (v: unknown) => (v as Record<symbol, () => Record<string, unknown>>)[D]();

beforeAll(() => options({ png: false })); // bundles without a browser here; export.test.ts covers PNGs
afterEach(() => { mode('default'); resetSession(); });

describe('Figure bundle', () => {
  test('default: plotly JSON + text/plain, no text/html', () => {
    const fig = new Figure([{ type: 'scatter', y: [1, 2] }], { title: { text: 'Loss' } });
    const b = bundle(fig);
    expect(Object.keys(b).sort()).toEqual([PLOTLY_MIME, 'text/plain'].sort());
    expect(b['text/plain']).toBe('<Figure: Loss, 1 trace>');
    expect(b[PLOTLY_MIME]).toEqual({ data: [{ type: 'scatter', y: [1, 2] }], layout: { title: { text: 'Loss' } }, config: { responsive: true, displaylogo: false } });
    expect(fig.toJSON()).toEqual(b[PLOTLY_MIME]);
  });

  test('html mode inlines plotly.js exactly once per session, then plain divs; default switches back', () => {
    const plotlyHead = fs.readFileSync(require.resolve('plotly.js-dist-min/plotly.min.js'), 'utf8').slice(0, 200);
    mode('html');
    const figs = [0, 1, 2].map((i) => bundle(new Figure([{ y: [i] }], { title: `f${i}` })));
    const html = figs.map((b) => b['text/html'] as string);
    expect(html.map((h) => h.split(plotlyHead).length - 1)).toEqual([1, 0, 0]);
    for (const h of html) expect(h).toMatch(/<div id="flashlm-fig-[0-9a-f-]+"[^>]*>.*<\/div><script>.*Plotly\.newPlot/s);
    for (const b of figs) expect(b['text/plain']).toMatch(/^<Figure: f\d, 1 trace>$/);
    expect(html[1].length).toBeLessThan(5000);
    mode('default');
    expect(bundle(new Figure([{ y: [1] }]))['text/html']).toBeUndefined();
    expect(() => mode('svg' as never)).toThrow(/expected 'default' or 'html'/);
  });

  test('html mode carries an <img> PNG fallback when a PNG is given; JSON cannot close the script', () => {
    const fig = new Figure([{ y: [1], name: '</script><b>' }]);
    const h = fig.toHTML('iVBORw0KGgo=', false);
    expect(h).toContain('<img alt="&lt;Figure: untitled, 1 trace&gt;" style="max-width:100%" src="data:image/png;base64,iVBORw0KGgo=">');
    expect(h.match(/<\/script>/g)!.length).toBe(1);
  });

  test('save rejects unknown extensions and bad sizes before touching a browser', () => {
    const fig = new Figure([{ y: [1] }]);
    expect(() => fig.save('x.jpg')).toThrow(/extension must be \.svg, \.png or \.pdf/);
    expect(() => fig.save(path.join(os.tmpdir(), 'nope-dir-xyz', 'x.svg'))).toThrow(/does not exist/);
    expect(() => fig.toImage('png', { width: -1 })).toThrow(/width must be a number/);
    expect(() => fig.toImage('png', { scale: NaN })).toThrow(/scale must be a number/);
  });
});

describe('Tensor, Module, Table bundles', () => {
  test('Tensor: stats and histogram in text/plain and an HTML table', () => {
    const t = Tensor.from([1, 2, 3, 4, NaN], [5]);
    t.name = 'w';
    const b = bundle(t);
    expect(Object.keys(b).sort()).toEqual(['text/html', 'text/plain']);
    const plain = b['text/plain'] as string;
    expect(plain.split('\n')[0]).toBe("Tensor 'w' f32[5]");
    expect(plain).toContain('min 1  max 4  mean 2.500  std 1.118  non-finite 1');
    expect(plain.split('\n')[2]).toMatch(/^[ ▁▂▃▄▅▆▇█]{24}$/);
    expect(b['text/html']).toContain('<th style="text-align:left">std</th><td style="text-align:left">1.118</td>');
    t.dispose();
    expect(bundle(t)).toEqual({ 'text/plain': "Tensor 'w' f32[5] (disposed)" });
  });

  test('Module: tree with parameter counts; describe() adds ternary / active-per-token counts', () => {
    const g = new Generator(1);
    class Ternaryish extends Linear {
      describe() { return { ternary: this.weight.size, activePerToken: 7, note: 'top-1 of 2' }; }
    }
    class Net extends Module {
      a = this.registerModule('a', new Linear(4, 3, { generator: g }));
      b = this.registerModule('b', new Ternaryish(3, 2, { generator: g, bias: false }));
    }
    const b = bundle(new Net());
    expect(b['text/plain']).toBe([
      'Net  21 params (ternary 6)',
      '├─ a: Linear  15 params',
      '└─ b: Ternaryish  6 params (ternary 6, active/token 7, top-1 of 2)',
      'total 21 parameters (ternary 6)',
    ].join('\n'));
    expect(b['text/html']).toContain('<code>a</code>: <b>Linear</b> 15 params');
  });

  test('Arrow Table: first rows as HTML and text, with the row count', () => {
    const t = tableFromArrays({ step: Int32Array.from({ length: 30 }, (_, i) => i), loss: Float64Array.from({ length: 30 }, (_, i) => 5 - i / 10) });
    const b = bundle(t);
    const plain = (b['text/plain'] as string).split('\n');
    expect(plain[0]).toBe('Table: 30 rows × 2 columns (first 20 shown)');
    expect(plain[1].trim().split(/\s+/)).toEqual(['step', 'loss']);
    expect(plain.length).toBe(22);
    expect((b['text/html'] as string).match(/<tr>/g)!.length).toBe(21);
  });
});

describe('Progress', () => {
  const fakeKernel = () => {
    const shown: { bundle: Record<string, string>; update: boolean }[] = [];
    const k = { inKernel: true, display: (v: unknown, o?: { raw?: boolean }) => {
      expect(o?.raw).toBe(true);
      shown.push({ bundle: v as Record<string, string>, update: false });
      return { id: 'x', update: (u: unknown) => shown.push({ bundle: u as Record<string, string>, update: true }) };
    } };
    return { k, shown };
  };
  const KEY = Symbol.for('flashlm.kernel');
  afterEach(() => { delete (globalThis as Record<symbol, unknown>)[KEY]; });

  test('in the kernel: one display updated in place, throttled, final state on close', () => {
    const { k, shown } = fakeKernel();
    (globalThis as Record<symbol, unknown>)[KEY] = k;
    let now = 0;
    const p = new Progress({ total: 100, label: 'train', now: () => now });
    expect(p.target).toBe('kernel');
    for (let s = 1; s <= 99; s++) { now += 10; p.update(s, { loss: 3 - s / 100, tokensPerS: 12345 }); }
    // 990 ms of steps at ≥250 ms apart: the first step draws, then at most every 25 steps
    expect(p.renders).toBe(4);
    p.close();
    expect(shown.filter((s) => !s.update).length).toBe(1);
    const last = shown[shown.length - 1].bundle;
    expect(last['text/plain']).toBe('train  99%|███████████████████▊| 99/100 [00:01<00:00] loss 2.010 · 12.3k tok/s');
    expect(last['text/html']).toContain('<progress value="99" max="100"');
  });

  test('LiveFigure: redraws in place while its cost stays within 1% of wall time; close() draws the end', () => {
    const { k, shown } = fakeKernel();
    (globalThis as Record<symbol, unknown>)[KEY] = { ...k, display: (v: unknown) => k.display({ fig: v }, { raw: true }) };
    let now = 0;
    let builds = 0;
    const live = new LiveFigure(() => { now += 100; builds++; return new Figure([{ y: [builds] }]); }, { now: () => now });
    const redrawAt: number[] = [];
    for (let s = 1; s <= 600; s++) { now += 1000; if (live.update()) redrawAt.push(now); } // 10 min of 1 s steps
    expect(live.overhead).toBeLessThanOrEqual(0.01);
    expect(live.redraws).toBeGreaterThan(10); // about one redraw per 10 s of training here
    // every redraw was allowed by the budget: cost so far ≤ 1% of the time since start
    redrawAt.forEach((t, i) => expect((i + 2) * 100).toBeLessThanOrEqual(0.01 * t + 100));
    live.close();
    expect(live.overhead).toBeLessThanOrEqual(0.01); // one redraw was kept in reserve for the final one
    expect(shown.filter((x) => !x.update).length).toBe(1);
    expect(shown.length).toBe(live.redraws);
    expect(() => new LiveFigure(() => new Figure(), { budget: 0 })).toThrow(/budget must be in/);
    expect(new LiveFigure(() => new Figure(), { target: 'none' }).update(true)).toBe(false);
  });

  test('progress line format, ETA', () => {
    expect(progressLine({ step: 450, total: 1000, elapsedS: 12, etaS: 15, loss: 2.31, tokensPerS: 36100 })).toBe(' 45%|█████████           | 450/1000 [00:12<00:15] loss 2.310 · 36.1k tok/s');
    expect(() => new Progress({ total: 0, target: 'none' })).toThrow(/total must be a positive integer/);
  });

  test('terminal: cli-progress writes lines to a non-TTY stream', () => {
    const chunks: string[] = [];
    const stream = new (require('stream').Writable)({ write(c: Buffer, _e: string, cb: () => void) { chunks.push(String(c)); cb(); } });
    const p = new Progress({ total: 10, label: 'train', stream, minIntervalMs: 0 });
    expect(p.target).toBe('terminal');
    for (let s = 1; s <= 10; s++) p.update(s, { loss: 1.5, tokensPerS: 2000 });
    p.close();
    expect(chunks.join('')).toMatch(/train 100% \|.*\| 10\/10 .*loss 1\.500 · 2\.0k tok\/s/);
  });
});

describe('metrics plots', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vizplot-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const makeRun = (name: string, offset: number) => {
    const w = MetricsWriter.create(path.join(dir, name, 'metrics.arrow'));
    for (let s = 1; s <= 20; s++) w.logTrain({ step: s, tokens: s * 100, elapsed_s: s / 2, loss: 4 - s / 10 + offset, lr: 1e-3 * Math.min(1, s / 5), tokens_per_s: 1000 + s });
    w.logEval({ step: 20, tokens: 2000, elapsed_s: 10, eval_loss: 2.5 + offset, eval_ppl: Math.exp(2.5 + offset), eval_bits_per_token: (2.5 + offset) / Math.LN2 });
    w.close();
    return path.join(dir, name);
  };

  test('loss maxPoints: long train curves averaged into buckets (the live view draws 1000)', () => {
    const a = makeRun('mp', 0);
    const f = plot.loss(a, { maxPoints: 4 }).toJSON();
    const train = f.data.find((t) => t.name === 'mp train') as { x: number[]; y: number[] };
    expect(train.x).toEqual([3, 8, 13, 18]); // steps 1–5, 6–10, … averaged
    train.y.forEach((y, i) => expect(y).toBeCloseTo(4 - train.x[i] / 10, 5));
    expect(plot.downsample({ x: [1, 2], y: [3, 4] }, 5)).toEqual({ x: [1, 2], y: [3, 4] });
    expect(() => plot.loss(a, { maxPoints: 1 })).toThrow(/maxPoints must be an integer >= 2, got 1/);
  });

  test('loss: train + eval per run, overlaid; x/y choices and smoothing', () => {
    const a = makeRun('a', 0), b = makeRun('b', 0.5);
    const fig = plot.loss([a, readMetrics(path.join(b, 'metrics.arrow'))], { x: 'tokens', y: 'bits' });
    expect(fig.data.map((t) => t.name)).toEqual(['a train', 'a eval', 'run 2 train', 'run 2 eval']);
    expect((fig.data[0].x as number[])[19]).toBe(2000);
    expect((fig.data[0].y as number[])[0]).toBeCloseTo(3.9 / Math.LN2, 5);
    expect((fig.data[1].y as number[])).toEqual([2.5 / Math.LN2]);
    const sm = plot.loss(a, { smooth: 0.9, y: 'ppl' });
    expect(sm.data.length).toBe(3); // raw (faint) + smoothed + eval
    expect((sm.data[1].y as number[])[0]).toBeCloseTo(Math.exp(3.9), 4); // debiased EMA starts at the first value
    expect(() => plot.loss(a, { smooth: 1 })).toThrow(/smooth must be in \[0, 1\)/);
    expect(() => plot.loss(path.join(dir, 'missing'))).toThrow(/has no metrics file/);
  });

  test('lr, throughput, compare (bar + line); a metrics() source', () => {
    const a = makeRun('c', 0), b = makeRun('d', 1);
    expect((plot.lr(a).data[0].y as number[]).slice(0, 6)).toEqual([2e-4, 4e-4, 6e-4, 8e-4, 1e-3, 1e-3].map((v) => expect.closeTo(v, 12)));
    expect(plot.throughput(a).data[0].y).toHaveLength(20);
    const src = { name: 'moe', metrics: () => readMetrics(path.join(b, 'metrics.arrow')) };
    const bar = plot.compare([a, src], 'eval_loss');
    expect(bar.data[0]).toMatchObject({ type: 'bar', x: ['c', 'moe'], y: [2.5, 3.5] });
    const line = plot.compare([a, src], 'loss', { kind: 'line' });
    expect(line.data.map((t) => t.name)).toEqual(['c', 'moe']);
    expect(() => plot.compare([a], 'nope')).toThrow(/has no column 'nope'/);
  });
});
