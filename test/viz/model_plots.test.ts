// plot.routing, plot.attention and plot.activations: the figure data equals quantities computed here
// independently (router softmax by hand from each MoE's input, the model's own attention probabilities,
// block outputs from running the blocks by hand), the errors for models without routers / attention and
// bad arguments, display bundles, and an SVG export of each through Chromium.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import * as flashlm from '../../lib';
import { Embedding } from '../../lib/nn/embedding';
import { Linear } from '../../lib/nn/linear';
import { Module, ModuleList } from '../../lib/nn/module';
import { MoE } from '../../lib/nn/moe';
import { RMSNorm } from '../../lib/nn/rmsnorm';
import { BitLinear } from '../../lib/nn/bitlinear';
import { add } from '../../lib/ops/elementwise';
import { linear } from '../../lib/ops/matmul';
import { Generator } from '../../lib/random';
import { noGrad } from '../../lib/tensor/autograd';
import { Tensor } from '../../lib/tensor/tensor';
import { EclipseModel } from '../../lib/models/eclipse';
import { PLOTLY_MIME, closeBrowser, options } from '../../lib/viz';
import { describeBrowser, requireChromium } from './browser';

const plot = flashlm.plot;
const D = Symbol.for('Jupyter.display');
const bundle = (v: unknown) => (v as Record<symbol, () => Record<string, unknown>>)[D]();
type T = Record<string, any>;

/** A small MoE language model: embedding, blocks of x += MoE(norm x), a linear head. */
class MoEBlock extends Module {
  norm = this.registerModule('norm', new RMSNorm(8));
  moe: MoE;
  constructor(g: Generator, experts: number, topK: number) {
    super();
    this.moe = this.registerModule('moe', new MoE({
      dim: 8, hidden: 12, experts, topK, generator: g,
      makeProjection: (i, o) => new BitLinear(i, o, { quantizer: 'BL-M', generator: g }),
    }));
  }
  forward(x: Tensor): Tensor { return add(x, this.moe.forward(this.norm.forward(x))); }
}
class TinyMoELM extends Module {
  g = new Generator(5);
  embed = this.registerModule('embed', new Embedding(32, 8, { std: 1, generator: this.g }));
  layers = this.registerModule('layers', new ModuleList([new MoEBlock(this.g, 4, 2), new MoEBlock(this.g, 4, 1), new MoEBlock(this.g, 3, 2)]));
  head = this.registerModule('head', new Linear(8, 32, { bias: false, generator: this.g }));
  forward(tokens: Tensor): Tensor {
    let h = this.embed.forward(tokens);
    for (const l of this.layers) h = l.forward(h);
    return this.head.forward(h);
  }
}

const lm = new TinyMoELM();
const tokens = Tensor.from([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7], [2, 7], 'i32');
const eclipse = flashlm.models.create('bitnet-bench', flashlm.models.entry('bitnet-bench').testOverrides) as EclipseModel;
const tok = { decode: (ids: ArrayLike<number>) => `t${ids[0]}`, encode: (s: string) => s.split(' ').map(Number) };

/** Router probabilities (N, E) by hand in float64 from the MoE's input rows. */
function handProbs(m: MoE, x: Float32Array): number[][] {
  const W = (m.router as Linear).weight.f32();
  const d = m.dim, E = m.numExperts;
  const rows: number[][] = [];
  for (let n = 0; n < x.length / d; n++) {
    const l = Array.from({ length: E }, (_, e) => { let s = 0; for (let c = 0; c < d; c++) s += x[n * d + c] * W[e * d + c]; return s; });
    const mx = Math.max(...l);
    const ex = l.map((v) => Math.exp(v - mx));
    const z = ex.reduce((a, b) => a + b, 0);
    rows.push(ex.map((v) => v / z));
  }
  return rows;
}

beforeAll(() => options({ png: false }));
afterAll(() => closeBrowser());

describe('plot.routing', () => {
  // Each MoE's input, captured with forward hooks, for the hand computation.
  const inputs: Float32Array[] = [];
  beforeAll(() => {
    const offs = [...lm.layers].map((b) => b.moe.registerForwardHook((_m, [x]) => void inputs.push((x as Tensor).f32().slice())));
    noGrad(() => lm.forward(tokens));
    offs.forEach((off) => off());
  });

  test('token × expert heatmap per layer = the router softmax; × marks the top-k; load = hard-routed fractions', () => {
    const f = plot.routing(lm, tokens, { batch: 1 }).toJSON();
    const heat = f.data.filter((t: T) => t.type === 'heatmap' && t.name !== 'load') as T[];
    expect(heat.map((h) => h.name)).toEqual(['layers.0.moe', 'layers.1.moe', 'layers.2.moe']);
    expect(heat.map((h) => h.visible)).toEqual([true, false, false]);
    const load = f.data.find((t: T) => t.name === 'load') as T;
    [...lm.layers].forEach((b, li) => {
      const p = handProbs(b.moe, inputs[li]);
      const E = b.moe.numExperts, k = b.moe.topK;
      expect(heat[li].z).toHaveLength(E);
      for (let e = 0; e < E; e++) for (let t = 0; t < 7; t++) expect(heat[li].z[e][t]).toBeCloseTo(p[7 + t][e], 5);
      // hard routing: every token's k best experts by the hand probabilities
      const top = p.map((row) => row.map((v, e) => [v, e]).sort((a, b2) => b2[0] - a[0]).slice(0, k).map(([, e]) => e));
      const marks = f.data[2 * li + 1] as T;
      expect(marks.type).toBe('scatter');
      for (let t = 0; t < 7; t++) expect(marks.y.slice(t * k, t * k + k)).toEqual(top[7 + t]);
      const counts = new Array(4).fill(0);
      for (const row of top) for (const e of row) counts[e]++;
      for (let e = 0; e < 4; e++) {
        if (e < E) expect(load.z[li][e]).toBeCloseTo(counts[e] / 14, 12);
        else expect(load.z[li][e]).toBeNull(); // layer 2 has only 3 experts
      }
      expect(load.z[li].reduce((s: number, v: number | null) => s + (v ?? 0), 0)).toBeCloseTo(k, 12);
    });
    // the selector shows one layer's heatmap and marks, the load always
    const buttons = (f.layout.updatemenus as T[])[0].buttons as T[];
    expect(buttons[1].args[0].visible).toEqual([false, false, true, true, false, false, true]);
  });

  test('layer by path, token labels from a tokenizer, text input', () => {
    const f = plot.routing(lm, '3 1 4 1', { layer: 'layers.2.moe', tokenizer: tok }).toJSON();
    const heat = f.data.filter((t: T) => t.type === 'heatmap' && t.name !== 'load') as T[];
    expect(heat.map((h) => h.visible)).toEqual([false, false, true]);
    expect((f.layout.xaxis as T).ticktext).toEqual(['t3', 't1', 't4', 't1']); // repeated tokens keep their own column
    expect((f.layout.xaxis as T).tickvals).toEqual([0, 1, 2, 3]);
  });

  test('models without routers and bad arguments are clear errors', () => {
    expect(() => plot.routing(eclipse, tokens)).toThrow(/plot.routing: EclipseModel has no routers .*mixture-of-experts/);
    expect(() => plot.routing(lm, tokens, { layer: 3 })).toThrow(/layer must be a router index in \[0, 3\) or one of layers.0.moe/);
    expect(() => plot.routing(lm, tokens, { batch: 2 })).toThrow(/batch must be an integer in \[0, 2\), got 2/);
    expect(() => plot.routing(lm, Tensor.zeros([2, 3]))).toThrow(/tokens must be an i32 tensor, got f32/);
  });

  test('displayable: plotly JSON + text/plain', () => {
    const b = bundle(plot.routing(lm, tokens));
    expect(Object.keys(b).sort()).toEqual([PLOTLY_MIME, 'text/plain'].sort());
  });
});

describe('plot.attention', () => {
  test('heatmap = model.attentionProbs for the layer, head and sequence; mean over heads', () => {
    const x = Tensor.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [2, 5], 'i32');
    const probs = eclipse.attentionProbs(x, 1);
    expect(probs.shape).toEqual([2, 2, 5, 5]);
    const p = probs.f32();
    const f = plot.attention(eclipse, x, { layer: 1, head: 1, batch: 1, tokenizer: tok }).toJSON();
    const z = (f.data[0] as T).z as number[][];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) expect(z[i][j]).toBe(p[((1 * 2 + 1) * 5 + i) * 5 + j]);
    expect(z[0].slice(1)).toEqual([0, 0, 0, 0]); // causal
    expect((f.layout.xaxis as T).ticktext).toEqual(['t6', 't7', 't8', 't9', 't10']);
    expect((f.layout.yaxis as T).autorange).toBe('reversed');
    const m = (plot.attention(eclipse, x, { layer: 1, head: 'mean' }).toJSON().data[0] as T).z as number[][];
    expect(m[3][1]).toBeCloseTo((p[(0 * 5 + 3) * 5 + 1] + p[(1 * 5 + 3) * 5 + 1]) / 2, 7);
  });

  test('models without attention, bad layer and head are clear errors', () => {
    expect(() => plot.attention(lm, tokens)).toThrow(/plot.attention: TinyMoELM has no attention/);
    expect(() => plot.attention(eclipse, tokens, { layer: 2 })).toThrow(/plot.attention: bitnet-bench.attentionProbs: layer must be an integer in \[0, 2\), got 2/);
    expect(() => plot.attention(eclipse, tokens, { layer: -1 })).toThrow(/layer must be a non-negative integer/);
    expect(() => plot.attention(eclipse, tokens, { head: 2 })).toThrow(/head must be an integer in \[0, 2\) or 'mean', got 2/);
  });
});

describe('plot.activations', () => {
  /** The same statistics, written out separately. */
  function hand(d: Float32Array, tol: number) {
    const v = Array.from(d);
    const mean = v.reduce((a, b) => a + b, 0) / v.length;
    const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
    const rms = Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length);
    return { mean, std, rms, absMax: Math.max(...v.map(Math.abs)), fracNearZero: v.filter((a) => Math.abs(a) <= tol).length / v.length };
  }

  test('bitnet-bench (test config): per-block stats equal those of the blocks run by hand', () => {
    const x = Tensor.from(Array.from({ length: 24 }, (_, i) => (i * 7) % 64), [2, 12], 'i32');
    const outs: Float32Array[] = noGrad(() => {
      let h = eclipse.embed_tokens.forward(x);
      return [...eclipse.layers].map((b) => (h = b.forward(h)).f32().slice());
    });
    const f = plot.activations(eclipse, x, { zeroTol: 0.05 }).toJSON();
    const stats = plot.collectActivations(eclipse, x, { zeroTol: 0.05 });
    expect(stats.map((s) => s.name)).toEqual(['layers.0', 'layers.1']);
    stats.forEach((s, i) => {
      const h = hand(outs[i], 0.05);
      expect(s.count).toBe(2 * 12 * 16);
      for (const k of ['mean', 'std', 'rms', 'absMax', 'fracNearZero'] as const) expect(s[k]).toBeCloseTo(h[k], 6);
    });
    const byName = (n: string) => f.data.find((t: T) => t.name === n) as T;
    expect(byName('RMS').y).toEqual(stats.map((s) => s.rms));
    expect(byName('mean (± std)').error_y.array).toEqual(stats.map((s) => s.std));
    expect(byName('|x| ≤ 0.05').y).toEqual(stats.map((s) => s.fracNearZero));
    // the hooks are gone afterwards
    for (const b of eclipse.layers) expect(Object.prototype.hasOwnProperty.call(b, 'forward')).toBe(false);
  });

  test('any model: a bigram (no ModuleList) observes its direct children; named modules; errors', () => {
    const bigram = flashlm.models.create('bigram', flashlm.models.entry('bigram').testOverrides);
    const names = plot.collectActivations(bigram, [1, 2, 3]).map((s) => s.name);
    expect(names).toEqual(['embed', 'norm', 'head']);
    expect(plot.collectActivations(lm, tokens, { modules: ['layers.1.moe'] }).map((s) => s.name)).toEqual(['layers.1.moe']);
    expect(() => plot.activations(lm, tokens, { modules: ['nope'] })).toThrow(/plot.activations: no module 'nope'/);
    expect(() => plot.activations(lm, tokens, { zeroTol: -1 })).toThrow(/zeroTol must be >= 0/);
    expect(Object.keys(bundle(plot.activations(lm, tokens))).sort()).toEqual([PLOTLY_MIME, 'text/plain'].sort());
  });
});

describeBrowser('model figures export (Chromium)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vizmodel-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  beforeAll(() => { requireChromium(); });

  test.each([
    ['routing', () => plot.routing(lm, tokens, { tokenizer: tok }), 'Routing'],
    ['attention', () => plot.attention(eclipse, tokens, { layer: 1 }), 'Attention'],
    ['activations', () => plot.activations(eclipse, tokens), 'Activations'],
  ])('%s saves as SVG of the requested size', (name, make, title) => {
    const f = path.join(dir, `${name}.svg`);
    make().save(f, { width: 640, height: 360 });
    const s = fs.readFileSync(f, 'utf8');
    expect(s.match(/^<svg [^>]*>/)![0]).toMatch(/ width="640"/);
    expect(s).toContain(title);
  });
});
