// Elementwise kernels: every SIMD ISA against the scalar reference (random data, every tail size,
// 1 and 2 threads), the scalar reference and every ISA against a float64 JS oracle of the math
// (including special values and random bit patterns over the whole float range), broadcast binary
// ops against a strided JS loop, and argument errors.
import { native } from '../../lib/native';
import type { UnaryOpName } from '../../lib/native/elementwise';
import { seededRandom } from '../gradcheck';
import { withIsa } from './util';

const ISAS = native.info().availableIsas;
const SIMD_ISAS = ISAS.filter((i) => i !== 'scalar');
const SIZES = [1, 7, 15, 16, 17, 31, 33, 1000, 4099, 70001]; // 70001: above the threading threshold
// SIMD vs scalar reference: the vector exp/log/erfc carry ~2e-7 relative error, doubled when both
// a forward and its derivative combine; atol covers results that are ~0 (near the zeros of silu').
const REL_TOL = 2e-6;
const ABS_TOL = 1e-7;
// Backwards that read y (sigmoid, tanh: 1 - y^2) turn y's ~1.5e-7 error into ~3e-7·|gradOut| absolute.
const BACKWARD_ABS_TOL = 1e-6;
// Whole-range accuracy target against float64 (document in vec_math.inl): relative error where the
// result is a normal float.
const ORACLE_REL = 5e-7;

function randomArray(n: number, seed: number, lo = -8, hi = 8): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

function expectClose(got: Float32Array, want: ArrayLike<number>, rel: number, abs: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const w = want[i], g = got[i];
    if (Number.isNaN(w) && Number.isNaN(g)) continue;
    if (w === g) continue; // equal infinities
    if (!(Math.abs(g - w) <= abs + rel * Math.abs(w))) {
      throw new Error(`${what}: element ${i}: got ${g}, want ${w} (rel ${rel}, abs ${abs})`);
    }
  }
}

// ---- float64 oracle -------------------------------------------------------------------------

function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 3) {
    // erf(x) = 2/sqrt(pi) e^{-x^2} sum (2x^2)^n x / (2n+1)!!: all terms positive, no cancellation.
    let term = x, sum = x;
    for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
  }
  let f = x; // continued fraction for erfc, evaluated from the tail
  for (let k = 80; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const cdf = (x: number) => 0.5 * erfc(-x / Math.SQRT2);
const pdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
const times0 = (x: number, s: number) => (s === 0 ? 0 : x * s); // x*f(x) -> 0 where f underflows

const FORWARD: Record<UnaryOpName, (x: number) => number> = {
  silu: (x) => times0(x, sigmoid(x)),
  gelu: (x) => times0(x, cdf(x)),
  sigmoid,
  tanh: Math.tanh,
  relu: (x) => (x > 0 ? x : Number.isNaN(x) ? x : 0),
  relu2: (x) => (x > 0 ? x * x : Number.isNaN(x) ? x : 0),
  exp: Math.exp,
  log: Math.log,
  neg: (x) => -x,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  square: (x) => x * x,
  affine: (x) => 1.5 * x - 0.25,
};
// d f / d x as a function of x.
const DERIV: Record<UnaryOpName, (x: number) => number> = {
  silu: (x) => { const s = sigmoid(x); return s === 0 ? 0 : s * (1 + x * (1 - s)); },
  gelu: (x) => cdf(x) + times0(x, pdf(x)),
  sigmoid: (x) => sigmoid(x) * (1 - sigmoid(x)),
  tanh: (x) => 1 - Math.tanh(x) ** 2,
  relu: (x) => (x > 0 ? 1 : 0),
  relu2: (x) => (x > 0 ? 2 * x : 0),
  exp: Math.exp,
  log: (x) => 1 / x,
  neg: () => -1,
  sqrt: (x) => 0.5 / Math.sqrt(x),
  rsqrt: (x) => -0.5 * x ** -1.5,
  square: (x) => 2 * x,
  affine: () => 1.5,
};
const OPS = Object.keys(FORWARD) as UnaryOpName[];
const POSITIVE_ONLY = new Set<UnaryOpName>(['log', 'sqrt', 'rsqrt']);

function inputsFor(op: UnaryOpName, n: number, seed: number): Float32Array {
  return POSITIVE_ONLY.has(op) ? randomArray(n, seed, 0.01, 20) : randomArray(n, seed);
}

function forward(op: UnaryOpName, x: Float32Array): Float32Array {
  const y = new Float32Array(x.length);
  native.unaryForward(op, x, y, 1.5, -0.25);
  return y;
}

function backward(op: UnaryOpName, x: Float32Array, g: Float32Array): Float32Array {
  const src = native.unaryBackwardSource[op] === 'y' ? forward(op, x) : native.unaryBackwardSource[op] === 'x' ? x : null;
  const gi = new Float32Array(g.length);
  native.unaryBackward(op, src, g, gi, 1.5);
  return gi;
}

describe('unary ops', () => {
  test.each(OPS)('%s forward and backward: every ISA and thread count matches the scalar reference', (op) => {
    for (const n of SIZES) {
      const x = inputsFor(op, n, n), g = randomArray(n, n + 1, -1, 1);
      const ref = withIsa('scalar', 1, () => [forward(op, x), backward(op, x, g)]);
      for (const isa of SIMD_ISAS) {
        for (const threads of [1, 2]) {
          const [y, gi] = withIsa(isa, threads, () => [forward(op, x), backward(op, x, g)]);
          expectClose(y, ref[0], REL_TOL, ABS_TOL, `${op} forward ${isa} n=${n} threads=${threads}`);
          expectClose(gi, ref[1], REL_TOL, BACKWARD_ABS_TOL, `${op} backward ${isa} n=${n} threads=${threads}`);
        }
      }
    }
  });

  test.each(OPS)('%s: every ISA matches the float64 oracle, value and derivative', (op) => {
    const x = inputsFor(op, 257, 99), g = randomArray(257, 7, -1, 1);
    for (const isa of ISAS) {
      withIsa(isa, 1, () => {
        expectClose(forward(op, x), Array.from(x, (v) => FORWARD[op](v)), 1e-6, 1e-7, `${op} ${isa}`);
        expectClose(backward(op, x, g), Array.from(x, (v, i) => g[i] * DERIV[op](v)), 1e-5, 1e-6, `${op}' ${isa}`);
      });
    }
  });

  test.each(['exp', 'log', 'tanh', 'sigmoid', 'silu', 'gelu'] as UnaryOpName[])(
    '%s: relative error <= 5e-7 over random bit patterns of the whole float range',
    (op) => {
      const r = seededRandom(42);
      const bits = Uint32Array.from({ length: 1 << 16 }, () => Math.floor(r() * 2 ** 32));
      const x = new Float32Array(bits.buffer);
      // Half the points in the interesting range, where the approximations switch branches.
      for (let i = 0; i < x.length / 2; i++) x[i] = (r() * 2 - 1) * 16;
      // Below the smallest normal float the output has fewer bits than the target; silu and gelu
      // reach that sooner, as x·f(x) with f(x) already denormal (|x·f(x)| < 1e-35).
      const tiny = op === 'silu' || op === 'gelu' ? 1e-35 : 1.2e-38;
      for (const isa of ISAS) {
        const y = withIsa(isa, 1, () => forward(op, x));
        for (let i = 0; i < x.length; i++) {
          const want = FORWARD[op](x[i]);
          if (!Number.isFinite(want) || Math.abs(want) < tiny || Math.abs(want) > 3.4e38) {
            if (Number.isNaN(want)) expect(Number.isNaN(y[i])).toBe(true);
            continue;
          }
          const rel = Math.abs(y[i] - want) / Math.abs(want);
          if (!(rel <= ORACLE_REL)) throw new Error(`${op} ${isa} x=${x[i]}: got ${y[i]}, want ${want}, rel ${rel}`);
        }
      }
    },
  );

  test('limits: no overflow to NaN, infinities and NaN handled', () => {
    const x = Float32Array.from([-Infinity, -100, 50, 100, Infinity, NaN]);
    for (const isa of ISAS) {
      withIsa(isa, 1, () => {
        const [sg, sl, th, ge, ex] = (['sigmoid', 'silu', 'tanh', 'gelu', 'exp'] as UnaryOpName[]).map((op) => forward(op, x));
        expect(Array.from(sg.subarray(0, 5))).toEqual([0, expect.any(Number), 1, 1, 1]);
        expect(sg[1]).toBeLessThan(1e-40);
        expect(Object.is(sl[0], -0)).toBe(true);
        expect(sl[1]).toBeLessThanOrEqual(0);
        expect(sl[1]).toBeGreaterThan(-1e-40);
        expect(Array.from(th.subarray(0, 5))).toEqual([-1, -1, 1, 1, 1]);
        expect(ge[0] === 0 && ge[1] === 0 && ge[4] === Infinity).toBe(true);
        expect(Array.from(ex.subarray(0, 5))).toEqual([0, expect.any(Number), Math.fround(Math.exp(50)), Infinity, Infinity]);
        expect(ex[1]).toBe(Math.fround(Math.exp(-100))); // a denormal, rounded once
        for (const y of [sg, sl, th, ge, ex]) expect(Number.isNaN(y[5])).toBe(true);
        const g = new Float32Array(6).fill(1);
        for (const op of ['silu', 'gelu'] as UnaryOpName[]) {
          const d = backward(op, x, g);
          expect(Array.from(d.subarray(0, 5), (v) => v + 0)).toEqual([0, expect.any(Number), 1, 1, 1]); // +0 == -0
          expect(Math.abs(d[1])).toBeLessThan(1e-30);
          expect(Number.isNaN(d[5])).toBe(true);
        }
      });
    }
  });

  test('in place: out may be x, gradIn may be gradOut', () => {
    const x = randomArray(100, 3), want = forward('gelu', x), g = randomArray(100, 4), gwant = backward('gelu', x, g);
    native.unaryForward('gelu', x, x);
    expect(x).toEqual(want);
    const x2 = randomArray(100, 3);
    native.unaryBackward('gelu', x2, g, g);
    expect(g).toEqual(gwant);
  });
});

describe('swiglu', () => {
  test('forward and backward match silu(gate)*up and its gradients on every ISA', () => {
    for (const n of SIZES) {
      const gate = randomArray(n, n), up = randomArray(n, n + 1), g = randomArray(n, n + 2, -1, 1);
      const wantOut = Array.from(gate, (v, i) => FORWARD.silu(v) * up[i]);
      const wantGate = Array.from(gate, (v, i) => g[i] * up[i] * DERIV.silu(v));
      const wantUp = Array.from(gate, (v, i) => g[i] * FORWARD.silu(v));
      for (const isa of ISAS) {
        for (const threads of [1, 2]) {
          withIsa(isa, threads, () => {
            const out = new Float32Array(n), dg = new Float32Array(n), du = new Float32Array(n);
            native.swigluForward(gate, up, out);
            native.swigluBackward(gate, up, g, dg, du);
            // The oracle's products of two f32 inputs are only close to 1e-6 relative, scaled by |up| <= 8.
            expectClose(out, wantOut, 2e-6, 1e-6, `swiglu ${isa} n=${n}`);
            expectClose(dg, wantGate, 2e-6, 1e-6, `swiglu dgate ${isa} n=${n}`);
            expectClose(du, wantUp, 2e-6, 1e-6, `swiglu dup ${isa} n=${n}`);
          });
        }
      }
    }
  });

  test('backward may write its gradients over gate and up', () => {
    const gate = randomArray(50, 1), up = randomArray(50, 2), g = randomArray(50, 3);
    const dg = new Float32Array(50), du = new Float32Array(50);
    native.swigluBackward(gate, up, g, dg, du);
    native.swigluBackward(gate, up, g, gate, up);
    expect(gate).toEqual(dg);
    expect(up).toEqual(du);
  });
});
