// plot.ternary: the code-fraction bars and latent histogram match the layers' own quantization (hand counts),
// thresholds are drawn where the quantizer cuts, the no-BitLinear error, BitLinear's ternary count in the
// Module display tree, and an SVG export smoke check through Chromium.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { Generator, Module } from '../../lib';
import { BitLinear } from '../../lib/nn/bitlinear';
import { Linear } from '../../lib/nn/linear';
import { closeBrowser, options } from '../../lib/viz';
import * as plot from '../../lib/viz/plots';
import { describeBrowser, requireChromium } from './browser';

const D = Symbol.for('Jupyter.display');
const bundle = (v: unknown) => (v as Record<symbol, () => Record<string, unknown>>)[D]();
type T = Record<string, any>;

const g = new Generator(7);
class Block extends Module {
  up = this.registerModule('up', new BitLinear(8, 6, { quantizer: 'BL-T', generator: g }));
}
class Net extends Module {
  blocks = this.registerModule('blocks', new Block());
  head = this.registerModule('head', new BitLinear(6, 4, { quantizer: 'BL-M', generator: g }));
  proj = this.registerModule('proj', new Linear(4, 2, { generator: g }));
}
const net = new Net();
const layers: [string, BitLinear][] = [['blocks.up', net.blocks.up], ['head', net.head]];

/** −1 / 0 / +1 counts straight from the layer's codes. */
function handCount(l: BitLinear): [number, number, number] {
  const c = l.quantized().quant.codes;
  let n = 0, z = 0, p = 0;
  for (const v of c) { if (v < 0) n++; else if (v > 0) p++; else z++; }
  return [n / c.length, z / c.length, p / c.length];
}

beforeAll(() => options({ png: false }));
afterAll(() => closeBrowser());

describe('plot.ternary', () => {
  test('stacked bars per BitLinear, named by path; fractions sum to 1 and match the codes', () => {
    const f = plot.ternary(net).toJSON();
    const bars = f.data.filter((t: T) => t.type === 'bar') as T[];
    expect(bars.map((b) => b.name)).toEqual(['−1', '0', '+1']);
    for (const b of bars) { expect(b.x).toEqual(['blocks.up', 'head']); expect(b.xaxis).toBe('x'); }
    expect(f.layout.barmode).toBe('stack');
    layers.forEach(([, l], i) => {
      const ys = bars.map((b) => b.y[i] as number);
      expect(ys[0] + ys[1] + ys[2]).toBeCloseTo(1, 12);
      const h = handCount(l);
      ys.forEach((y, k) => expect(y).toBeCloseTo(h[k], 12));
    });
    // two subplots side by side
    expect((f.layout.xaxis as T).domain[1]).toBeLessThan((f.layout.xaxis2 as T).domain[0]);
    expect((f.layout.yaxis2 as T).anchor).toBe('x2');
  });

  test('histogram per layer and ±threshold lines where the quantizer cuts', () => {
    const f = plot.ternary(net, { bins: 16 }).toJSON();
    const hist = f.data.filter((t: T) => t.xaxis === 'x2') as T[];
    expect(hist.map((h) => h.name)).toEqual(['blocks.up (BL-T)', 'head (BL-M)']);
    const shapes = f.layout.shapes as T[];
    expect(shapes).toHaveLength(4);
    layers.forEach(([name, l], i) => {
      const s = l.layerQuantStats(name, 16);
      expect(hist[i].x).toHaveLength(16);
      expect((hist[i].y as number[]).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 12);
      const xs = shapes.slice(2 * i, 2 * i + 2).map((sh) => { expect(sh.x0).toBe(sh.x1); expect(sh.xref).toBe('x2'); return sh.x0 as number; });
      expect(xs).toEqual([-s.threshold, s.threshold]);
      // the drawn threshold is where codes become nonzero: |W| > t exactly for the nonzero codes
      const w = l.weight.f32();
      const above = w.filter((v) => Math.abs(v) > s.threshold).length / w.length;
      expect(above).toBeCloseTo(1 - handCount(l)[1], 12);
    });
    const blT = net.blocks.up.layerQuantStats();
    expect(blT.threshold).toBeCloseTo(0.5 * blT.scale, 6); // scaled variant: 0.5·scale
  });

  test('layer option selects one histogram (by path or index); a BitLinear alone works', () => {
    const byName = plot.ternary(net, { layer: 'head' }).toJSON();
    expect(byName.data.filter((t: T) => t.xaxis === 'x2').map((t: T) => t.name)).toEqual(['head (BL-M)']);
    expect(byName.layout.shapes).toHaveLength(2);
    expect(plot.ternary(net, { layer: 0 }).toJSON().data.filter((t: T) => t.xaxis === 'x2').map((t: T) => t.name)).toEqual(['blocks.up (BL-T)']);
    expect(() => plot.ternary(net, { layer: 'nope' })).toThrow("plot.ternary: no BitLinear layer named 'nope' (layers: blocks.up, head)");
    expect(() => plot.ternary(net, { layer: 2 })).toThrow(/layer index 2 out of range \[0, 2\)/);
    const solo = plot.ternary(net.head).toJSON();
    expect(solo.data.find((t: T) => t.type === 'bar')!.x).toEqual(['layer']);
  });

  test('clear errors: no BitLinear layers, not a module', () => {
    expect(() => plot.ternary(new Linear(3, 2, { generator: g }))).toThrow('plot.ternary: Linear has no BitLinear layers (nothing is ternary)');
    expect(() => plot.ternary({} as Module)).toThrow(/plot\.ternary: expected a Module/);
  });

  test('Module display shows BitLinear ternary counts', () => {
    expect(net.head.describe()).toEqual({ ternary: 24 });
    expect(bundle(net)['text/plain']).toBe([
      'Net  82 params (ternary 72)',
      '├─ blocks: Block  48 params (ternary 48)',
      '│  └─ up: BitLinear  48 params (ternary 48)',
      '├─ head: BitLinear  24 params (ternary 24)',
      '└─ proj: Linear  10 params',
      'total 82 parameters (ternary 72)',
    ].join('\n'));
  });
});

describeBrowser('plot.ternary export (Chromium)', () => {
  test("fig.save('x.svg') writes a parseable SVG", () => {
    requireChromium();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vizternary-'));
    try {
      const f = path.join(dir, 'x.svg');
      plot.ternary(net).save(f, { width: 800, height: 360 });
      const s = fs.readFileSync(f, 'utf8');
      expect(s.match(/^<svg [^>]*>/)![0]).toMatch(/ width="800"/);
      expect(s.trim().endsWith('</svg>')).toBe(true);
      expect(s).toContain('Ternary weights');
      expect(s).toContain('blocks.up');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
