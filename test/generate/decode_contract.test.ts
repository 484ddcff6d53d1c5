// The decode contract for every registered model (spec B15: generation must run the training forward):
// a prompt prefill then one token at a time through createDecodeState/decode — the way generate() drives
// it, each step inside tidy() under noGrad in eval mode — gives the logits forward() gives on the whole
// sequence. Iterates flashlm.models.list(), so every model that registers itself is covered.
import * as flashlm from '../../lib';
import { Tensor } from '../../lib/tensor/tensor';
import { mulScalar } from '../../lib/ops/elementwise';

const entries = flashlm.models.list();

test('the registry has models to check', () => {
  expect(entries.map((e) => e.name)).toContain('bigram');
});

describe.each(entries.map((e) => [e.name, e] as const))('%s: decode == forward', (name, entry) => {
  test('prefill + one token at a time reproduces forward() logits at every position, for a batch of 2', () => {
    const model = flashlm.models.create(name, entry.testOverrides ?? {}, { seed: 1 });
    model.eval();
    // The v7 family decodes single tokens with an f16 copy of its head by default; the exact head makes
    // this the statement about the decode path alone (the copy's own bound: eclipse_decode.test.ts).
    if (model instanceof flashlm.models.EclipseModel) model.setDecodeHead('f32');
    const { vocabSize: V, contextLength } = model.config;
    const T = Math.min(contextLength, 12);
    const B = 2;
    const ids = new Int32Array(B * T);
    for (let i = 0; i < ids.length; i++) ids[i] = (i * 7919 + 13) % V;
    const full = flashlm.noGrad(() => model.forward(Tensor.from(ids, [B, T], 'i32'))).f32().slice(); // (B, T, V)
    const prefill = Math.min(3, T - 1);
    const state = model.createDecodeState(B, contextLength);
    const got = new Float32Array(B * T * V);
    const feed = (from: number, to: number) =>
      flashlm.noGrad(() =>
        flashlm.tidy(() => {
          const x = new Int32Array(B * (to - from));
          for (let b = 0; b < B; b++) x.set(ids.subarray(b * T + from, b * T + to), b * (to - from));
          const out = model.decode(Tensor.from(x, [B, to - from], 'i32'), state).f32(); // (B, t, V)
          for (let b = 0; b < B; b++) got.set(out.subarray(b * (to - from) * V, (b + 1) * (to - from) * V), (b * T + from) * V);
        }),
      );
    feed(0, prefill);
    expect(state.position).toBe(prefill);
    for (let t = prefill; t < T; t++) feed(t, t + 1);
    expect(state.position).toBe(T);
    state.dispose();
    let scale = 0;
    for (const v of full) scale = Math.max(scale, Math.abs(v));
    let worst = 0;
    let at = -1;
    for (let i = 0; i < full.length; i++) {
      const d = Math.abs(full[i] - got[i]);
      if (d > worst) [worst, at] = [d, i];
    }
    // float rounding only: the same quantized math in another order (atol + |ref|·eps, as the kernels test)
    if (worst > 1e-4 + 1e-4 * scale) throw new Error(`${name}: decode logits differ from forward by ${worst} at (b, t, v) = (${Math.floor(at / (T * V))}, ${Math.floor(at / V) % T}, ${at % V}); max |logit| ${scale}`);
    expect(worst).toBeLessThanOrEqual(1e-4 + 1e-4 * scale);
  });
});

describe.each(entries.map((e) => [e.name, e] as const))('%s: decodeNextInto', (name, entry) => {
  test('the generate loop\'s step (caller buffers) gives decode()\'s logits bit for bit, and advances the state', () => {
    const model = flashlm.models.create(name, entry.testOverrides ?? {}, { seed: 3 });
    model.eval();
    const V = model.config.vocabSize;
    const B = 3;
    const [a, b] = [model.createDecodeState(B, model.config.contextLength), model.createDecodeState(B, model.config.contextLength)];
    const prompt = Tensor.from(Int32Array.from({ length: B * 2 }, (_, i) => (i * 31 + 5) % V), [B, 2], 'i32');
    flashlm.noGrad(() => flashlm.tidy(() => { model.decode(prompt, a); model.decode(prompt, b); }));
    const out = new Float32Array(B * V).fill(NaN);
    for (let step = 0; step < 4; step++) {
      const next = Int32Array.from({ length: B }, (_, i) => (i * 17 + step * 7 + 1) % V);
      const want = flashlm.noGrad(() => flashlm.tidy(() => model.decode(Tensor.from(next, [B, 1], 'i32'), a).f32().slice()));
      model.decodeNextInto(next, b, out);
      expect(out).toEqual(want);
      expect(b.position).toBe(a.position);
    }
  });
});

describe.each(entries.map((e) => [e.name, e] as const))('%s: forward hooks hold in decode', (name, entry) => {
  test('a hook that halves a module\'s output changes the decode logits exactly as it changes forward()\'s', () => {
    const model = flashlm.models.create(name, entry.testOverrides ?? {}, { seed: 6 });
    model.eval();
    if (model instanceof flashlm.models.EclipseModel) model.setDecodeHead('f32'); // the hook is then all that differs
    const { vocabSize: V, contextLength } = model.config;
    const T = Math.min(contextLength, 8);
    const ids = Int32Array.from({ length: 2 * T }, (_, i) => (i * 7919 + 5) % V);
    const forward = () => flashlm.noGrad(() => flashlm.tidy(() => model.forward(Tensor.from(ids, [2, T], 'i32')).f32().slice()));
    const decode = () => {
      const state = model.createDecodeState(2, contextLength);
      const got = new Float32Array(2 * T * V);
      const prompt = Int32Array.from([...ids.subarray(0, 2), ...ids.subarray(T, T + 2)]);
      const rows = flashlm.noGrad(() => flashlm.tidy(() => model.decode(Tensor.from(prompt, [2, 2], 'i32'), state).f32().slice()));
      for (let b = 0; b < 2; b++) got.set(rows.subarray(b * 2 * V, (b + 1) * 2 * V), b * T * V);
      const out = new Float32Array(2 * V);
      for (let t = 2; t < T; t++) {
        model.decodeNextInto(Int32Array.of(ids[t], ids[T + t]), state, out);
        for (let b = 0; b < 2; b++) got.set(out.subarray(b * V, (b + 1) * V), (b * T + t) * V);
      }
      return got;
    };
    // the model, and every module of the top level and of the first block (one hook at a time)
    const hooked = model.namedModules().filter(([n]) => !/^layers\.[1-9]/.test(n));
    expect(hooked.length).toBeGreaterThan(2);
    const plain = forward();
    for (const [moduleName, module] of hooked) {
      if (typeof (Object.getPrototypeOf(module) as { forward?: unknown }).forward !== 'function' || module instanceof flashlm.ModuleList) continue;
      const off = module.registerForwardHook((_m, _inputs, y) => (y instanceof Tensor ? mulScalar(y, 0.5) : undefined));
      try {
        const want = forward();
        const got = decode();
        let scale = 0, worst = 0;
        for (let i = 0; i < want.length; i++) {
          scale = Math.max(scale, Math.abs(want[i]));
          worst = Math.max(worst, Math.abs(got[i] - want[i]));
        }
        expect([moduleName || '(model)', want.some((v, i) => v !== plain[i]), worst <= 1e-4 + 1e-4 * scale]).toEqual([moduleName || '(model)', true, true]);
      } finally {
        off();
      }
    }
  });
});

describe.each(entries.map((e) => [e.name, e] as const))('%s: generate batches', (name, entry) => {
  test('greedy generation of a batch (two prompt lengths) equals each prompt alone', async () => {
    const model = flashlm.models.create(name, entry.testOverrides ?? {}, { seed: 2 });
    const V = model.config.vocabSize;
    const prompts = [[1, 2, 3].map((t) => t % V), [4, 5, 6].map((t) => t % V), [7 % V]];
    const opts = { temperature: 0, maxTokens: 6, stopTokens: [] };
    const batch = await flashlm.generate(model, null, prompts, opts);
    for (let i = 0; i < prompts.length; i++) {
      const alone = await flashlm.generate(model, null, prompts[i], opts);
      expect(batch.outputs[i].tokens).toEqual(alone.outputs[0].tokens);
    }
  });
});
