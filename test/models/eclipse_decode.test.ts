// The fused decode block (native.decodeBlock via lib/models/eclipse_decode.ts) against the op-by-op
// decode it replaces: the same kernels on the same inputs, so logits and KV caches must be equal bit
// for bit, at every ISA, on odd shapes (head dim 6, hidden 37 and dim 36: K blocks that are not a
// multiple of 16, panels that are not full), for a prefill of several tokens and single-token steps,
// at batch 1 and 3. Then the binding's bad-input errors.
import * as flashlm from '../../lib';
import { native } from '../../lib/native';
import type { IsaName } from '../../lib/native/system';
import { setFusedDecode } from '../../lib/models/eclipse_decode';
import { Tensor } from '../../lib/tensor/tensor';
import { expectThrows, withIsa } from '../native/util';

const ISAS = native.info().availableIsas as IsaName[];
const ODD = { vocabSize: 53, contextLength: 24, dim: 36, layers: 2, heads: 3, hidden: 37 };

function ids(B: number, t: number, V: number, seed: number): Tensor {
  const out: number[] = [];
  let s = seed;
  for (let i = 0; i < B * t; i++) { s = (s * 1103515245 + 12345) % 2 ** 31; out.push(s % V); }
  return Tensor.from(out, [B, t], 'i32');
}

/** Logits of a prefill of 5 then 6 single steps, and the caches after, with the fused path on or off. */
function run(model: flashlm.LanguageModel, B: number, fused: boolean): { logits: number[][]; caches: number[][] } {
  const before = setFusedDecode(fused);
  const original = native.decodeBlock;
  let calls = 0;
  native.decodeBlock = (...a) => { calls++; return original(...a); };
  try {
    const state = model.createDecodeState(B, model.config.contextLength);
    const logits: number[][] = [];
    logits.push(Array.from(model.decode(ids(B, 5, model.config.vocabSize, 7), state).f32()));
    for (let i = 0; i < 6; i++) logits.push(Array.from(model.decode(ids(B, 1, model.config.vocabSize, 100 + i), state).f32()));
    const caches = ((state as unknown as { caches: { k: Float32Array; v: Float32Array }[] }).caches)
      .flatMap((c) => [Array.from(c.k), Array.from(c.v)]);
    // The path under test really ran (or really did not): one call per layer and decode.
    expect(calls).toBe(fused ? 7 * (model.config as flashlm.models.EclipseConfig).layers : 0);
    return { logits, caches };
  } finally {
    native.decodeBlock = original;
    setFusedDecode(before);
  }
}

describe('fused decode block', () => {
  for (const isa of ISAS) {
    for (const threads of [1, 2]) {
      test(`${isa}, ${threads} thread(s): equals the op-by-op decode bit for bit (odd shapes, batch 1 and 3)`, () => {
        withIsa(isa, threads, () => {
          const model = flashlm.models.create('bitnet-bench', ODD, { seed: 3 });
          model.eval();
          // α away from 1 and per-layer different, so a mixed-up projection would show.
          model.stateDict().forEach((p, name) => { if (name.endsWith('alpha')) p.f32()[0] = 0.5 + (name.length % 7) / 10; });
          for (const B of [1, 3]) {
            const fused = run(model, B, true), ops = run(model, B, false);
            expect(fused.logits).toEqual(ops.logits);
            expect(fused.caches).toEqual(ops.caches);
          }
        });
      });
    }
  }

  test('a 1000+ wide block (bitnet-bench hidden 768 · 2) matches too', () => {
    const model = flashlm.models.create('bitnet-bench', { ...ODD, dim: 64, heads: 4, hidden: 1030, layers: 1 }, { seed: 5 });
    model.eval();
    const fused = run(model, 1, true), ops = run(model, 1, false);
    expect(fused.logits).toEqual(ops.logits);
  });
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

describe('opt-in bf16 decode head', () => {
  test('f32 by default; bf16 logits stay within the bf16 rounding of the f32 ones and follow weight changes', () => {
    const model = flashlm.models.create('bitnet-bench', { ...ODD, dim: 64, heads: 4, hidden: 96 }, { seed: 9 }) as flashlm.models.EclipseModel;
    model.eval();
    expect(model.decodeHead).toBe('f32');
    const logits = () => {
      const state = model.createDecodeState(1, 8);
      const prefill = Array.from(model.decode(ids(1, 3, ODD.vocabSize, 4), state).f32());
      return [prefill, Array.from(model.decode(ids(1, 1, ODD.vocabSize, 5), state).f32())];
    };
    const [f32Prefill, f32] = logits();
    model.setDecodeHead('bf16');
    const [bf16Prefill, bf16] = logits();
    expect(bf16Prefill).toEqual(f32Prefill); // several rows: the exact f32 head
    // Each logit is Σ_d n_d·E_jd over 64 terms; bf16 moves every E_jd by ≤ 2^-9 relatively.
    const scale = Math.max(...f32.map(Math.abs));
    let worst = 0;
    for (let i = 0; i < f32.length; i++) worst = Math.max(worst, Math.abs(bf16[i] - f32[i]));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(scale * 2 ** -6);
    // A changed embedding (a training step, loadStateDict) must not leave a stale copy behind.
    const E = model.embed_tokens.weight;
    E.f32().fill(0);
    E.markModified();
    expect(logits()[1].every((v) => v === 0)).toBe(true);
    model.setDecodeHead('f32');
    expect(() => model.setDecodeHead('f16' as 'f32')).toThrow(/setDecodeHead: precision must be 'f32' or 'bf16', got f16/);
  });
});
