// native.attentionDecode (kernels/attention/decode.cc over each ISA's attn_decode_head, the portable
// one for scalar) against a float64 JS version of the contract: head dims around the vector widths (1,
// 2, 7, 8, 9, 33, 64), key counts around 4·16, prefill (t > 1) and single steps, batches, 1 and 2
// threads, and enough keys (1000+) for the threaded split; the new keys/values must land in the caches
// at start .. start+t−1 — values (B, H, capacity, D), keys in transposed tiles (B, H, ⌈capacity/16⌉, D, 16).
import { native } from '../../lib/native';
import { rng, withIsa } from './util';

const random = (n: number, r: () => number) => Float32Array.from({ length: n }, () => 2 * r() - 1);

interface Case { B: number; t: number; H: number; D: number; start: number; capacity: number }

// Where key j / value j of head h, element x, lives in the caches.
const kAt = (c: Case, b: number, h: number, j: number, x: number) =>
  ((b * c.H + h) * Math.ceil(c.capacity / 16) + Math.floor(j / 16)) * c.D * 16 + x * 16 + (j % 16);
const vAt = (c: Case, b: number, h: number, j: number, x: number) => ((b * c.H + h) * c.capacity + j) * c.D + x;

function reference(c: Case, q: Float32Array, kc: Float32Array, vc: Float32Array, scale: number): Float64Array {
  const C = c.H * c.D, o = new Float64Array(c.B * c.t * C);
  for (let b = 0; b < c.B; b++) for (let h = 0; h < c.H; h++) for (let i = 0; i < c.t; i++) {
    const keys = c.start + i + 1, s = new Float64Array(keys);
    for (let j = 0; j < keys; j++) {
      let d = 0;
      for (let x = 0; x < c.D; x++) d += q[(b * c.t + i) * C + h * c.D + x] * kc[kAt(c, b, h, j, x)];
      s[j] = d * scale;
    }
    const mx = Math.max(...s);
    let den = 0;
    for (let j = 0; j < keys; j++) den += (s[j] = Math.exp(s[j] - mx));
    for (let x = 0; x < c.D; x++) {
      let acc = 0;
      for (let j = 0; j < keys; j++) acc += s[j] * vc[vAt(c, b, h, j, x)];
      o[(b * c.t + i) * C + h * c.D + x] = acc / den;
    }
  }
  return o;
}

const cases: Case[] = [
  { B: 1, t: 1, H: 1, D: 1, start: 0, capacity: 4 },
  { B: 1, t: 1, H: 3, D: 2, start: 5, capacity: 8 },
  { B: 2, t: 3, H: 2, D: 7, start: 4, capacity: 9 },
  { B: 1, t: 1, H: 4, D: 8, start: 20, capacity: 33 },
  { B: 3, t: 2, H: 2, D: 9, start: 0, capacity: 2 },
  { B: 1, t: 5, H: 5, D: 33, start: 11, capacity: 17 },
  { B: 1, t: 1, H: 12, D: 64, start: 1030, capacity: 1100 },
  { B: 1, t: 1, H: 2, D: 32, start: 63, capacity: 64 },
  { B: 2, t: 2, H: 3, D: 16, start: 64, capacity: 70 },
];

const isas = native.info().availableIsas;

describe('attentionDecode', () => {
  for (const [isa, threads] of isas.flatMap((i) => [1, 2].map((n) => [i, n] as const))) {
    test.each(cases)(`${isa}, ${threads} thread(s): B $B, t $t, H $H, D $D, start $start`, (c) => {
      withIsa(isa, threads, () => {
        const r = rng(c.D * 1000 + c.start), C = c.H * c.D, n = c.B * c.t * C;
        const q = random(n, r), k = random(n, r), v = random(n, r);
        const kc = random(c.B * Math.ceil(c.capacity / 16) * 16 * C, r), vc = random(c.B * c.capacity * C, r); // old keys at < start
        const o = new Float32Array(n), scale = 1 / Math.sqrt(c.D);
        const kcBefore = kc.slice(), vcBefore = vc.slice();
        native.attentionDecode(q, k, v, kc, vc, o, c.B, c.t, c.H, c.D, c.start, c.capacity, scale);
        let misplaced = 0;
        for (let b = 0; b < c.B; b++) for (let p = 0; p < c.capacity; p++) for (let x = 0; x < C; x++) {
          const fresh = p >= c.start && p < c.start + c.t;
          const ki = kAt(c, b, Math.floor(x / c.D), p, x % c.D), vi = vAt(c, b, Math.floor(x / c.D), p, x % c.D);
          const wantK = fresh ? k[(b * c.t + p - c.start) * C + x] : kcBefore[ki];
          const wantV = fresh ? v[(b * c.t + p - c.start) * C + x] : vcBefore[vi];
          if (kc[ki] !== wantK || vc[vi] !== wantV) misplaced++;
        }
        expect(misplaced).toBe(0);
        const want = reference(c, q, kc, vc, scale);
        let worst = 0;
        for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(o[i] - want[i]) - 1e-4 * Math.abs(want[i]));
        expect(worst).toBeLessThan(1e-5);
      });
    });
  }
});
