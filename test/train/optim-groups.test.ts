// Optimizer parameter groups, no-decay rules by name, per-group lr scale, and state dicts that resume
// bit-exactly (through a safetensors file) for AdamW and SGD.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Tensor } from '../../lib/tensor/tensor';
import { AdamW, SGD } from '../../lib/train/optim';
import { NO_DECAY_V61PT, globToRegExp } from '../../lib/train/optim-groups';
import { readSafetensors, writeSafetensors } from '../../lib/io/safetensors';

type Named = [string, Tensor][];

function makeParams(seed = 1): Named {
  let s = seed;
  const r = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const names: [string, number[]][] = [['embed.weight', [4, 3]], ['layers.0.attn.q_proj.weight', [3, 3]], ['layers.0.attn.q_proj.bias', [3]], ['layers.0.norm1.weight', [3]], ['head.weight', [2, 3]]];
  return names.map(([n, shape]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = Tensor.from(Array.from({ length: size }, r), shape).requiresGrad_();
    t.name = n;
    return [n, t];
  });
}

/** Deterministic pseudo-gradients for step k. */
function setGrads(params: Named, k: number): void {
  params.forEach(([, p], j) => {
    p.grad = Tensor.from(Array.from({ length: p.size }, (_, i) => Math.sin(1.3 * i + 0.7 * j + 0.31 * k) * (1 + j)), p.shape);
  });
}

const bits = (params: Named) => params.map(([, p]) => Array.from(new Uint32Array(p.f32().buffer, p.f32().byteOffset, p.size)));

describe('globs and no-decay rules', () => {
  test('glob semantics: * within a segment, ** across, ? one character', () => {
    expect(globToRegExp('**.bias').test('layers.0.attn.q_proj.bias')).toBe(true);
    expect(globToRegExp('*.bias').test('layers.0.bias')).toBe(false);
    expect(globToRegExp('embed.*').test('embed.weight')).toBe(true);
    expect(globToRegExp('embed.*').test('embed.x.weight')).toBe(false);
    expect(globToRegExp('**norm**').test('layers.0.norm1.weight')).toBe(true);
    expect(globToRegExp('layers.?.x').test('layers.3.x')).toBe(true);
    expect(globToRegExp('a+b').test('a+b')).toBe(true);
  });
  test('AdamW with zero gradients: decayed parameters shrink by lr·wd, no-decay ones stay', () => {
    const params = makeParams();
    const before = params.map(([, p]) => p.toArray());
    const opt = new AdamW(params, { lr: 0.1, weightDecay: 0.5, noDecay: [/bias$/, '**norm**', 'embed.*'] });
    params.forEach(([, p]) => (p.grad = Tensor.zeros(p.shape)));
    opt.step();
    expect(opt.hyper.map((h) => h.weightDecay)).toEqual([0, 0.5, 0, 0, 0.5]);
    params.forEach(([name, p], j) => {
      const decayed = name === 'layers.0.attn.q_proj.weight' || name === 'head.weight';
      p.toArray().forEach((x, i) => expect(x).toBeCloseTo(before[j][i] * (decayed ? 0.95 : 1), 6));
    });
  });
  test('a predicate rule, and the v6.1-PT substring rule', () => {
    const opt = new SGD(makeParams(), { lr: 0.1, weightDecay: 0.1, noDecay: (_, p) => p.ndim < 2 });
    expect(opt.hyper.map((h) => h.weightDecay)).toEqual([0.1, 0.1, 0, 0, 0.1]);
    const pt = new AdamW(makeParams(), { lr: 1e-3, weightDecay: 0.01, noDecay: NO_DECAY_V61PT });
    expect(pt.hyper.map((h) => h.weightDecay)).toEqual([0, 0.01, 0, 0, 0.01]); // "emb" in embed, bias, norm
  });
});

describe('parameter groups', () => {
  test('lrScale multiplies the base lr: same update as an optimizer at lr·scale, bit for bit', () => {
    const a = makeParams(3), b = makeParams(3);
    const grouped = new AdamW([{ params: a.slice(0, 2), lrScale: 0.5, name: 'slow' }, { params: a.slice(2) }], { lr: 0.02, weightDecay: 0.1 });
    const slow = new AdamW(b.slice(0, 2), { lr: 0.01, weightDecay: 0.1 });
    const fast = new AdamW(b.slice(2), { lr: 0.02, weightDecay: 0.1 });
    for (let k = 0; k < 3; k++) {
      setGrads(a, k); setGrads(b, k);
      grouped.step(); slow.step(); fast.step();
    }
    expect(bits(a)).toEqual(bits(b));
    expect(grouped.hyper.map((h) => h.groupName)).toEqual(['slow', 'slow', 'group1', 'group1', 'group1']);
  });
  test('group overrides (weightDecay, betas; SGD momentum) and their checks', () => {
    const opt = new AdamW([{ params: makeParams().slice(0, 1), weightDecay: 0, betas: [0.8, 0.9] }, { params: makeParams().slice(1) }], { lr: 1e-3, weightDecay: 0.1 });
    expect(opt.hyper[0]).toMatchObject({ weightDecay: 0, betas: [0.8, 0.9] });
    expect(opt.hyper[1]).toMatchObject({ weightDecay: 0.1, betas: [0.9, 0.999] });
    const sgd = new SGD([{ params: makeParams().slice(0, 2), momentum: 0 }, { params: makeParams().slice(2) }], { lr: 0.1, momentum: 0.9 });
    expect(sgd.stateDict().tensors.size).toBe(3); // buffers only where momentum != 0
    const p = makeParams();
    expect(() => new AdamW([{ params: p.slice(0, 2) }, { params: p.slice(1) }], { lr: 1 })).toThrow(/'layers.0.attn.q_proj.weight' appears in more than one group/);
    expect(() => new AdamW([{ params: p, weight_decay: 0 } as never], { lr: 1 })).toThrow(/unknown option 'weight_decay'/);
    expect(() => new AdamW([{ params: p, betas: [1, 0.9] }], { lr: 1 })).toThrow(/betas must be two numbers in \[0, 1\)/);
    expect(() => new SGD([{ params: p, lrScale: -1 }], { lr: 1 })).toThrow(/lrScale must be a finite number >= 0/);
    expect(() => new AdamW(p, { lr: 1, noDecay: [3 as unknown as string] })).toThrow(/RegExps or glob strings/);
  });
});

describe('state dicts resume bit-exactly', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optstate-'));
  afterAll(() => fs.rmSync(dir, { recursive: true }));

  function roundTrip(make: (p: Named) => AdamW | SGD, label: string) {
    // uninterrupted: 6 steps
    const ref = makeParams(5);
    const optRef = make(ref);
    for (let k = 0; k < 6; k++) { setGrads(ref, k); optRef.lr = 0.01 * (1 + k); optRef.step(0.9); }
    // interrupted after 3: save params + state to safetensors, rebuild, load, continue
    const a = makeParams(5);
    const optA = make(a);
    for (let k = 0; k < 3; k++) { setGrads(a, k); optA.lr = 0.01 * (1 + k); optA.step(0.9); }
    const file = path.join(dir, `${label}.safetensors`);
    const s = optA.stateDict();
    writeSafetensors(file, s.tensors, s.metadata);
    writeSafetensors(path.join(dir, `${label}-model.safetensors`), new Map(a));
    const b = makeParams(99); // different values: everything must come from the files
    const weights = readSafetensors(path.join(dir, `${label}-model.safetensors`)).tensors;
    b.forEach(([n, p]) => p.f32().set(weights.get(n)!.f32()));
    const optB = make(b);
    optB.loadStateDict(readSafetensors(file));
    expect(optB.stepCount).toBe(3);
    expect(optB.lr).toBe(0.03);
    for (let k = 3; k < 6; k++) { setGrads(b, k); optB.lr = 0.01 * (1 + k); optB.step(0.9); }
    expect(bits(b)).toEqual(bits(ref));
  }

  test('AdamW with groups and no-decay', () => roundTrip((p) => new AdamW([{ params: p.slice(0, 2), lrScale: 0.5 }, { params: p.slice(2) }], { lr: 0.01, betas: [0.9, 0.95], weightDecay: 0.1, noDecay: ['**.bias'] }), 'adamw'));
  test('SGD with momentum and nesterov', () => roundTrip((p) => new SGD(p, { lr: 0.01, momentum: 0.9, weightDecay: 0.01, nesterov: true }), 'sgd'));
  test('the saved state names its tensors and hyper-parameters', () => {
    const opt = new AdamW(makeParams(), { lr: 3e-4, noDecay: ['**.bias'] });
    const s = opt.stateDict();
    expect([...s.tensors.keys()].slice(0, 2)).toEqual(['exp_avg.embed.weight', 'exp_avg.layers.0.attn.q_proj.weight']);
    const meta = JSON.parse(s.metadata['flashlm.optimizer']);
    expect(meta).toMatchObject({ format: 1, type: 'AdamW', stepCount: 0, lr: 3e-4 });
    expect(meta.params[2]).toMatchObject({ name: 'layers.0.attn.q_proj.bias', shape: [3], weightDecay: 0, betas: [0.9, 0.999], lrScale: 1 });
  });
  test('mismatched states are refused before anything is copied', () => {
    const a = new AdamW(makeParams(), { lr: 1e-3 });
    const s = a.stateDict();
    const sgd = new SGD(makeParams(), { lr: 1e-3, momentum: 0.9 });
    expect(() => sgd.loadStateDict(s)).toThrow(/the state is for AdamW, not SGD/);
    const fewer = new AdamW(makeParams().slice(1), { lr: 1e-3 });
    expect(() => fewer.loadStateDict(s)).toThrow(/parameters do not match \(missing: none; unexpected: embed.weight\)/);
    expect(() => a.loadStateDict({ tensors: s.tensors, metadata: {} })).toThrow(/metadata\['flashlm.optimizer'\] is missing/);
    const wrongShape = new Map(s.tensors);
    wrongShape.set('exp_avg.head.weight', Tensor.zeros([3, 2]));
    const b = new AdamW(makeParams(), { lr: 1e-3 });
    b.stepCount = 7;
    expect(() => b.loadStateDict({ tensors: wrongShape, metadata: s.metadata })).toThrow(/'exp_avg.head.weight' is f32 \(3, 2\), expected f32 \(2, 3\)/);
    expect(b.stepCount).toBe(7);
    const extra = new Map(s.tensors);
    extra.set('junk', Tensor.zeros([1]));
    expect(() => b.loadStateDict({ tensors: extra, metadata: s.metadata })).toThrow(/unexpected tensor 'junk'/);
  });
});
