// MoE (spec S8 v6.1-PT routing) and its ops: top-k gates renormalised to sum to 1, gatherRows /
// scatterRows, finite differences on the continuous inputs, the forward against a per-token plain-JS
// reference of the same math, what routers report to recordRouting, and errors that name the argument.
import { BitLinear } from '../../lib/nn/bitlinear';
import { Linear } from '../../lib/nn/linear';
import { Module, ModuleList } from '../../lib/nn/module';
import { MoE, findRouters, recordRouting } from '../../lib/nn/moe';
import { gatherRows, scatterRows, topkGates } from '../../lib/ops/routing';
import { Generator } from '../../lib/random';
import { noGrad } from '../../lib/tensor/autograd';
import { Tensor } from '../../lib/tensor/tensor';
import { gradcheck, randomTensor, seededRandom } from '../gradcheck';

/** Probability-like rows whose values are well apart, so a finite-difference step never reorders them. */
function separatedRows(rows: number, E: number, seed: number): Tensor {
  const rand = seededRandom(seed);
  const t = Tensor.empty([rows, E]);
  const d = t.f32();
  for (let r = 0; r < rows; r++) {
    const order = Array.from({ length: E }, (_, e) => e).sort(() => rand() - 0.5);
    order.forEach((e, rank) => (d[r * E + e] = (rank + 1) / (E + 1) + 0.02 * (rand() - 0.5)));
  }
  return t;
}

function moe(opts: { experts?: number; topK?: number; float?: boolean; seed?: number } = {}): MoE {
  const g = new Generator(opts.seed ?? 3);
  return new MoE({
    dim: 6, hidden: 8, experts: opts.experts ?? 4, topK: opts.topK ?? 2, generator: g,
    makeProjection: (i, o) => (opts.float ? new Linear(i, o, { bias: false, generator: g }) : new BitLinear(i, o, { quantizer: 'BL-M', generator: g })),
  });
}

describe('routing ops', () => {
  test('topkGates keeps the k largest, renormalised; experts largest first', () => {
    const p = Tensor.from([0.1, 0.4, 0.2, 0.3, 0.25, 0.25, 0.3, 0.2], [2, 4]);
    const { gates, experts } = topkGates(p, 2);
    expect(Array.from(experts)).toEqual([1, 3, 2, 0]); // row 1: 0.25 tie between 0 and 1 -> lower index first
    const g = gates.toArray();
    [0, 4 / 7, 0, 3 / 7, 0.25 / 0.55, 0, 0.3 / 0.55, 0].forEach((v, i) => expect(g[i]).toBeCloseTo(v, 6));
    expect(topkGates(p, 4).gates.toArray().map((v) => +v.toFixed(6))).toEqual(p.toArray().map((v) => +v.toFixed(6)));
  });

  test.each([1, 2, 3])('gradcheck topkGates k=%i', (k) => {
    const p = separatedRows(5, 4, 10 + k).requiresGrad_();
    gradcheck((x) => topkGates(x, k).gates, [p], { eps: 1e-3 });
  });

  test('gradcheck gatherRows and scatterRows (repeated indices accumulate)', () => {
    const x = randomTensor([5, 3], 1).requiresGrad_();
    const idx = Int32Array.from([4, 0, 4, 2]);
    gradcheck((a) => gatherRows(a, idx), [x]);
    const y = randomTensor([4, 3], 2).requiresGrad_();
    gradcheck((a) => scatterRows(a, idx, 5), [y]);
    const s = scatterRows(Tensor.from([1, 2, 3, 4], [4, 1]), idx, 5).toArray();
    expect(s).toEqual([2, 0, 4, 0, 4]);
  });

  test('errors name the argument', () => {
    expect(() => topkGates(Tensor.zeros([2, 3]), 4)).toThrow(/k must be an integer in \[1, 3\]/);
    expect(() => topkGates(Tensor.zeros([6]), 1)).toThrow(/p must be 2-d/);
    expect(() => gatherRows(Tensor.zeros([2, 3]), Int32Array.from([2]))).toThrow(/index\[0\] = 2 is out of range \[0, 2\)/);
    expect(() => scatterRows(Tensor.zeros([2, 3]), Int32Array.from([0]), 4)).toThrow(/index has 1 entries but y has 2 rows/);
  });
});

describe('MoE', () => {
  /** Per-token reference: softmax in float64, top-k, renormalise, Σ gate·expert(row). */
  function reference(m: MoE, x: Tensor): number[] {
    const [N, d] = [x.size / m.dim, m.dim];
    const W = (m.router as Linear).weight.f32();
    const xd = x.f32();
    const out: number[] = [];
    noGrad(() => {
      for (let n = 0; n < N; n++) {
        const row = Array.from(xd.subarray(n * d, (n + 1) * d));
        const logits = Array.from({ length: m.numExperts }, (_, e) => row.reduce((s, v, c) => s + v * W[e * d + c], 0));
        const mx = Math.max(...logits);
        const ex = logits.map((l) => Math.exp(l - mx));
        const z = ex.reduce((a, b) => a + b, 0);
        const p = ex.map((v) => v / z);
        const chosen = p.map((v, e) => [v, e]).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, m.topK).map(([, e]) => e);
        const s = chosen.reduce((acc, e) => acc + p[e], 0);
        const acc = new Array<number>(d).fill(0);
        for (const e of chosen) {
          const y = m.experts.at(e).forward(Tensor.from(row, [1, d])).toArray();
          y.forEach((v, c) => (acc[c] += (p[e] / s) * v));
        }
        out.push(...acc);
      }
    });
    return out;
  }

  test.each([[4, 2], [4, 1], [3, 3]])('forward equals the per-token reference (E=%i, k=%i), ternary experts', (E, k) => {
    const m = moe({ experts: E, topK: k });
    const x = randomTensor([2, 5, 6], 7);
    const y = noGrad(() => m.forward(x));
    expect(y.shape).toEqual([2, 5, 6]);
    const ref = reference(m, x);
    y.toArray().forEach((v, i) => expect(v).toBeCloseTo(ref[i], 4));
  });

  test('gradcheck on x and the router weight (BL-M experts, STE makes them linear in x)', () => {
    const m = moe({ seed: 5 });
    const x = randomTensor([2, 3, 6], 11).requiresGrad_();
    const w = (m.router as Linear).weight;
    gradcheck((a) => m.forward(a), [x, w], { eps: 1e-3 });
  });

  test('gradcheck on the float experts\' weights', () => {
    const m = moe({ float: true, seed: 8 });
    const x = randomTensor([4, 6], 12);
    const e0 = m.experts.at(0);
    const ws = [e0.gate_proj, e0.up_proj, e0.down_proj].map((l) => (l as Linear).weight);
    gradcheck((a) => m.forward(a), [x, ...ws], { eps: 1e-3 });
  });

  test('parameter names (PyTorch style), active parameters for top-k of E', () => {
    const m = moe();
    const names = m.namedParameters().map(([n]) => n);
    expect(names[0]).toBe('router.weight');
    expect(names).toContain('experts.3.down_proj.weight');
    const expert = m.experts.at(0).numParameters();
    expect(m.activeParameters()).toBe(m.numParameters() - 2 * expert);
  });

  test('recordRouting finds every router and reports its probabilities and choices', () => {
    class Net extends Module {
      blocks = this.registerModule('blocks', new ModuleList([moe({ seed: 1 }), moe({ seed: 2, topK: 1 })]));
      forward(x: Tensor): Tensor {
        let h = x;
        for (const b of this.blocks) h = b.forward(h);
        return h;
      }
    }
    const net = new Net();
    expect(findRouters(net).map(([p]) => p)).toEqual(['blocks.0', 'blocks.1']);
    const x = randomTensor([2, 3, 6], 4);
    const recs = recordRouting(net, () => net.forward(x));
    expect(recs.map((r) => [r.path, r.topK, r.shape])).toEqual([['blocks.0', 2, [2, 3]], ['blocks.1', 1, [2, 3]]]);
    const b0 = net.blocks.at(0);
    const p = noGrad(() => b0.routerProbs(x.reshape([6, 6]))).toArray();
    Array.from(recs[0].probs).forEach((v, i) => expect(v).toBeCloseTo(p[i], 6));
    for (let n = 0; n < 6; n++) {
      const row = p.slice(n * 4, n * 4 + 4);
      const best = row.indexOf(Math.max(...row));
      expect(recs[0].experts[n * 2]).toBe(best);
    }
    expect(b0.routingRecorder).toBeNull(); // removed after the probe
    expect(recordRouting(new Linear(2, 2, { generator: new Generator(0) }), () => 0)).toEqual([]);
  });

  test('errors name the option', () => {
    const g = new Generator(0);
    const make = (i: number, o: number) => new Linear(i, o, { generator: g });
    expect(() => new MoE({ dim: 4, hidden: 4, experts: 2, topK: 3, makeProjection: make, generator: g })).toThrow(/topK \(3\) must be at most options.experts \(2\)/);
    expect(() => new MoE({ dim: 0, hidden: 4, experts: 2, topK: 1, makeProjection: make, generator: g })).toThrow(/options.dim must be a positive integer/);
    expect(() => moe().forward(Tensor.zeros([2, 5]))).toThrow(/x must be \(\.\.\., dim = 6\)/);
  });
});
