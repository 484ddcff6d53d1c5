// The fused decode paths (lib/models/eclipse_decode.ts: the whole step, native.decodeStep over a plan;
// one block, native.decodeBlock) against the op-by-op decode they replace: the same kernels on the same
// inputs, so logits and KV caches must be equal bit for bit, at every ISA, on odd shapes (head dim 6,
// hidden 37 and dim 36: K blocks that are not a multiple of 16, panels that are not full), for a
// prefill of several tokens and single-token steps, at batch 1 and 3. Then the plan's rebuilds when
// weights change, and the bindings' bad-input errors.
import * as flashlm from '../../lib';
import { native } from '../../lib/native';
import type { IsaName } from '../../lib/native/system';
import { DecodePath, setDecodePath } from '../../lib/models/eclipse_decode';
import { Tensor } from '../../lib/tensor/tensor';
import { mulScalar } from '../../lib/ops/elementwise';
import { expectThrows, withIsa } from '../native/util';

const ISAS = native.info().availableIsas as IsaName[];
const ODD = { vocabSize: 53, contextLength: 24, dim: 36, layers: 2, heads: 3, hidden: 37 };

function ids(B: number, t: number, V: number, seed: number): Tensor {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < B * t; i++) { s = (s * 1103515245 + 12345) % 2 ** 31; out.push(s % V); }
  return Tensor.from(out, [B, t], 'i32');
}

/** Logits of a prefill of 5 then 6 single steps, and the caches after, on one decode path. */
function run(model: flashlm.LanguageModel, B: number, path: DecodePath): { logits: number[][]; caches: number[][] } {
  const before = setDecodePath(path);
  const [block, step] = [native.decodeBlock, native.decodeStep];
  let blockCalls = 0, stepCalls = 0;
  native.decodeBlock = (...a) => { blockCalls++; return block(...a); };
  native.decodeStep = (...a) => { stepCalls++; return step(...a); };
  try {
    const state = model.createDecodeState(B, model.config.contextLength);
    const logits: number[][] = [];
    logits.push(Array.from(model.decode(ids(B, 5, model.config.vocabSize, 7), state).f32()));
    for (let i = 0; i < 6; i++) logits.push(Array.from(model.decode(ids(B, 1, model.config.vocabSize, 100 + i), state).f32()));
    const caches = ((state as unknown as { caches: { k: Float32Array; v: Float32Array }[] }).caches)
      .flatMap((c) => [Array.from(c.k), Array.from(c.v)]);
    // The path under test really ran: one step call per decode, or one block call per layer and decode.
    expect(stepCalls).toBe(path === 'model' ? 7 : 0);
    expect(blockCalls).toBe(path === 'block' ? 7 * (model.config as flashlm.models.EclipseConfig).layers : 0);
    return { logits, caches };
  } finally {
    [native.decodeBlock, native.decodeStep] = [block, step];
    setDecodePath(before);
  }
}

describe('fused decode paths', () => {
  for (const isa of ISAS) {
    for (const threads of [1, 2]) {
      test(`${isa}, ${threads} thread(s): whole step and per block equal the op-by-op decode bit for bit (odd shapes, batch 1 and 3)`, () => {
        withIsa(isa, threads, () => {
          const model = flashlm.models.create('bitnet-bench', ODD, { seed: 3 });
          model.eval();
          // α away from 1 and per-layer different, so a mixed-up projection would show.
          model.stateDict().forEach((p, name) => { if (name.endsWith('alpha')) p.f32()[0] = 0.5 + (name.length % 7) / 10; });
          for (const B of [1, 3]) {
            const ops = run(model, B, 'ops');
            for (const path of ['model', 'block'] as const) {
              const fused = run(model, B, path);
              expect(fused.logits).toEqual(ops.logits);
              expect(fused.caches).toEqual(ops.caches);
            }
          }
        });
      });
    }
  }

  test('a 1000+ wide block (bitnet-bench hidden 768 · 2) matches too', () => {
    const model = flashlm.models.create('bitnet-bench', { ...ODD, dim: 64, heads: 4, hidden: 1030, layers: 1 }, { seed: 5 });
    model.eval();
    const ops = run(model, 1, 'ops');
    expect(run(model, 1, 'model').logits).toEqual(ops.logits);
    expect(run(model, 1, 'block').logits).toEqual(ops.logits);
  });

  test('the whole-step plan follows weight changes between steps (a training step, loadStateDict)', () => {
    const model = flashlm.models.create('bitnet-bench', ODD, { seed: 4 }) as flashlm.models.EclipseModel;
    model.eval();
    const steps = (path: DecodePath, edit = true) => {
      const before = setDecodePath(path);
      try {
        const state = model.createDecodeState(1, 8);
        const out = [Array.from(model.decode(ids(1, 2, ODD.vocabSize, 1), state).f32())];
        // Change one projection's latent weights, an alpha, a norm and the embedding mid-sequence.
        const edits: Array<[flashlm.Tensor, number]> = [
          [(model.layers.at(1).mlp.up_proj as flashlm.BitLinear).weight, -0.3], [(model.layers.at(0).attn.v_proj as flashlm.BitLinear).alpha!, 0.7],
          [model.layers.at(0).mlp_norm.weight, 1.5], [model.norm.weight, 0.9], [model.embed_tokens.weight, 0.25],
        ];
        for (const [p, v] of edits) {
          const saved = p.f32().slice();
          if (edit) p.f32().fill(v);
          p.markModified();
          out.push(Array.from(model.decode(ids(1, 1, ODD.vocabSize, 2), state).f32()));
          p.f32().set(saved);
          p.markModified();
        }
        return out;
      } finally {
        setDecodePath(before);
      }
    };
    const ops = steps('ops');
    expect(steps('model')).toEqual(ops);
    // Each edit really changed that step's logits, so a stale plan could not have passed.
    const unedited = steps('ops', false);
    for (let i = 1; i < ops.length; i++) expect(ops[i]).not.toEqual(unedited[i]);
  });

  test.each(['bf16', 'f32'] as const)('the %s head (the default f16 is above): the whole step and per block equal the op-by-op decode', (head) => {
    const model = flashlm.models.create('bitnet-bench', { ...ODD, dim: 64, heads: 4, hidden: 96 }, { seed: 9 }) as flashlm.models.EclipseModel;
    model.eval();
    model.setDecodeHead(head);
    for (const B of [1, 3]) {
      const ops = run(model, B, 'ops');
      expect(run(model, B, 'model').logits).toEqual(ops.logits);
      expect(run(model, B, 'block').logits).toEqual(ops.logits);
    }
  });
});

describe('native.decodePlan / decodeStep bad input', () => {
  const model = flashlm.models.create('bitnet-bench', ODD, { seed: 2 }) as flashlm.models.EclipseModel;
  model.eval();
  const { dim, layers, heads, hidden, vocabSize } = ODD, cap = 8;
  type PlanArgs = Parameters<typeof native.decodePlan>;
  const planArgs = (): PlanArgs => {
    const blocks = [...model.layers];
    const projections = blocks.flatMap((b) => [b.attn.q_proj, b.attn.k_proj, b.attn.v_proj, b.attn.o_proj, b.mlp.gate_proj, b.mlp.up_proj, b.mlp.down_proj] as flashlm.BitLinear[]);
    const caches = blocks.map(() => new flashlm.KVCache(1, cap, dim));
    const cos = new Float32Array((cap * dim) / heads / 2), sin = new Float32Array((cap * dim) / heads / 2);
    native.ropeTable(cos, sin, cap, dim / heads, 10000);
    return [
      model.embed_tokens.weight.f32(), null, 'f16', model.norm.weight.f32(), 1e-6, blocks.map((b) => b.attn_norm.weight.f32()),
      blocks.map((b) => b.mlp_norm.weight.f32()), projections.map((p) => p.quantized().packed!), projections.map((p) => p.quantized().quant.scale),
      Float32Array.from(projections, (p) => p.alpha!.f32()[0]), caches.map((c) => c.k), caches.map((c) => c.v), cos, sin,
      1, heads, hidden, cap, 1e-6, 1e-5, 1 / Math.sqrt(dim / heads),
    ];
  };
  const plan = (edit: (a: PlanArgs) => void = () => {}) => { const a = planArgs(); edit(a); return native.decodePlan(...a); };

  test('a good plan steps, and the tokens, positions and logits are checked', () => {
    const p = plan();
    const logits = new Float32Array(vocabSize);
    native.decodeStep(p, Int32Array.of(3), 1, 0, logits);
    expect(logits.some((v) => v !== 0)).toBe(true);
    expectThrows(() => native.decodeStep({} as never, Int32Array.of(3), 1, 1, logits), 'TypeError', /decodeStep: plan must come from decodePlan/);
    expectThrows(() => native.decodeStep(p, Int32Array.of(vocabSize), 1, 1, logits), 'RangeError', /tokens\[0\] = 53 is not in \[0, 53\)/);
    expectThrows(() => native.decodeStep(p, Int32Array.of(-1), 1, 1, logits), 'RangeError', /tokens\[0\] = -1/);
    expectThrows(() => native.decodeStep(p, Int32Array.of(1, 2), 1, 1, logits), 'RangeError', /tokens must hold batch·t = 1 ids, got 2/);
    expectThrows(() => native.decodeStep(p, Int32Array.of(1), 1, cap, logits), 'RangeError', /start \+ t \(9\) exceeds capacity \(8\)/);
    expectThrows(() => native.decodeStep(p, Int32Array.of(1), 1, 1, new Float32Array(vocabSize - 1)), 'RangeError', /logits must have at least 53/);
    const a = planArgs(), shared = native.decodePlan(...a);
    expectThrows(() => native.decodeStep(shared, Int32Array.of(1), 1, 1, a[10][1].subarray(0, vocabSize)), 'RangeError', /logits must not share memory/);
    expectThrows(() => native.decodeStep(p, Int32Array.of(1), 1, 1, model.embed_tokens.weight.f32().subarray(0, vocabSize)), 'RangeError', /logits must not share memory/);
    // A NaN reaching an activation a BL-B158 layer quantizes is an error, as in quantizeActivationsI8.
    const nan = planArgs();
    nan[5][1] = new Float32Array(dim).fill(NaN);
    expectThrows(() => native.decodeStep(native.decodePlan(...nan), Int32Array.of(1), 1, 0, logits), 'RangeError', /decodeStep: an activation to be quantized is not finite/);
  });
  test.each<[string, (a: PlanArgs) => void, 'TypeError' | 'RangeError', RegExp]>([
    ['embed not a multiple of dim', (a) => { a[0] = new Float32Array(dim * 3 + 1); }, 'RangeError', /embed must hold vocab × dim \(dim = finalNorm.length = 36\)/],
    ['a short 16-bit head', (a) => { a[1] = new Uint16Array(10); }, 'RangeError', /head16 must have at least/],
    ['an unknown head format', (a) => { (a as unknown[])[2] = 'f8'; }, 'RangeError', /decodePlan: headFormat must be 'f16' or 'bf16', got 'f8'/],
    ['mlpNorms of another length', (a) => { a[6] = a[6].slice(0, 1); }, 'TypeError', /mlpNorms must be an array of 2/],
    ['an attnNorm of another width', (a) => { a[5][1] = new Float32Array(dim + 1); }, 'RangeError', /attnNorms\[1\] and mlpNorms\[1\] must hold dim = 36/],
    ['packed with 13 entries', (a) => { a[7] = a[7].slice(0, 13); }, 'TypeError', /packed must be an array of 14/],
    ['packed[12] of the wrong size', (a) => { a[7][12] = new Uint8Array(3); }, 'RangeError', /packed\[12\] \(up\) must hold ternaryPackedBytes/],
    ['a NaN alpha', (a) => { a[9][11] = NaN; }, 'RangeError', /alpha\[11\] \(gate\) is not finite/],
    ['a short kCache', (a) => { a[10][1] = new Float32Array(cap * dim); }, 'RangeError', /kCaches\[1\] must have at least/],
    ['one cache for two blocks', (a) => { a[11][1] = a[11][0]; }, 'RangeError', /a KV cache shares memory/],
    ['a cache inside the embedding', (a) => { a[11][0] = a[0].subarray(0, cap * dim); }, 'RangeError', /a KV cache shares memory/],
    ['RoPE tables too short', (a) => { a[12] = new Float32Array(3); }, 'RangeError', /cos and sin must cover positions 0 .. capacity − 1/],
    ['no blocks', (a) => { a[5] = []; }, 'RangeError', /at least one block/],
    ['20 arguments', (a) => { a.pop(); }, 'TypeError', /expected 21 arguments/],
  ])('plan: %s', (_name, edit, type, message) => {
    expectThrows(() => plan(edit), type, message);
  });
  test('layers really is 2 here (the messages above count on it)', () => expect(layers).toBe(2));
});

describe('native.decodeBlock bad input', () => {
  const d = 32, F = 48, H = 2, cap = 8;
  const packed = () => [d, d, d, d, F, F, d].map((n, i) => new Uint8Array(native.ternaryPackedBytes(n, i === 6 ? F : d)).fill(0x55));
  const scales = () => Array.from({ length: 7 }, () => new Float32Array([1]));
  const table = native.ropeTable;
  const cos = new Float32Array(cap * 8), sin = new Float32Array(cap * 8);
  table(cos, sin, cap, d / H, 10000);
  type Args = Parameters<typeof native.decodeBlock>;
  const good = (): Args => [
    new Float32Array(d).fill(0.5), new Float32Array(d).fill(1), new Float32Array(d).fill(1), packed(), scales(),
    new Float32Array(7).fill(1), new Float32Array(16 * d), new Float32Array(cap * d), cos, sin, 1, 1, H, F, 0, cap, 1e-6, 1e-5, 0.25,
  ]; // kCache: keys in whole tiles of 16 positions (native.attentionDecode)
  const call = (edit: (a: Args) => void) => () => { const a = good(); edit(a); native.decodeBlock(...a); };

  test('good arguments run, and zero weights leave x unchanged', () => {
    const a = good();
    native.decodeBlock(...a);
    expect(Array.from(a[0])).toEqual(new Array(d).fill(0.5));
  });
  test.each<[string, (a: Args) => void, 'TypeError' | 'RangeError', RegExp]>([
    ['x of the wrong type', (a) => { (a as unknown[])[0] = new Float64Array(d); }, 'TypeError', /decodeBlock: x must be a Float32Array/],
    ['x too short', (a) => { a[0] = new Float32Array(d - 1); }, 'RangeError', /decodeBlock: x/],
    ['mlpNorm of another width', (a) => { a[2] = new Float32Array(d + 1); }, 'RangeError', /mlpNorm must hold dim = attnNorm.length = 32 weights, got 33/],
    ['packed not an array of 7', (a) => { a[3] = a[3].slice(0, 6); }, 'TypeError', /packed must be an array of 7/],
    ['packed[4] of the wrong size', (a) => { a[3][4] = new Uint8Array(10); }, 'RangeError', /packed\[4\] \(gate\) must hold ternaryPackedBytes/],
    ['wScale[6] with 2 values', (a) => { a[4][6] = new Float32Array(2); }, 'RangeError', /wScale\[6\] \(down\) must have 1 or 32/],
    ['a NaN weight scale', (a) => { a[4][1] = new Float32Array([NaN]); }, 'RangeError', /wScale\[1\] \(k\)\[0\] is not finite/],
    ['an infinite alpha', (a) => { a[5][2] = Infinity; }, 'RangeError', /alpha\[2\] \(v\) is not finite/],
    ['heads not dividing dim evenly', (a) => { a[12] = 3; }, 'RangeError', /heads \(3\) must divide dim/],
    ['start + t past capacity', (a) => { a[14] = cap; }, 'RangeError', /start \+ t \(9\) exceeds capacity \(8\)/],
    ['a RoPE table too short', (a) => { a[8] = new Float32Array(4); }, 'RangeError', /cos and sin must cover/],
    ['kCache too short', (a) => { a[6] = new Float32Array(d); }, 'RangeError', /kCache/],
    ['x sharing memory with vCache', (a) => { a[0] = a[7].subarray(0, d); }, 'RangeError', /must not share memory/],
    ['actEps 0', (a) => { a[17] = 0; }, 'RangeError', /actEps must be > 0/],
    ['a NaN in x', (a) => { a[0][3] = NaN; }, 'RangeError', /activation to be quantized is not finite/],
    ['18 arguments', (a) => { a.pop(); }, 'TypeError', /expected 19 arguments/],
  ])('%s', (_name, edit, type, message) => {
    expectThrows(call(edit), type, message);
  });
});

describe('forward hooks hold during decode (ablations and probes see generation too)', () => {
  type Pick = (m: flashlm.models.EclipseModel) => flashlm.Module;
  const targets: [string, Pick][] = [
    ['a block', (m) => m.layers.at(0)],
    ['an attention', (m) => m.layers.at(1).attn],
    ['an MLP', (m) => m.layers.at(0).mlp],
    ['a projection', (m) => m.layers.at(1).attn.v_proj],
    ['a norm', (m) => m.layers.at(1).mlp_norm],
    ['the final norm', (m) => m.norm],
    ['the embedding', (m) => m.embed_tokens],
    ['the model', (m) => m],
  ];
  test.each(targets)('a hook on %s: every decode path gives forward()\'s logits with the hook', (_name, pick) => {
    const model = flashlm.models.create('bitnet-bench', ODD, { seed: 4 }) as flashlm.models.EclipseModel;
    model.eval();
    model.setDecodeHead('f32'); // decode == forward up to float rounding, so the hook is all that differs
    const V = ODD.vocabSize, T = 8;
    const tokens = ids(2, T, V, 11);
    const forward = () => Array.from(flashlm.noGrad(() => model.forward(tokens)).f32());
    const plain = forward();
    const off = pick(model).registerForwardHook((_m, _inputs, y) => mulScalar(y as Tensor, 0.5));
    try {
      const want = forward();
      expect(want).not.toEqual(plain);
      const scale = Math.max(...want.map(Math.abs));
      for (const path of ['model', 'block', 'ops'] as const) {
        const before = setDecodePath(path);
        try {
          const state = model.createDecodeState(2, ODD.contextLength);
          const got = new Float32Array(2 * T * V);
          const put = (rows: Float32Array, from: number, t: number) => {
            for (let b = 0; b < 2; b++) got.set(rows.subarray(b * t * V, (b + 1) * t * V), (b * T + from) * V);
          };
          const x = tokens.i32();
          const prompt = Tensor.from([...x.subarray(0, 3), ...x.subarray(T, T + 3)], [2, 3], 'i32');
          put(flashlm.noGrad(() => model.decode(prompt, state)).f32(), 0, 3);
          for (let t = 3; t < T; t++) {
            const out = new Float32Array(2 * V);
            model.decodeNextInto(Int32Array.of(x[t], x[T + t]), state, out); // the generate loop's entry
            put(out, t, 1);
          }
          let worst = 0;
          for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
          expect([path, worst <= 1e-4 + 1e-4 * scale]).toEqual([path, true]);
        } finally {
          setDecodePath(before);
        }
      }
    } finally {
      off();
    }
    expect(forward()).toEqual(plain);
  });
});

describe('EclipseModel.decodeNextInto bad input', () => {
  const model = flashlm.models.create('bitnet-bench', ODD, { seed: 2 }) as flashlm.models.EclipseModel;
  model.eval();
  const V = ODD.vocabSize;
  test.each<[string, () => void, RegExp]>([
    ['a state from another model', () => model.decodeNextInto(Int32Array.of(1), flashlm.models.create('bigram', { vocabSize: V }).createDecodeState(1, 4), new Float32Array(V)), /state must be a live state from this model/],
    ['a disposed state', () => { const s = model.createDecodeState(1, 4); s.dispose(); model.decodeNextInto(Int32Array.of(1), s, new Float32Array(V)); }, /state must be a live state/],
    ['too many tokens', () => model.decodeNextInto(Int32Array.of(1, 2), model.createDecodeState(1, 4), new Float32Array(2 * V)), /tokens must be an Int32Array of the state's batch \(1\) ids, got 2/],
    ['a short out', () => model.decodeNextInto(Int32Array.of(1), model.createDecodeState(1, 4), new Float32Array(V - 1)), /out must be a Float32Array of batch × vocabSize = 53 logits/],
    ['an id past the vocabulary', () => model.decodeNextInto(Int32Array.of(V), model.createDecodeState(1, 4), new Float32Array(V)), /tokens\[0\] = 53 is not a token id in \[0, 53\)/],
    ['a full state', () => { const s = model.createDecodeState(1, 1); const out = new Float32Array(V); model.decodeNextInto(Int32Array.of(1), s, out); model.decodeNextInto(Int32Array.of(1), s, out); }, /the decode state is full \(capacity 1\)/],
  ])('%s', (_name, call, message) => {
    expect(call).toThrow(message);
  });
});

describe('the decode head precision', () => {
  const make = () => {
    const model = flashlm.models.create('bitnet-bench', { ...ODD, dim: 64, heads: 4, hidden: 96 }, { seed: 9 }) as flashlm.models.EclipseModel;
    model.eval();
    return model;
  };
  /** A prefill of 3 tokens then one single-token step, at batch B: [prefill logits, step logits]. */
  const logits = (model: flashlm.models.EclipseModel, B = 1) => {
    const state = model.createDecodeState(B, 8);
    const prefill = Array.from(model.decode(ids(B, 3, ODD.vocabSize, 4), state).f32());
    return [prefill, Array.from(model.decode(ids(B, 1, ODD.vocabSize, 5), state).f32())];
  };
  const worstDiff = (a: number[], b: number[]) => a.reduce((w, v, i) => Math.max(w, Math.abs(v - b[i])), 0);

  test('f16 by default; f16 and bf16 steps stay within their rounding of the f32 logits, prefills keep f32', () => {
    const model = make();
    expect(model.decodeHead).toBe('f16');
    model.setDecodeHead('f32');
    const [f32Prefill, f32] = logits(model, 2);
    const scale = Math.max(...f32.map(Math.abs));
    // Each logit is Σ_d n_d·E_jd over 64 terms; the copy moves every E_jd by ≤ 2^-11 (f16) or 2^-9 (bf16).
    for (const [head, bound] of [['f16', 2 ** -8], ['bf16', 2 ** -6]] as const) {
      model.setDecodeHead(head);
      expect(model.decodeHead).toBe(head);
      const [prefill, step] = logits(model, 2);
      expect(prefill).toEqual(f32Prefill); // several tokens a step: the f32 head
      const worst = worstDiff(step, f32);
      expect(worst).toBeGreaterThan(0);
      expect(worst).toBeLessThan(scale * bound);
    }
    // f16 keeps 3 more mantissa bits than bf16: its logits sit closer to the f32 ones.
    model.setDecodeHead('f16');
    const f16Worst = worstDiff(logits(model, 2)[1], f32);
    model.setDecodeHead('bf16');
    expect(f16Worst).toBeLessThan(worstDiff(logits(model, 2)[1], f32));
  });

  test('a changed embedding rebuilds the copy', () => {
    const model = make();
    const E = model.embed_tokens.weight;
    logits(model);
    E.f32().fill(0);
    E.markModified(); // a training step or loadStateDict does this
    expect(logits(model)[1].every((v) => v === 0)).toBe(true);
  });

  test('an embedding past f16\'s range decodes with the f32 head, and says so', () => {
    const model = make();
    model.embed_tokens.weight.f32()[5] = 1e5; // f16's largest finite value is 65504
    model.embed_tokens.weight.markModified();
    model.setDecodeHead('f32');
    const exact = logits(model);
    model.setDecodeHead('f16');
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(logits(model)).toEqual(exact);
      expect(logits(model)).toEqual(exact);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toMatch(/1 embedding weights exceed f16's range .* decode reads the f32 head/);
    } finally {
      warn.mockRestore();
    }
    expect(exact[1].every(Number.isFinite)).toBe(true);
  });

  test('bad precisions are refused', () => {
    const model = make();
    expect(() => model.setDecodeHead('f8' as 'f32')).toThrow(/setDecodeHead: precision must be 'f16', 'bf16' or 'f32', got f8/);
    expect(model.decodeHead).toBe('f16');
  });
});
