// Norm family kernels: float64 JS math vs every ISA (RMSNorm, LayerNorm with and without affine
// parameters), every SIMD ISA vs the scalar reference over tail sizes and threads, dweight/dbias
// identical for any thread count, and argument errors.
import { native } from '../../lib/native';
import { ISAS, SIMD_ISAS, expectClose, expectIdentical, expectThrows, randn, withIsa } from './rowkernels_util';

// Row statistics accumulate in float lanes in the SIMD kernels (float64 in the reference): a few
// float32 ulp per element after normalisation, a little more for the column sums over many rows.
const ATOL = 2e-6;
const RTOL = 2e-5;
const SIZES = [1, 7, 15, 16, 17, 31, 33, 384, 1000, 1025];

function rms64(x: Float32Array, g: Float32Array, dy: Float32Array, R: number, C: number, eps: number) {
  const y = new Float64Array(R * C), dx = new Float64Array(R * C), dg = new Float64Array(C);
  for (let r = 0; r < R; r++) {
    let ss = 0;
    for (let j = 0; j < C; j++) ss += x[r * C + j] ** 2;
    const rs = 1 / Math.sqrt(ss / C + eps);
    let dot = 0;
    for (let j = 0; j < C; j++) dot += g[j] * dy[r * C + j] * x[r * C + j];
    for (let j = 0; j < C; j++) {
      const i = r * C + j;
      y[i] = x[i] * rs * g[j];
      dx[i] = rs * g[j] * dy[i] - (rs ** 3 * dot * x[i]) / C;
      dg[j] += dy[i] * x[i] * rs;
    }
  }
  return { y, dx, dg };
}

function ln64(x: Float32Array, w: Float32Array | null, b: Float32Array | null, dy: Float32Array, R: number, C: number, eps: number) {
  const y = new Float64Array(R * C), dx = new Float64Array(R * C), dw = new Float64Array(C), db = new Float64Array(C);
  for (let r = 0; r < R; r++) {
    let mu = 0;
    for (let j = 0; j < C; j++) mu += x[r * C + j];
    mu /= C;
    let v = 0;
    for (let j = 0; j < C; j++) v += (x[r * C + j] - mu) ** 2;
    const rs = 1 / Math.sqrt(v / C + eps);
    const xhat = (j: number) => (x[r * C + j] - mu) * rs;
    const gj = (j: number) => dy[r * C + j] * (w ? w[j] : 1);
    let sg = 0, sgx = 0;
    for (let j = 0; j < C; j++) (sg += gj(j)), (sgx += gj(j) * xhat(j));
    for (let j = 0; j < C; j++) {
      const i = r * C + j;
      y[i] = xhat(j) * (w ? w[j] : 1) + (b ? b[j] : 0);
      dx[i] = rs * (gj(j) - sg / C - (xhat(j) * sgx) / C);
      dw[j] += dy[i] * xhat(j);
      db[j] += dy[i];
    }
  }
  return { y, dx, dw, db };
}

function rmsRun(x: Float32Array, g: Float32Array, dy: Float32Array, R: number, C: number, eps: number) {
  const y = new Float32Array(R * C), rstd = new Float32Array(R), dx = new Float32Array(R * C), dg = new Float32Array(C);
  native.rmsNormForward(x, g, y, rstd, R, C, eps);
  native.rmsNormBackward(x, g, rstd, dy, dx, dg, R, C);
  return { y, rstd, dx, dg };
}

function lnRun(x: Float32Array, w: Float32Array | null, b: Float32Array | null, dy: Float32Array, R: number, C: number, eps: number) {
  const y = new Float32Array(R * C), mean = new Float32Array(R), rstd = new Float32Array(R);
  const dx = new Float32Array(R * C), dw = new Float32Array(C), db = new Float32Array(C);
  native.layerNormForward(x, w, b, y, mean, rstd, R, C, eps);
  native.layerNormBackward(x, w, mean, rstd, dy, dx, w ? dw : null, b ? db : null, R, C);
  return { y, mean, rstd, dx, dw, db };
}

describe('RMSNorm', () => {
  test.each(ISAS)('%s matches float64 math (spec S2, eps 1e-6)', (isa) => {
    const R = 9, C = 37;
    const x = randn(R * C, 1, 2), g = randn(C, 2), dy = randn(R * C, 3);
    const ref = rms64(x, g, dy, R, C, 1e-6);
    withIsa(isa, 1, () => {
      const out = rmsRun(x, g, dy, R, C, 1e-6);
      expectClose(out.y, ref.y, ATOL, RTOL, `${isa} y`);
      expectClose(out.dx, ref.dx, ATOL, RTOL, `${isa} dx`);
      expectClose(out.dg, ref.dg, ATOL, RTOL, `${isa} dweight`);
    });
  });

  test.each(SIMD_ISAS)('%s matches the scalar reference for every tail size, threads 1 and 2', (isa) => {
    for (const C of SIZES) {
      for (const R of [1, 5, 130]) {
        const x = randn(R * C, C + R, 1.5), g = randn(C, C), dy = randn(R * C, C * 3 + R);
        const ref = withIsa('scalar', 1, () => rmsRun(x, g, dy, R, C, 1e-6));
        for (const threads of [1, 2]) {
          const out = withIsa(isa, threads, () => rmsRun(x, g, dy, R, C, 1e-6));
          const tag = `${isa} R=${R} C=${C} threads=${threads}`;
          expectClose(out.y, ref.y, ATOL, RTOL, `${tag} y`);
          expectClose(out.rstd, ref.rstd, ATOL, RTOL, `${tag} rstd`);
          expectClose(out.dx, ref.dx, ATOL, RTOL, `${tag} dx`);
          expectClose(out.dg, ref.dg, ATOL * Math.sqrt(R), RTOL, `${tag} dweight`);
        }
      }
    }
  });

  test('dweight is bitwise identical for 1 and 2 threads; dx alone (dweight null) matches', () => {
    const R = 1000, C = 384;
    const x = randn(R * C, 11), g = randn(C, 12), dy = randn(R * C, 13);
    for (const isa of ISAS) {
      const a = withIsa(isa, 1, () => rmsRun(x, g, dy, R, C, 1e-6));
      const b = withIsa(isa, 2, () => rmsRun(x, g, dy, R, C, 1e-6));
      expectIdentical(b.dg, a.dg, `${isa} dg`);
      expectIdentical(b.dx, a.dx, `${isa} dx`);
      const dx = new Float32Array(R * C);
      withIsa(isa, 2, () => native.rmsNormBackward(x, g, a.rstd, dy, dx, null, R, C));
      expectIdentical(dx, a.dx, `${isa} dx without dweight`);
    }
  });
});

describe('LayerNorm', () => {
  const variants: [string, boolean, boolean][] = [['affine', true, true], ['weight only', true, false], ['bias only', false, true], ['no affine', false, false]];
  test.each(ISAS)('%s matches float64 math (PyTorch semantics, eps 1e-5) with and without weight/bias', (isa) => {
    const R = 7, C = 41;
    // An offset mean checks the two-pass variance.
    const x = randn(R * C, 4, 3).map((v) => v + 50), dy = randn(R * C, 5);
    for (const [name, hasW, hasB] of variants) {
      const w = hasW ? randn(C, 6) : null, b = hasB ? randn(C, 7) : null;
      const ref = ln64(x, w, b, dy, R, C, 1e-5);
      withIsa(isa, 1, () => {
        const out = lnRun(x, w, b, dy, R, C, 1e-5);
        expectClose(out.y, ref.y, ATOL, RTOL * 5, `${isa} ${name} y`);
        expectClose(out.dx, ref.dx, ATOL, RTOL * 5, `${isa} ${name} dx`);
        if (w) expectClose(out.dw, ref.dw, ATOL, RTOL * 5, `${isa} ${name} dweight`);
        if (b) expectClose(out.db, ref.db, ATOL, RTOL, `${isa} ${name} dbias`);
      });
    }
  });

  test.each(SIMD_ISAS)('%s matches the scalar reference for every tail size, threads 1 and 2', (isa) => {
    for (const C of SIZES) {
      for (const R of [1, 5, 130]) {
        const x = randn(R * C, C + R, 2), w = randn(C, C + 1), b = randn(C, C + 2), dy = randn(R * C, C * 5 + R);
        const ref = withIsa('scalar', 1, () => lnRun(x, w, b, dy, R, C, 1e-5));
        for (const threads of [1, 2]) {
          const out = withIsa(isa, threads, () => lnRun(x, w, b, dy, R, C, 1e-5));
          const tag = `${isa} R=${R} C=${C} threads=${threads}`;
          expectClose(out.y, ref.y, ATOL, RTOL, `${tag} y`);
          expectClose(out.mean, ref.mean, ATOL, RTOL, `${tag} mean`);
          expectClose(out.rstd, ref.rstd, ATOL, RTOL, `${tag} rstd`);
          // dx carries rounding of dy*w times rstd, which is 1/sqrt(eps) ~ 316 when C = 1 (variance 0).
          const rsMax = Math.max(1, ...ref.rstd);
          expectClose(out.dx, ref.dx, ATOL * rsMax, RTOL, `${tag} dx`);
          expectClose(out.dw, ref.dw, ATOL * Math.sqrt(R), RTOL, `${tag} dweight`);
          expectClose(out.db, ref.db, ATOL * Math.sqrt(R), RTOL, `${tag} dbias`);
        }
      }
    }
  });

  test('dweight/dbias are bitwise identical for 1 and 2 threads', () => {
    const R = 777, C = 200;
    const x = randn(R * C, 21), w = randn(C, 22), b = randn(C, 23), dy = randn(R * C, 24);
    for (const isa of ISAS) {
      const one = withIsa(isa, 1, () => lnRun(x, w, b, dy, R, C, 1e-5));
      const two = withIsa(isa, 2, () => lnRun(x, w, b, dy, R, C, 1e-5));
      expectIdentical(two.dw, one.dw, `${isa} dw`);
      expectIdentical(two.db, one.db, `${isa} db`);
      expectIdentical(two.dx, one.dx, `${isa} dx`);
    }
  });

  test('in place forward (y = x)', () => {
    const x = randn(3 * 19, 30);
    const expected = lnRun(x, null, null, x, 3, 19, 1e-5).y;
    const buf = x.slice();
    native.layerNormForward(buf, null, null, buf, new Float32Array(3), new Float32Array(3), 3, 19, 1e-5);
    expect(buf).toEqual(expected);
  });
});

describe('argument errors name the function and argument', () => {
  const R = 2, C = 4;
  const x = new Float32Array(R * C), y = new Float32Array(R * C), g = new Float32Array(C), s = new Float32Array(R);
  test('rmsNorm', () => {
    expectThrows(() => native.rmsNormForward(x, new Float32Array(3), y, s, R, C, 1e-6), RangeError, 'rmsNormForward', 'weight', 'at least 4');
    expectThrows(() => native.rmsNormForward(x, g, y, new Float32Array(1), R, C, 1e-6), RangeError, 'rmsNormForward', 'rstd');
    expectThrows(() => native.rmsNormForward(new Float64Array(8) as never, g, y, s, R, C, 1e-6), TypeError, 'rmsNormForward', 'x');
    expectThrows(() => native.rmsNormForward(x, g, y, s, R, C, -1), RangeError, 'rmsNormForward', 'eps');
    expectThrows(() => native.rmsNormForward(x, g, y, s, R, 0, 1e-6), RangeError, 'rmsNormForward', 'C');
    expectThrows(() => native.rmsNormBackward(x, g, s, y, new Float32Array(7), null, R, C), RangeError, 'rmsNormBackward', 'dx');
    expectThrows(() => native.rmsNormBackward(x, g, s, y, x, null, R, C), RangeError, 'rmsNormBackward', 'dx');
    expectThrows(() => native.rmsNormBackward(x, g, s, y, new Float32Array(8), new Float32Array(2), R, C), RangeError, 'rmsNormBackward', 'dweight');
    expectThrows(() => native.rmsNormBackward(x, g, s, y, new Float32Array(8), new Int32Array(4) as never, R, C), TypeError, 'rmsNormBackward', 'dweight');
  });
  test('layerNorm', () => {
    expectThrows(() => native.layerNormForward(x, g, new Float32Array(2), y, s, new Float32Array(R), R, C, 1e-5), RangeError, 'layerNormForward', 'bias');
    expectThrows(() => native.layerNormForward(x, null, null, y, s, s, R, C, 1e-5), RangeError, 'layerNormForward', 'mean and rstd');
    expectThrows(() => native.layerNormForward(x, null, null, y, s, new Float32Array(R), R, C, NaN), RangeError, 'layerNormForward', 'eps');
    expectThrows(() => native.layerNormBackward(x, null, s, new Float32Array(R), y, new Float32Array(8), new Float32Array(1), null, R, C), RangeError, 'layerNormBackward', 'dweight');
    expectThrows(() => native.layerNormBackward(x, null, s, new Float32Array(R), y, new Float32Array(8), null, 'x' as never, R, C), TypeError, 'layerNormBackward', 'dbias');
    expectThrows(() => native.layerNormBackward(x, null, s, new Float32Array(1), y, new Float32Array(8), null, null, R, C), RangeError, 'layerNormBackward', 'rstd');
  });
});
