// Softmax family kernels: float64 JS math vs the scalar reference, every SIMD ISA vs the scalar
// reference over sizes that hit every vector tail, -inf handling, exp accuracy, cross-entropy
// semantics (ignore index, reductions, all-ignored), and argument errors.
import { native } from '../../lib/native';
import { ISAS, SIMD_ISAS, expectClose, expectThrows, randInts, randn, withIsa } from './rowkernels_util';

// Float32 storage of exp/log results: a few ulp of the value, plus a floor near zero.
const ATOL = 1e-6;
const RTOL = 1e-5;
const SIZES = [1, 7, 15, 16, 17, 31, 33, 1000, 1025];

function lse64(x: ArrayLike<number>, off: number, C: number): number {
  let m = -Infinity;
  for (let j = 0; j < C; j++) m = Math.max(m, x[off + j]);
  if (m === -Infinity) return -Infinity;
  let s = 0;
  for (let j = 0; j < C; j++) s += Math.exp(x[off + j] - m);
  return m + Math.log(s);
}

function softmax64(x: Float32Array, R: number, C: number, log: boolean): Float64Array {
  const y = new Float64Array(R * C);
  for (let r = 0; r < R; r++) {
    const l = lse64(x, r * C, C);
    for (let j = 0; j < C; j++) {
      const v = x[r * C + j] - l;
      y[r * C + j] = l === -Infinity ? (log ? -Infinity : 0) : log ? v : Math.exp(v);
    }
  }
  return y;
}

function run(fn: 'softmaxForward' | 'logSoftmaxForward', x: Float32Array, R: number, C: number): Float32Array {
  const y = new Float32Array(R * C);
  native[fn](x, y, R, C);
  return y;
}

function runBackward(fn: 'softmaxBackward' | 'logSoftmaxBackward', y: Float32Array, dy: Float32Array, R: number, C: number) {
  const dx = new Float32Array(R * C);
  native[fn](y, dy, dx, R, C);
  return dx;
}

describe('softmax / log-softmax', () => {
  test('scalar reference and every ISA match float64 math on small rows', () => {
    const R = 3, C = 5;
    const x = randn(R * C, 1, 3);
    const dy = randn(R * C, 2);
    for (const isa of ISAS) {
      withIsa(isa, 1, () => {
        const p = run('softmaxForward', x, R, C);
        const lp = run('logSoftmaxForward', x, R, C);
        expectClose(p, softmax64(x, R, C, false), ATOL, RTOL, `${isa} softmax`);
        expectClose(lp, softmax64(x, R, C, true), ATOL, RTOL, `${isa} logSoftmax`);
        // Backward from float64 math: dx = p*(dy - <dy,p>) and dx = dy - p*sum(dy).
        const p64 = softmax64(x, R, C, false);
        const dx = new Float64Array(R * C), dxl = new Float64Array(R * C);
        for (let r = 0; r < R; r++) {
          let dot = 0, s = 0;
          for (let j = 0; j < C; j++) (dot += dy[r * C + j] * p64[r * C + j]), (s += dy[r * C + j]);
          for (let j = 0; j < C; j++) {
            dx[r * C + j] = p64[r * C + j] * (dy[r * C + j] - dot);
            dxl[r * C + j] = dy[r * C + j] - p64[r * C + j] * s;
          }
        }
        expectClose(runBackward('softmaxBackward', p, dy, R, C), dx, ATOL, RTOL, `${isa} softmaxBackward`);
        expectClose(runBackward('logSoftmaxBackward', lp, dy, R, C), dxl, ATOL, RTOL, `${isa} logSoftmaxBackward`);
      });
    }
  });

  test.each(SIMD_ISAS)('%s matches the scalar reference for every tail size, threads 1 and 2', (isa) => {
    for (const C of SIZES) {
      for (const R of [1, 3, 67]) {
        const x = randn(R * C, C * 7 + R, 4);
        const dy = randn(R * C, C * 11 + R);
        const ref = withIsa('scalar', 1, () => {
          const p = run('softmaxForward', x, R, C), lp = run('logSoftmaxForward', x, R, C);
          return { p, lp, dx: runBackward('softmaxBackward', p, dy, R, C), dxl: runBackward('logSoftmaxBackward', lp, dy, R, C) };
        });
        for (const threads of [1, 2]) {
          withIsa(isa, threads, () => {
            const tag = `${isa} R=${R} C=${C} threads=${threads}`;
            expectClose(run('softmaxForward', x, R, C), ref.p, ATOL, RTOL, `${tag} softmax`);
            expectClose(run('logSoftmaxForward', x, R, C), ref.lp, ATOL, RTOL, `${tag} logSoftmax`);
            expectClose(runBackward('softmaxBackward', ref.p, dy, R, C), ref.dx, ATOL, RTOL, `${tag} softmaxBackward`);
            expectClose(runBackward('logSoftmaxBackward', ref.lp, dy, R, C), ref.dxl, ATOL, RTOL, `${tag} logSoftmaxBackward`);
          });
        }
      }
    }
  });

  test('-inf entries give exact zeros; an all -inf row gives zeros / -inf, never NaN', () => {
    const C = 37;  // spans a full vector and a masked tail in both ISAs
    const x = new Float32Array(3 * C).fill(-Infinity);
    x[C + 20] = 3;  // row 1: a single finite entry
    for (let j = 0; j < C; j += 3) x[2 * C + j] = j * 0.5;  // row 2: mixed
    for (const isa of ISAS) {
      withIsa(isa, 1, () => {
        const p = run('softmaxForward', x, 3, C), lp = run('logSoftmaxForward', x, 3, C);
        expect(Array.from(p.subarray(0, C))).toEqual(new Array(C).fill(0));
        expect(Array.from(lp.subarray(0, C))).toEqual(new Array(C).fill(-Infinity));
        expect(p[C + 20]).toBe(1);
        expect(lp[C + 20]).toBe(0);
        for (let j = 0; j < C; j++) if (j !== 20) expect(p[C + j]).toBe(0);
        expectClose(p, softmax64(x, 3, C, false), ATOL, RTOL, `${isa} mixed -inf`);
        expect(p.some(Number.isNaN) || lp.some(Number.isNaN)).toBe(false);
      });
    }
  });

  test('in place (y = x) gives the same result', () => {
    const x = randn(5 * 33, 9, 2);
    for (const isa of ISAS) {
      withIsa(isa, 1, () => {
        const expected = run('softmaxForward', x, 5, 33);
        const y = x.slice();
        native.softmaxForward(y, y, 5, 33);
        expect(y).toEqual(expected);
      });
    }
  });
});

describe('vectorised exp (via crossEntropyBackward with lse = 0, scale = 1: dlogits = exp(logits))', () => {
  // Cephes expf is accurate to ~2 ulp; the brief asks for max relative error ~1e-6.
  const EXP_RTOL = 1e-6;
  test.each(ISAS)('%s: relative error <= 1e-6 on [-87, 88], below FLT_MIN under ln(FLT_MIN), exact 0 at -inf', (isa) => {
    const n = 4001;
    const x = new Float32Array(n + 1);
    x[0] = 0;  // column 0 is the target (gets -1); the rest sample the range
    for (let i = 1; i <= n; i++) x[i] = -87 + (175 * (i - 1)) / (n - 1);
    const tail = new Float32Array([0, -88, -100, -Infinity, -1e30]);
    withIsa(isa, 1, () => {
      const d = new Float32Array(n + 1);
      native.crossEntropyBackward(x, new Int32Array([0]), new Float32Array([0]), d, 1, n + 1, -100, 'sum', 1);
      for (let i = 1; i <= n; i++) {
        const e = Math.exp(x[i]);
        const rel = Math.abs(d[i] - e) / e;
        if (!(rel <= EXP_RTOL)) throw new Error(`${isa}: exp(${x[i]}) = ${d[i]}, expected ${e} (rel ${rel})`);
      }
      const dt = new Float32Array(5);
      native.crossEntropyBackward(tail, new Int32Array([0]), new Float32Array([0]), dt, 1, 5, -100, 'sum', 1);
      // Below ln(FLT_MIN) the true value is subnormal: SIMD flushes it to 0, the reference keeps it.
      for (const i of [1, 2, 4]) expect(dt[i]).toBeLessThan(1.2e-38);
      expect(dt[3]).toBe(0);  // exp(-inf)
    });
  });
});

function xent64(logits: Float32Array, t: Int32Array, R: number, V: number, ignore: number) {
  const losses = new Float64Array(R);
  const grad = new Float64Array(R * V);  // (softmax - onehot), unscaled
  let count = 0;
  for (let r = 0; r < R; r++) {
    if (t[r] === ignore) continue;
    count++;
    const l = lse64(logits, r * V, V);
    losses[r] = l - logits[r * V + t[r]];
    for (let j = 0; j < V; j++) grad[r * V + j] = Math.exp(logits[r * V + j] - l) - (j === t[r] ? 1 : 0);
  }
  return { losses, grad, count, sum: losses.reduce((a, b) => a + b, 0) };
}

describe('cross-entropy', () => {
  function forward(logits: Float32Array, t: Int32Array, R: number, V: number, ignore = -100, red: 'mean' | 'sum' = 'mean') {
    const lse = new Float32Array(R), losses = new Float32Array(R);
    const res = native.crossEntropyForward(logits, t, lse, losses, R, V, ignore, red);
    return { ...res, lse, losses };
  }
  function backward(logits: Float32Array, t: Int32Array, lse: Float32Array, R: number, V: number, ignore: number, red: 'mean' | 'sum', g: number) {
    const d = new Float32Array(R * V);
    native.crossEntropyBackward(logits, t, lse, d, R, V, ignore, red, g);
    return d;
  }

  test.each(ISAS)('%s matches float64 math with ignored rows, both reductions, threads 1 and 2', (isa) => {
    for (const V of [1, 7, 17, 33, 1000, 1031]) {
      const R = 41;
      const logits = randn(R * V, V, 3);
      const t = randInts(R, 0, V, V + 1);
      for (let r = 0; r < R; r += 4) t[r] = -100;
      const ref = xent64(logits, t, R, V, -100);
      for (const threads of [1, 2]) {
        withIsa(isa, threads, () => {
          const tag = `${isa} V=${V} threads=${threads}`;
          const f = forward(logits, t, R, V);
          expect(f.count).toBe(ref.count);
          expect(f.loss).toBeCloseTo(ref.sum / ref.count, 5);
          expectClose(f.losses, ref.losses, ATOL, RTOL, `${tag} losses`);
          const s = forward(logits, t, R, V, -100, 'sum');
          expect(s.loss).toBeCloseTo(ref.sum, 3);
          const dm = backward(logits, t, f.lse, R, V, -100, 'mean', 2.5);
          expectClose(dm, ref.grad.map((v) => (v * 2.5) / ref.count), ATOL, RTOL, `${tag} dlogits mean`);
          const ds = backward(logits, t, f.lse, R, V, -100, 'sum', 0.5);
          expectClose(ds, ref.grad.map((v) => v * 0.5), ATOL, RTOL, `${tag} dlogits sum`);
        });
      }
    }
  });

  test('all rows ignored: loss 0, count 0, zero gradient (documented choice; PyTorch gives NaN)', () => {
    const logits = randn(3 * 5, 3);
    const t = new Int32Array([-100, -100, -100]);
    for (const isa of ISAS) {
      withIsa(isa, 1, () => {
        const f = forward(logits, t, 3, 5);
        expect(f).toMatchObject({ loss: 0, count: 0 });
        const d = backward(logits, t, f.lse, 3, 5, -100, 'mean', 1);
        expect(Array.from(d)).toEqual(new Array(15).fill(0));
      });
    }
  });

  test('a custom ignoreIndex, losses = null, and -inf logits away from the target', () => {
    const V = 19;
    const logits = randn(2 * V, 4);
    logits[3] = -Infinity;
    logits[V + 4] = -Infinity;
    const t = new Int32Array([7, 0]);
    const lse = new Float32Array(2);
    const res = native.crossEntropyForward(logits, t, lse, null, 2, V, 0, 'sum');
    expect(res.count).toBe(1);
    expect(res.loss).toBeCloseTo(lse64(logits, 0, V) - logits[7], 5);
    const d = backward(logits, t, lse, 2, V, 0, 'sum', 1);
    expect(d[3]).toBe(0);
    expect(Array.from(d.subarray(V))).toEqual(new Array(V).fill(0));
  });

  test('dlogits in place over logits', () => {
    const logits = randn(4 * 21, 5);
    const t = new Int32Array([1, 2, -100, 20]);
    const f = forward(logits, t, 4, 21);
    const expected = backward(logits, t, f.lse, 4, 21, -100, 'mean', 1);
    const buf = logits.slice();
    native.crossEntropyBackward(buf, t, f.lse, buf, 4, 21, -100, 'mean', 1);
    expect(buf).toEqual(expected);
  });
});

describe('argument errors name the function and argument', () => {
  const x = new Float32Array(12), y = new Float32Array(12);
  test('softmax', () => {
    expectThrows(() => native.softmaxForward(new Float64Array(12) as never, y, 3, 4), TypeError, 'softmaxForward', 'x', 'Float32Array');
    expectThrows(() => native.logSoftmaxForward(x, new Float32Array(11), 3, 4), RangeError, 'logSoftmaxForward', 'y', '12');
    expectThrows(() => native.softmaxForward(x, y, 3.5, 4), TypeError, 'softmaxForward', 'R');
    expectThrows(() => native.softmaxForward(x, x.subarray(1), 2, 4), RangeError, 'softmaxForward', 'share memory');
    expectThrows(() => native.softmaxBackward(x, y, new Float32Array(3), 3, 4), RangeError, 'softmaxBackward', 'dx');
    expectThrows(() => native.logSoftmaxBackward(x, new Int32Array(12) as never, y, 3, 4), TypeError, 'logSoftmaxBackward', 'dy');
    expectThrows(() => native.softmaxBackward(x, y, x, 3, 4), RangeError, 'softmaxBackward', 'y and dx');
  });
  test('cross-entropy', () => {
    const lse = new Float32Array(3);
    const t = new Int32Array([0, 3, -100]);
    expectThrows(() => native.crossEntropyForward(x, new Int32Array([0, 4, 1]), lse, null, 3, 4, -100, 'mean'),
      RangeError, 'crossEntropyForward', 'targets[1] = 4', '[0, 4)');
    expectThrows(() => native.crossEntropyForward(x, new Int32Array([0, 1, -1]), lse, null, 3, 4, -100, 'mean'),
      RangeError, 'crossEntropyForward', 'targets[2] = -1');
    expectThrows(() => native.crossEntropyBackward(x, new Int32Array([9, 1, 1]), lse, y, 3, 4, -100, 'mean', 1),
      RangeError, 'crossEntropyBackward', 'targets[0] = 9');
    expectThrows(() => native.crossEntropyForward(x, new Float32Array(3) as never, lse, null, 3, 4, -100, 'mean'),
      TypeError, 'crossEntropyForward', 'targets', 'Int32Array');
    expectThrows(() => native.crossEntropyForward(x, t, new Float32Array(2), null, 3, 4, -100, 'mean'),
      RangeError, 'crossEntropyForward', 'lse');
    expectThrows(() => native.crossEntropyForward(x, t, lse, new Float32Array(2), 3, 4, -100, 'mean'),
      RangeError, 'crossEntropyForward', 'losses');
    expectThrows(() => native.crossEntropyForward(x, t, lse, null, 3, 4, -100, 'avg' as never),
      TypeError, 'crossEntropyForward', 'reduction');
    expectThrows(() => native.crossEntropyForward(x, t.subarray(0, 2), lse, null, 3, 4, -100, 'mean'),
      RangeError, 'crossEntropyForward', 'targets');
    expectThrows(() => native.crossEntropyBackward(x, t, lse, new Float32Array(11), 3, 4, -100, 'mean', 1),
      RangeError, 'crossEntropyBackward', 'dlogits');
    expectThrows(() => native.crossEntropyBackward(x, t, lse, y, 3, 4, -100, 'mean', NaN),
      RangeError, 'crossEntropyBackward', 'gradScale');
    expectThrows(() => native.crossEntropyForward(x, t, lse, null, 3, 0, -100, 'mean'),
      RangeError, 'crossEntropyForward', 'V');
  });
});
