// Native causal attention and RoPE: the scalar reference against a plain float64 JS version of the
// math (itself checked by finite differences), every SIMD ISA against the scalar reference on odd
// shapes at 1 and 2 threads, and argument checking (errors name the function and argument).
import { native } from '../../lib/native';
import type { IsaName } from '../../lib/native/system';
import { expectThrows, rng } from './util';

// fp32 kernels vs float64 math; scores ~ N(0, 1), outputs O(1): error ~ 1e-6 per term, grows ~√T.
const FWD_ATOL = 2e-5;
const FWD_RTOL = 1e-4;
// Gradients sum T products of O(1) terms, so allow one more order of magnitude.
const BWD_ATOL = 2e-4;
const BWD_RTOL = 1e-3;

function randn(n: number, seed: number, sd = 1): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = sd * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  return a;
}

function expectClose(name: string, got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number) {
  expect(got.length).toBe(want.length);
  let worst = -Infinity, at = -1;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i] - want[i]) - (atol + rtol * Math.abs(want[i]));
    if (!(excess <= worst) || Number.isNaN(got[i])) (worst = Number.isNaN(got[i]) ? Infinity : excess), (at = i);
  }
  if (worst > 0) throw new Error(`${name}: element ${at} got ${got[at]}, want ${want[at]} (atol ${atol}, rtol ${rtol})`);
}

type Shape = { B: number; T: number; H: number; D: number };
const idx = (s: Shape, b: number, t: number, h: number, d: number) => ((b * s.T + t) * s.H + h) * s.D + d;

// Naive float64 attention: P = softmax(q·kᵀ·scale + causal mask), o = P·v, lse = logsumexp.
function refForward(s: Shape, q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, scale: number) {
  const { B, T, H, D } = s;
  const o = new Float64Array(B * T * H * D), lse = new Float64Array(B * H * T), P = new Float64Array(B * H * T * T);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        const row = ((b * H + h) * T + i) * T;
        let m = -Infinity;
        for (let j = 0; j <= i; j++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[idx(s, b, i, h, d)] * k[idx(s, b, j, h, d)];
          P[row + j] = dot * scale;
          m = Math.max(m, P[row + j]);
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) sum += Math.exp(P[row + j] - m);
        for (let j = 0; j <= i; j++) P[row + j] = Math.exp(P[row + j] - m) / sum;
        lse[(b * H + h) * T + i] = m + Math.log(sum);
        for (let d = 0; d < D; d++) {
          let acc = 0;
          for (let j = 0; j <= i; j++) acc += P[row + j] * v[idx(s, b, j, h, d)];
          o[idx(s, b, i, h, d)] = acc;
        }
      }
  return { o, lse, P };
}

// Analytic gradients of sum(o ⊙ dout): dS_ij = P_ij (dP_ij − Σ_k P_ik dP_ik), dP_ij = dout_i·v_j.
function refBackward(s: Shape, q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>,
  dout: ArrayLike<number>, scale: number) {
  const { B, T, H, D } = s;
  const { P } = refForward(s, q, k, v, scale);
  const n = B * T * H * D;
  const dq = new Float64Array(n), dk = new Float64Array(n), dv = new Float64Array(n);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < T; i++) {
        const row = ((b * H + h) * T + i) * T;
        const dP = new Float64Array(i + 1);
        let delta = 0;
        for (let j = 0; j <= i; j++) {
          for (let d = 0; d < D; d++) dP[j] += dout[idx(s, b, i, h, d)] * v[idx(s, b, j, h, d)];
          delta += P[row + j] * dP[j];
        }
        for (let j = 0; j <= i; j++) {
          const dS = P[row + j] * (dP[j] - delta) * scale;
          for (let d = 0; d < D; d++) {
            dv[idx(s, b, j, h, d)] += P[row + j] * dout[idx(s, b, i, h, d)];
            dq[idx(s, b, i, h, d)] += dS * k[idx(s, b, j, h, d)];
            dk[idx(s, b, j, h, d)] += dS * q[idx(s, b, i, h, d)];
          }
        }
      }
  return { dq, dk, dv };
}

function refRope(s: Shape, x: ArrayLike<number>, base: number, pos0: number, inverse: boolean): Float64Array {
  const { B, T, H, D } = s, half = D / 2;
  const y = new Float64Array(B * T * H * D);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let h = 0; h < H; h++)
        for (let i = 0; i < half; i++) {
          const a = (pos0 + t) * Math.pow(base, (-2 * i) / D), c = Math.cos(a), sn = (inverse ? -1 : 1) * Math.sin(a);
          const x1 = x[idx(s, b, t, h, i)], x2 = x[idx(s, b, t, h, i + half)];
          y[idx(s, b, t, h, i)] = x1 * c - x2 * sn;
          y[idx(s, b, t, h, i + half)] = x2 * c + x1 * sn;
        }
  return y;
}

function inputs(s: Shape, seed: number) {
  const n = s.B * s.T * s.H * s.D;
  return { q: randn(n, seed), k: randn(n, seed + 1), v: randn(n, seed + 2), dout: randn(n, seed + 3) };
}

function runForward(s: Shape, q: Float32Array, k: Float32Array, v: Float32Array, scale: number) {
  const o = new Float32Array(q.length), lse = new Float32Array(s.B * s.H * s.T);
  native.attentionForward(q, k, v, o, lse, s.B, s.T, s.H, s.D, scale);
  return { o, lse };
}
function runBackward(s: Shape, x: ReturnType<typeof inputs>, scale: number) {
  const { o, lse } = runForward(s, x.q, x.k, x.v, scale);
  const n = x.q.length;
  const dq = new Float32Array(n).fill(NaN), dk = new Float32Array(n).fill(NaN), dv = new Float32Array(n).fill(NaN);
  native.attentionBackward(x.q, x.k, x.v, o, lse, x.dout, dq, dk, dv, s.B, s.T, s.H, s.D, scale);
  return { o, lse, dq, dk, dv };
}

const isas = native.info().availableIsas as IsaName[];
const simdIsas = isas.filter((i) => i !== 'scalar');
const saved = { isa: native.info().isa, threads: native.info().threads };
afterEach(() => {
  native.setIsa(saved.isa);
  native.setThreads(saved.threads);
});

describe('float64 JS reference', () => {
  test('analytic gradients match central differences', () => {
    const s = { B: 1, T: 4, H: 2, D: 3 }, scale = 0.7;
    const x = inputs(s, 5);
    const [q, k, v] = [Float64Array.from(x.q), Float64Array.from(x.k), Float64Array.from(x.v)];
    const g = refBackward(s, q, k, v, x.dout, scale);
    const loss = () => refForward(s, q, k, v, scale).o.reduce((acc, oi, i) => acc + oi * x.dout[i], 0);
    const eps = 1e-6;
    for (const [arr, grad] of [[q, g.dq], [k, g.dk], [v, g.dv]] as const)
      for (let i = 0; i < arr.length; i++) {
        const keep = arr[i];
        arr[i] = keep + eps;
        const up = loss();
        arr[i] = keep - eps;
        const down = loss();
        arr[i] = keep;
        expect(Math.abs((up - down) / (2 * eps) - grad[i])).toBeLessThan(1e-7);
      }
  });
});

describe('scalar reference vs float64 math', () => {
  const shapes: Shape[] = [
    { B: 1, T: 1, H: 1, D: 1 }, { B: 1, T: 7, H: 2, D: 8 }, { B: 2, T: 17, H: 3, D: 32 },
    { B: 1, T: 33, H: 1, D: 64 }, { B: 2, T: 100, H: 2, D: 8 }, { B: 1, T: 5, H: 3, D: 3 },
  ];
  test.each(shapes)('forward and backward %o', (s) => {
    native.setIsa('scalar');
    const x = inputs(s, s.T * 7 + s.D);
    const scale = 1 / Math.sqrt(s.D);
    const want = refForward(s, x.q, x.k, x.v, scale);
    const wantG = refBackward(s, x.q, x.k, x.v, x.dout, scale);
    for (const threads of [1, 2]) {
      native.setThreads(threads);
      const got = runBackward(s, x, scale);
      expectClose('o', got.o, want.o, FWD_ATOL, FWD_RTOL);
      expectClose('lse', got.lse, want.lse, FWD_ATOL, FWD_RTOL);
      expectClose('dq', got.dq, wantG.dq, BWD_ATOL, BWD_RTOL);
      expectClose('dk', got.dk, wantG.dk, BWD_ATOL, BWD_RTOL);
      expectClose('dv', got.dv, wantG.dv, BWD_ATOL, BWD_RTOL);
    }
  });

  test('attentionProbs equals the softmax matrix, zeros above the diagonal', () => {
    const s = { B: 2, T: 9, H: 2, D: 5 };
    const x = inputs(s, 11);
    const p = new Float32Array(s.B * s.H * s.T * s.T).fill(NaN);
    native.attentionProbs(x.q, x.k, p, s.B, s.T, s.H, s.D, 0.5);
    expectClose('p', p, refForward(s, x.q, x.k, x.v, 0.5).P, FWD_ATOL, FWD_RTOL);
  });
});

describe.each(simdIsas)('%s vs scalar', (isa) => {
  const shapes: Shape[] = [
    { B: 1, T: 1, H: 1, D: 1 }, { B: 2, T: 7, H: 3, D: 7 }, { B: 1, T: 15, H: 2, D: 8 }, { B: 1, T: 16, H: 1, D: 16 },
    { B: 2, T: 17, H: 2, D: 17 }, { B: 1, T: 31, H: 3, D: 32 }, { B: 1, T: 33, H: 2, D: 64 },
    { B: 1, T: 65, H: 1, D: 33 }, { B: 2, T: 130, H: 2, D: 64 }, { B: 1, T: 257, H: 1, D: 32 },
  ];
  test.each(shapes)('forward and backward %o, threads 1 and 2', (s) => {
    const x = inputs(s, s.T + 100 * s.D);
    const scale = 1 / Math.sqrt(s.D);
    native.setIsa('scalar');
    const want = runBackward(s, x, scale);
    native.setIsa(isa);
    const byThreads = [1, 2].map((threads) => {
      native.setThreads(threads);
      return runBackward(s, x, scale);
    });
    for (const got of byThreads) {
      expectClose('o', got.o, want.o, FWD_ATOL, FWD_RTOL);
      expectClose('lse', got.lse, want.lse, FWD_ATOL, FWD_RTOL);
      expectClose('dq', got.dq, want.dq, BWD_ATOL, BWD_RTOL);
      expectClose('dk', got.dk, want.dk, BWD_ATOL, BWD_RTOL);
      expectClose('dv', got.dv, want.dv, BWD_ATOL, BWD_RTOL);
    }
    // Each output element is computed by one task in a fixed order: bitwise equal across thread counts.
    for (const key of ['o', 'lse', 'dq', 'dk', 'dv'] as const) expect(byThreads[1][key]).toEqual(byThreads[0][key]);
  });

  test('long sequence (T = 1030, D = 64) and large-magnitude scores', () => {
    const s = { B: 1, T: 1030, H: 1, D: 64 };
    const x = inputs(s, 3);
    for (const arr of [x.q, x.k]) for (let i = 0; i < arr.length; i++) arr[i] *= 3;  // scores ~ N(0, 81)
    native.setIsa('scalar');
    const want = runBackward(s, x, 1 / 8);
    native.setIsa(isa);
    native.setThreads(2);
    const got = runBackward(s, x, 1 / 8);
    expectClose('o', got.o, want.o, FWD_ATOL, FWD_RTOL);
    expectClose('lse', got.lse, want.lse, FWD_ATOL, FWD_RTOL);
    // Peaked softmax: gradients are larger and more cancellation-prone; scale the tolerance with them.
    for (const key of ['dq', 'dk', 'dv'] as const) expectClose(key, got[key], want[key], 10 * BWD_ATOL, BWD_RTOL);
  });

  // D/2 (the vectorised half) = 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 65.
  test.each([2, 4, 14, 16, 18, 30, 32, 34, 62, 64, 66, 130])('rope D = %i vs scalar, forward/backward, in place', (D) => {
    const s = { B: 2, T: 9, H: 3, D };
    const n = s.B * s.T * s.H * s.D, half = s.D / 2, P = 20, pos0 = 4;
    const cos = new Float32Array(P * half), sin = new Float32Array(P * half);
    native.ropeTable(cos, sin, P, s.D, 10000);
    const x = randn(n, D);
    for (const fn of ['ropeForward', 'ropeBackward'] as const) {
      native.setIsa('scalar');
      const want = new Float32Array(n);
      native[fn](x, want, cos, sin, s.B, s.T, s.H, s.D, pos0);
      native.setIsa(isa);
      const got = new Float32Array(n);
      native[fn](x, got, cos, sin, s.B, s.T, s.H, s.D, pos0);
      expectClose(fn, got, want, 1e-6, 1e-6);
      const inPlace = x.slice();
      native[fn](inPlace, inPlace, cos, sin, s.B, s.T, s.H, s.D, pos0);
      expect(inPlace).toEqual(got);
    }
  });
});

describe('rope', () => {
  const s = { B: 2, T: 11, H: 3, D: 10 };
  const n = s.B * s.T * s.H * s.D;
  const table = (P: number, D: number, base: number) => {
    const cos = new Float32Array(P * (D / 2)), sin = new Float32Array(P * (D / 2));
    native.ropeTable(cos, sin, P, D, base);
    return { cos, sin };
  };

  test.each(isas)('%s: forward matches float64 rotate-half, backward is its inverse', (isa) => {
    native.setIsa(isa);
    const x = randn(n, 42);
    const { cos, sin } = table(40, s.D, 500);
    for (const pos0 of [0, 13]) {
      const y = new Float32Array(n), back = new Float32Array(n);
      native.ropeForward(x, y, cos, sin, s.B, s.T, s.H, s.D, pos0);
      expectClose('rope', y, refRope(s, x, 500, pos0, false), 1e-6, 1e-5);
      native.ropeBackward(y, back, cos, sin, s.B, s.T, s.H, s.D, pos0);
      expectClose('rope round trip', back, x, 1e-6, 1e-5);
    }
  });

  test('table angles are computed in double: position 100000 stays accurate', () => {
    const P = 100001, D = 4;
    const { cos, sin } = table(P, D, 10000);
    for (let i = 0; i < D / 2; i++) {
      const a = 100000 * Math.pow(10000, (-2 * i) / D);
      expect(Math.abs(cos[100000 * (D / 2) + i] - Math.cos(a))).toBeLessThan(1e-7);
      expect(Math.abs(sin[100000 * (D / 2) + i] - Math.sin(a))).toBeLessThan(1e-7);
    }
  });

  test('odd D is rejected with a message naming D', () => {
    const t = table(4, 6, 10000);
    expectThrows(() => native.ropeForward(new Float32Array(7), new Float32Array(7), t.cos, t.sin, 1, 1, 1, 7, 0),
      'RangeError', /ropeForward: D must be even.*got 7/);
    expectThrows(() => native.ropeBackward(new Float32Array(9), new Float32Array(9), t.cos, t.sin, 1, 1, 3, 3, 0),
      'RangeError', /ropeBackward: D must be even.*got 3/);
    expectThrows(() => native.ropeTable(new Float32Array(9), new Float32Array(9), 3, 5, 10000), 'RangeError',
      /ropeTable: D must be even.*got 5/);
    expectThrows(() => native.ropeTable(t.cos, t.sin, 1, 6, -1), 'RangeError', /ropeTable: base must be > 0/);
  });
});

describe('argument checks', () => {
  const s = { B: 2, T: 5, H: 2, D: 4 }, n = 80;
  const f = () => new Float32Array(n);
  const lse = () => new Float32Array(s.B * s.H * s.T);

  test('attentionForward', () => {
    const fwd = (...a: unknown[]) => () => (native.attentionForward as (...x: unknown[]) => void)(...a);
    expectThrows(fwd(new Float64Array(n), f(), f(), f(), lse(), 2, 5, 2, 4, 0.5), 'TypeError',
      /attentionForward: q must be a Float32Array, got Float64Array/);
    expectThrows(fwd(f(), new Int32Array(n), f(), f(), lse(), 2, 5, 2, 4, 0.5), 'TypeError', /attentionForward: k must be/);
    expectThrows(fwd(f(), f(), new Float32Array(79), f(), lse(), 2, 5, 2, 4, 0.5), 'RangeError',
      /attentionForward: v must have at least 80 elements \(B×T×H×D = 2×5×2×4\), got 79/);
    expectThrows(fwd(f(), f(), f(), f(), new Float32Array(19), 2, 5, 2, 4, 0.5), 'RangeError',
      /attentionForward: lse must have at least 20 elements/);
    expectThrows(fwd(f(), f(), f(), f(), lse(), 2, 5, 0, 4, 0.5), 'RangeError', /attentionForward: H must be in \[1/);
    expectThrows(fwd(f(), f(), f(), f(), lse(), 2, 5, 2, 4.5, 0.5), 'TypeError', /attentionForward: D must be an integer/);
    expectThrows(fwd(f(), f(), f(), f(), lse(), 2, 5, 2, 4, NaN), 'RangeError', /attentionForward: scale must be finite/);
    expectThrows(fwd(f(), f(), f(), f(), lse(), 2, 5, 2, 4), 'TypeError', /attentionForward: scale must be a number/);
    const q = f();
    expectThrows(fwd(q, f(), f(), q, lse(), 2, 5, 2, 4, 0.5), 'RangeError',
      /attentionForward: o and q must not share memory/);
  });

  test('attentionBackward', () => {
    const bwd = (...a: unknown[]) => () => (native.attentionBackward as (...x: unknown[]) => void)(...a);
    expectThrows(bwd(f(), f(), f(), f(), lse(), new Uint8Array(n), f(), f(), f(), 2, 5, 2, 4, 0.5), 'TypeError',
      /attentionBackward: dout must be a Float32Array, got Uint8Array/);
    expectThrows(bwd(f(), f(), f(), f(), lse(), f(), f(), new Float32Array(40), f(), 2, 5, 2, 4, 0.5), 'RangeError',
      /attentionBackward: dk must have at least 80 elements/);
    const dq = f();
    expectThrows(bwd(f(), f(), f(), f(), lse(), f(), dq, dq, f(), 2, 5, 2, 4, 0.5), 'RangeError',
      /attentionBackward: dq and dk must not share memory/);
    const shared = new Float32Array(2 * n);
    expectThrows(bwd(f(), f(), f(), f(), lse(), shared.subarray(0, n), f(), f(), shared.subarray(n - 1), 2, 5, 2, 4, 0.5),
      'RangeError', /attentionBackward: dv and dout must not share memory/);
  });

  test('attentionProbs and rope', () => {
    expectThrows(() => native.attentionProbs(f(), f(), new Float32Array(99), 2, 5, 2, 4, 1), 'RangeError',
      /attentionProbs: p must have at least 100 elements/);
    const cos = new Float32Array(12), sin = new Float32Array(12);  // (6, 2): positions 0..5
    native.ropeTable(cos, sin, 6, 4, 10000);
    expectThrows(() => native.ropeForward(f(), f(), cos, sin, 2, 5, 2, 4, 2), 'RangeError',
      /ropeForward: cos must have at least 14 elements \(\(pos0 \+ T\)×D\/2 = 7×2\), got 12/);
    expectThrows(() => native.ropeBackward(f(), f(), cos, new Float32Array(3), 2, 5, 2, 4, 0), 'RangeError',
      /ropeBackward: sin must have at least 10 elements/);
    expectThrows(() => native.ropeForward(f(), new Int8Array(n) as unknown as Float32Array, cos, sin, 2, 5, 2, 4, 0), 'TypeError',
      /ropeForward: y must be a Float32Array, got Int8Array/);
    const buf = new Float32Array(n + 1);
    expectThrows(() => native.ropeForward(buf.subarray(0, n), buf.subarray(1), cos, sin, 2, 5, 2, 4, 0), 'RangeError',
      /ropeForward: x and y must not share memory/);
    expectThrows(() => native.ropeForward(f(), f(), cos, sin, 2, 5, 2, 4, -1), 'RangeError',
      /ropeForward: pos0 must be in/);
  });
});

describe('interrupt flag', () => {
  test.each(isas)('%s: forward and backward stop and throw ERR_FLASHLM_INTERRUPTED, then run once cleared', (isa) => {
    native.setIsa(isa);
    const flag = new Int32Array(new SharedArrayBuffer(4));
    native.setInterruptFlag(flag);
    try {
      const s = { B: 1, T: 64, H: 2, D: 8 };
      const x = inputs(s, 9), n = x.q.length;
      const { o, lse } = runForward(s, x.q, x.k, x.v, 0.3);
      const calls: [string, () => void][] = [
        ['attentionForward', () => runForward(s, x.q, x.k, x.v, 0.3)],
        ['attentionBackward', () => native.attentionBackward(x.q, x.k, x.v, o, lse, x.dout, new Float32Array(n),
          new Float32Array(n), new Float32Array(n), s.B, s.T, s.H, s.D, 0.3)],
      ];
      Atomics.store(flag, 0, 1);
      for (const [name, call] of calls) {
        let error: unknown = null;
        try {
          call();
        } catch (e) {
          error = e;
        }
        expect((error as Error & { code?: string }).code).toBe('ERR_FLASHLM_INTERRUPTED');
        expect((error as Error).message).toBe(`${name}: interrupted`);
      }
      Atomics.store(flag, 0, 0);
      expect(Number.isFinite(runBackward(s, x, 0.3).dq[0])).toBe(true);
    } finally {
      native.setInterruptFlag(null);
    }
  });
});
