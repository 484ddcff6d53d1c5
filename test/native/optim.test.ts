// Optim family: AdamW and SGD-momentum against plain-JS PyTorch formulas (float64, and a float32
// emulation in PyTorch's operation order that the kernels must match bit for bit), every ISA vs
// scalar, the global gradient norm (determinism, non-finite guard) and argument errors.
import { native } from '../../lib/native';
import { expectClose, expectThrowsNamed, randomF32, simdIsas, withIsa } from './scanoptim_util';

const f = Math.fround;
interface Adam { lr: number; beta1: number; beta2: number; eps: number; wd: number; scale: number }

// torch.optim.AdamW (_single_tensor_adamw) in float64: the math, no float32 rounding.
function adamwF64(p: Float64Array, g: Float32Array, m: Float64Array, v: Float64Array, h: Adam, t: number): void {
  for (let i = 0; i < p.length; i++) {
    const gi = g[i] * h.scale;
    p[i] *= 1 - h.lr * h.wd;
    m[i] = h.beta1 * m[i] + (1 - h.beta1) * gi;
    v[i] = h.beta2 * v[i] + (1 - h.beta2) * gi * gi;
    const mhat = m[i] / (1 - h.beta1 ** t), vhat = v[i] / (1 - h.beta2 ** t);
    p[i] -= (h.lr * mhat) / (Math.sqrt(vhat) + h.eps);
  }
}

// The same step in float32, op by op in PyTorch's order (Math.fround after every operation is exact
// IEEE float32 arithmetic): mul_, lerp_, mul_.addcmul_, sqrt / bc2 + eps, addcdiv_.
function adamwF32(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, h: Adam, t: number): void {
  const decay = f(1 - h.lr * h.wd), w1 = f(1 - h.beta1), b2 = f(h.beta2), c2 = f(1 - h.beta2);
  const bc2 = f(Math.sqrt(1 - h.beta2 ** t)), eps = f(h.eps), ns = f(-(h.lr / (1 - h.beta1 ** t))), s = f(h.scale);
  for (let i = 0; i < p.length; i++) {
    const gi = s === 1 ? g[i] : f(g[i] * s);
    const pi = f(p[i] * decay);
    const d = f(gi - m[i]);
    m[i] = w1 < 0.5 ? f(m[i] + f(w1 * d)) : f(gi - f(d * f(1 - w1)));
    v[i] = f(f(v[i] * b2) + f(f(c2 * gi) * gi));
    const denom = f(f(f(Math.sqrt(v[i])) / bc2) + eps);
    p[i] = f(pi + f(f(ns * m[i]) / denom));
  }
}

interface Sgd { lr: number; mu: number; damp: number; wd: number; nesterov: boolean; scale: number }

function sgdF64(p: Float64Array, g: Float32Array, buf: Float64Array, h: Sgd, t: number): void {
  for (let i = 0; i < p.length; i++) {
    let gi = g[i] * h.scale + h.wd * p[i];
    if (h.mu !== 0) {
      buf[i] = t === 1 ? gi : h.mu * buf[i] + (1 - h.damp) * gi;
      gi = h.nesterov ? gi + h.mu * buf[i] : buf[i];
    }
    p[i] -= h.lr * gi;
  }
}

function sgdF32(p: Float32Array, g: Float32Array, buf: Float32Array, h: Sgd, t: number): void {
  const s = f(h.scale), wd = f(h.wd), mu = f(h.mu), omd = f(1 - h.damp), nlr = f(-h.lr);
  for (let i = 0; i < p.length; i++) {
    let gi = s === 1 ? g[i] : f(g[i] * s);
    if (wd !== 0) gi = f(gi + f(wd * p[i]));
    if (mu !== 0) {
      buf[i] = t === 1 ? gi : f(f(buf[i] * mu) + f(omd * gi));
      gi = h.nesterov ? f(gi + f(mu * buf[i])) : buf[i];
    }
    p[i] = f(p[i] + f(nlr * gi));
  }
}

const LENGTHS = [1, 7, 15, 16, 17, 31, 33, 1000, 70001]; // 70001 > 2 x 65536-element chunks: threads split it
const STEPS = 6;
// float32 state vs float64 math after a few steps: each step's update carries ~1e-7 relative error.
const F64_ATOL = 1e-6;
const F64_RTOL = 2e-5;

const ADAM_CASES: Adam[] = [
  { lr: 3e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, wd: 0.01, scale: 1 }, // v4 settings
  { lr: 1e-2, beta1: 0.8, beta2: 0.999, eps: 1e-6, wd: 0.1, scale: 0.37 }, // fused clip scale
  { lr: 5e-3, beta1: 0.3, beta2: 0.9, eps: 1e-8, wd: 0, scale: 1 }, // lerp's large-weight branch
];
const SGD_CASES: Sgd[] = [
  { lr: 0.01, mu: 0.9, damp: 0, wd: 0, nesterov: false, scale: 1 }, // v6.1-C
  { lr: 0.05, mu: 0.9, damp: 0, wd: 1e-3, nesterov: true, scale: 0.5 },
  { lr: 0.02, mu: 0.5, damp: 0.1, wd: 0.01, nesterov: false, scale: 1 },
  { lr: 0.1, mu: 0, damp: 0, wd: 0.01, nesterov: false, scale: 1 }, // plain SGD, no buffer
];

function runAdam(n: number, h: Adam, seed: number) {
  const p = randomF32(n, seed), m = new Float32Array(n), v = new Float32Array(n);
  for (let t = 1; t <= STEPS; t++) native.adamwStep(p, randomF32(n, seed + t), m, v, h.lr, h.beta1, h.beta2, h.eps, h.wd, t, h.scale);
  return { p, m, v };
}
function runSgd(n: number, h: Sgd, seed: number) {
  const p = randomF32(n, seed), buf = new Float32Array(n);
  for (let t = 1; t <= STEPS; t++) native.sgdStep(p, randomF32(n, seed + t), h.mu === 0 ? null : buf, h.lr, h.mu, h.damp, h.wd, h.nesterov, t, h.scale);
  return { p, buf };
}
const bitsEqual = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('adamwStep', () => {
  test('scalar kernel: float64 PyTorch math within f32 tolerance, float32 PyTorch op order bit for bit', () => {
    for (const h of ADAM_CASES)
      for (const n of [1, 33, 1000]) {
        const got = withIsa('scalar', 2, () => runAdam(n, h, 100 + n));
        const p64 = Float64Array.from(randomF32(n, 100 + n)), m64 = new Float64Array(n), v64 = new Float64Array(n);
        const p32 = randomF32(n, 100 + n), m32 = new Float32Array(n), v32 = new Float32Array(n);
        for (let t = 1; t <= STEPS; t++) {
          adamwF64(p64, randomF32(n, 100 + n + t), m64, v64, h, t);
          adamwF32(p32, randomF32(n, 100 + n + t), m32, v32, h, t);
        }
        expectClose(got.p, p64, F64_ATOL, F64_RTOL, `p vs f64 ${JSON.stringify(h)}`);
        expectClose(got.m, m64, F64_ATOL, F64_RTOL, 'm vs f64');
        expectClose(got.v, v64, F64_ATOL, F64_RTOL, 'v vs f64');
        expect(bitsEqual(got.p, p32) && bitsEqual(got.m, m32) && bitsEqual(got.v, v32)).toBe(true);
      }
  });

  test('every ISA equals scalar bit for bit at every length, threads 1/2', () => {
    for (const h of ADAM_CASES)
      for (const n of LENGTHS) {
        const want = withIsa('scalar', 1, () => runAdam(n, h, 200 + n));
        for (const isa of simdIsas())
          for (const threads of [1, 2]) {
            const got = withIsa(isa, threads, () => runAdam(n, h, 200 + n));
            const what = `${isa} t${threads} n${n}`;
            expect([what, bitsEqual(got.p, want.p), bitsEqual(got.m, want.m), bitsEqual(got.v, want.v)]).toEqual([what, true, true, true]);
          }
      }
  });

  test('bad arguments throw errors naming the function and argument', () => {
    const a = new Float32Array(8), b = new Float32Array(8), c = new Float32Array(8), d = new Float32Array(8);
    const s = native.adamwStep;
    expectThrowsNamed(() => s(a, new Float64Array(8) as never, c, d, 1e-3, 0.9, 0.95, 1e-8, 0, 1), TypeError, 'adamwStep', 'grad', 'Float32Array');
    expectThrowsNamed(() => s(a, b, new Float32Array(9), d, 1e-3, 0.9, 0.95, 1e-8, 0, 1), RangeError, 'adamwStep', 'm', '8');
    expectThrowsNamed(() => s(a, b, c, new Float32Array(7), 1e-3, 0.9, 0.95, 1e-8, 0, 1), RangeError, 'adamwStep', 'v');
    expectThrowsNamed(() => s(a, b, c, d, 1e-3, 1, 0.95, 1e-8, 0, 1), RangeError, 'adamwStep', 'beta1');
    expectThrowsNamed(() => s(a, b, c, d, 1e-3, 0.9, -0.1, 1e-8, 0, 1), RangeError, 'adamwStep', 'beta2');
    expectThrowsNamed(() => s(a, b, c, d, NaN, 0.9, 0.95, 1e-8, 0, 1), RangeError, 'adamwStep', 'lr');
    expectThrowsNamed(() => s(a, b, c, d, 1e-3, 0.9, 0.95, 1e-8, -1, 1), RangeError, 'adamwStep', 'weightDecay');
    expectThrowsNamed(() => s(a, b, c, d, 1e-3, 0.9, 0.95, 1e-8, 0, 0), RangeError, 'adamwStep', 'step');
    expectThrowsNamed(() => s(a, b, c, d, 1e-3, 0.9, 0.95, 1e-8, 0, 1, Infinity), RangeError, 'adamwStep', 'gradScale');
    expectThrowsNamed(() => s(a, b, a, d, 1e-3, 0.9, 0.95, 1e-8, 0, 1), RangeError, 'adamwStep', 'param and m');
  });
});

describe('sgdStep', () => {
  test('scalar kernel: float64 PyTorch math within f32 tolerance, float32 PyTorch op order bit for bit', () => {
    for (const h of SGD_CASES)
      for (const n of [1, 33, 1000]) {
        const got = withIsa('scalar', 2, () => runSgd(n, h, 300 + n));
        const p64 = Float64Array.from(randomF32(n, 300 + n)), b64 = new Float64Array(n);
        const p32 = randomF32(n, 300 + n), b32 = new Float32Array(n);
        for (let t = 1; t <= STEPS; t++) {
          sgdF64(p64, randomF32(n, 300 + n + t), b64, h, t);
          sgdF32(p32, randomF32(n, 300 + n + t), b32, h, t);
        }
        expectClose(got.p, p64, F64_ATOL, F64_RTOL, `p vs f64 ${JSON.stringify(h)}`);
        expect(bitsEqual(got.p, p32) && bitsEqual(got.buf, b32)).toBe(true);
      }
  });

  test('every ISA equals scalar bit for bit at every length, threads 1/2', () => {
    for (const h of SGD_CASES)
      for (const n of LENGTHS) {
        const want = withIsa('scalar', 1, () => runSgd(n, h, 400 + n));
        for (const isa of simdIsas())
          for (const threads of [1, 2]) {
            const got = withIsa(isa, threads, () => runSgd(n, h, 400 + n));
            const what = `${isa} t${threads} n${n}`;
            expect([what, bitsEqual(got.p, want.p), bitsEqual(got.buf, want.buf)]).toEqual([what, true, true]);
          }
      }
  });

  test('bad arguments throw errors naming the function and argument', () => {
    const p = new Float32Array(4), g = new Float32Array(4);
    expectThrowsNamed(() => native.sgdStep(p, g, null, 0.1, 0.9, 0, 0, false, 1), TypeError, 'sgdStep', 'buf');
    expectThrowsNamed(() => native.sgdStep(p, g, new Float32Array(3), 0.1, 0.9, 0, 0, false, 1), RangeError, 'sgdStep', 'buf', '4');
    expectThrowsNamed(() => native.sgdStep(p, new Float32Array(5), null, 0.1, 0, 0, 0, false, 1), RangeError, 'sgdStep', 'grad');
    expectThrowsNamed(() => native.sgdStep(p, g, null, 0.1, 0, 0, 0, true, 1), RangeError, 'sgdStep', 'nesterov');
    expectThrowsNamed(() => native.sgdStep(p, g, null, 0.1, 0, 0, 0, 'yes' as never, 1), TypeError, 'sgdStep', 'nesterov');
    expectThrowsNamed(() => native.sgdStep(p, g, null, 0.1, 0, 2, 0, false, 1), RangeError, 'sgdStep', 'dampening');
  });
});

describe('globalGradNorm and scaleGrads', () => {
  const lengths = [0, 5, 16384, 40000, 100001]; // empty, tiny, exactly one block, several blocks
  const grads = () => lengths.map((n, i) => randomF32(n, 500 + i, -3, 3));

  test('matches a float64 JS sum of squares, every ISA; bit-identical for threads 1 and 2', () => {
    let want = 0;
    for (const g of grads()) for (const x of g) want += x * x;
    for (const isa of native.info().availableIsas) {
      const one = withIsa(isa, 1, () => native.globalGradNorm(grads()));
      const two = withIsa(isa, 2, () => native.globalGradNorm(grads()));
      expect(two).toEqual(one);
      expect(Math.abs(one.sumSq - want) / want).toBeLessThan(1e-12);
      expect(one.norm).toBe(Math.sqrt(one.sumSq));
      expect(one.nonFiniteIndex).toBe(-1);
    }
    expect(native.globalGradNorm([])).toEqual({ norm: 0, sumSq: 0, nonFiniteIndex: -1 });
  });

  test('reports the first array holding NaN or Inf, every ISA', () => {
    for (const isa of native.info().availableIsas)
      withIsa(isa, 2, () => {
        const g = grads();
        g[3][39999] = NaN;
        g[4][7] = -Infinity;
        const r = native.globalGradNorm(g);
        expect(r.nonFiniteIndex).toBe(3);
        expect(Number.isNaN(r.norm)).toBe(true);
        const h = grads();
        h[1][4] = Infinity; // the masked tail of a 5-element array
        expect(native.globalGradNorm(h)).toMatchObject({ nonFiniteIndex: 1, norm: Infinity });
      });
  });

  test('scaleGrads multiplies every array in place, float32 exact, every ISA', () => {
    for (const isa of native.info().availableIsas)
      withIsa(isa, 2, () => {
        const g = grads();
        native.scaleGrads(g, 0.3);
        const want = grads();
        want.forEach((a) => a.forEach((x, i) => (a[i] = f(x * f(0.3)))));
        g.forEach((a, i) => expect(bitsEqual(a, want[i])).toBe(true));
      });
  });

  test('bad arguments throw errors naming the function and argument', () => {
    expectThrowsNamed(() => native.globalGradNorm(new Float32Array(3) as never), TypeError, 'globalGradNorm', 'grads', 'Array');
    expectThrowsNamed(() => native.globalGradNorm([new Float32Array(2), new Int32Array(2) as never]), TypeError, 'globalGradNorm', 'grads[1]', 'Int32Array');
    expectThrowsNamed(() => native.scaleGrads([new Float32Array(2)], NaN), RangeError, 'scaleGrads', 'scale');
    expectThrowsNamed(() => native.scaleGrads([{} as never], 2), TypeError, 'scaleGrads', 'grads[0]');
  });
});
