// The sampler's native logit scans (native.logitsScan, native.logitsAtLeast) against plain JS
// definitions: odd lengths around the 64-value blocks, masked (-inf) logits, ties, NaN and +inf at the
// first, a middle and the last position, k from 0 past the finite count; then bad arguments.
import { native } from '../../lib/native';
import { expectThrows, rng } from './util';

/** [first NaN/+inf or -1, finite count, argmax (lowest index), k-th largest finite (ties counted) or -inf]. */
function reference(x: Float32Array, k: number): number[] {
  const bad = x.findIndex((v) => Number.isNaN(v) || v === Infinity);
  if (bad >= 0) return [bad];
  const finite = Array.from(x).filter((v) => v !== -Infinity);
  let argmax = -1;
  x.forEach((v, i) => { if (v !== -Infinity && (argmax < 0 || v > x[argmax])) argmax = i; });
  const sorted = finite.sort((a, b) => b - a);
  return [-1, finite.length, argmax, k > 0 && k <= sorted.length ? sorted[k - 1] : -Infinity];
}

function logits(n: number, seed: number, masked: number, levels = 0): Float32Array {
  const r = rng(seed);
  // `levels` > 0 draws from few distinct values, so ties (also with the k-th) are common
  return Float32Array.from({ length: n }, () => (r() < masked ? -Infinity : levels > 0 ? Math.floor(r() * levels) - levels / 2 : (r() - 0.5) * 20));
}

const SIZES = [1, 2, 7, 33, 63, 64, 65, 129, 1000, 4096, 32000];

test('logitsScan: counts, argmax and the k-th largest, as defined', () => {
  const out = new Float64Array(4);
  let seed = 1;
  for (const n of SIZES) for (const masked of [0, 0.3, 0.99]) for (const levels of [0, 5]) {
    const x = logits(n, seed++, masked, levels);
    for (const k of [0, 1, 5, 40, n, n + 3]) {
      native.logitsScan(x, k, out);
      const want = reference(x, k);
      expect([n, masked, levels, k, ...out]).toEqual([n, masked, levels, k, ...want]);
    }
  }
  const allMasked = new Float32Array(100).fill(-Infinity);
  native.logitsScan(allMasked, 3, out);
  expect(Array.from(out)).toEqual([-1, 0, -1, -Infinity]);
});

test('logitsScan: the first NaN or +inf, wherever it sits', () => {
  const out = new Float64Array(4);
  for (const n of [1, 64, 65, 1000]) for (const at of [0, Math.floor(n / 2), n - 1]) for (const v of [NaN, Infinity]) {
    const x = logits(n, n + at, 0.2);
    x[at] = v;
    if (at < n - 1) x[n - 1] = NaN; // a later bad value must not be the one reported
    native.logitsScan(x, 5, out);
    expect([n, at, out[0]]).toEqual([n, at, at]);
  }
});

test('logitsAtLeast: the finite logits >= low, in index order', () => {
  const idx = new Int32Array(32000);
  let seed = 100;
  for (const n of SIZES) for (const masked of [0, 0.5]) {
    const x = logits(n, seed++, masked, 7);
    for (const low of [-100, -2, 0, 0.5, 3, 100]) {
      const count = native.logitsAtLeast(x, low, idx);
      const want = Array.from(x.keys()).filter((i) => x[i] !== -Infinity && x[i] >= low);
      expect([n, low, ...idx.subarray(0, count)]).toEqual([n, low, ...want]);
    }
  }
});

test('bad arguments name the function and the argument', () => {
  const x = new Float32Array(10);
  expectThrows(() => native.logitsScan(x, 1, new Float64Array(3)), 'RangeError', /logitsScan: out must have at least 4 elements/);
  expectThrows(() => native.logitsScan(x, -1, new Float64Array(4)), 'RangeError', /logitsScan: k/);
  expectThrows(() => native.logitsScan(new Float64Array(4) as unknown as Float32Array, 1, new Float64Array(4)), 'TypeError', /logitsScan: logits must be a Float32Array/);
  expectThrows(() => native.logitsAtLeast(x, 0, new Int32Array(9)), 'RangeError', /logitsAtLeast: idx must have at least 10 elements/);
  expectThrows(() => native.logitsAtLeast(x, NaN, new Int32Array(10)), 'RangeError', /logitsAtLeast: low must be finite/);
  expectThrows(() => native.logitsAtLeast(x, 0, new Int32Array(x.buffer)), 'RangeError', /must not share memory/);
  expectThrows(() => (native.logitsScan as (...a: unknown[]) => void)(x, 1), 'TypeError', /expected 3 arguments/);
});
