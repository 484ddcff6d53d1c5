// Broadcast binary ops (native.binary) against a strided JS loop, on every ISA and thread count,
// and the argument errors of every elementwise entry point. add/sub/mul/div are single IEEE
// operations, so every ISA must match Math.fround(a op b) exactly.
import { native } from '../../lib/native';
import type { BinaryOpName } from '../../lib/native/elementwise';
import { seededRandom } from '../gradcheck';
import { expectThrows, withIsa } from './util';

const ISAS = native.info().availableIsas;
const OPS: BinaryOpName[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];
const F: Record<BinaryOpName, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
};

function randomArray(n: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (0.25 + 4 * r()));
}

function contiguous(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let p = 1;
  for (let i = shape.length - 1; i >= 0; i--) (s[i] = p), (p *= shape[i]);
  return s;
}

// Strides reading `own` (right-aligned) as the broadcast shape `shape`.
function bstrides(own: number[], shape: number[]): number[] {
  const st = contiguous(own), off = shape.length - own.length;
  return shape.map((_, i) => (i < off || own[i - off] === 1 ? 0 : st[i - off]));
}

function expected(op: BinaryOpName, shape: number[], a: Float32Array, sa: number[], b: Float32Array, sb: number[]): Float32Array {
  const total = shape.reduce((p, d) => p * d, 1), out = new Float32Array(total), idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < total; k++) {
    let oa = 0, ob = 0;
    for (let d = 0, rem = k; d < shape.length; d++) {
      const below = shape.slice(d + 1).reduce((p, v) => p * v, 1);
      idx[d] = Math.floor(rem / below);
      rem %= below;
      oa += idx[d] * sa[d];
      ob += idx[d] * sb[d];
    }
    out[k] = F[op](a[oa], b[ob]);
  }
  return out;
}

function expectSame(got: Float32Array, want: Float32Array, what: string): void {
  for (let i = 0; i < want.length; i++) {
    if (!(Object.is(got[i], want[i]) || got[i] === want[i] || (Number.isNaN(got[i]) && Number.isNaN(want[i])))) {
      throw new Error(`${what}: element ${i}: got ${got[i]}, want ${want[i]}`);
    }
  }
}

// [out shape, a shape, b shape]
const CASES: Array<[number[], number[], number[]]> = [
  ...[1, 7, 15, 16, 17, 31, 33, 1000, 70001].map((n): [number[], number[], number[]] => [[n], [n], [n]]),
  [[70001], [70001], [1]], // b scalar
  [[33], [1], [33]], // a scalar (sub/div are not symmetric)
  [[2, 5, 33], [2, 5, 33], [33]], // bias add (B, T, C) + (C)
  [[3, 300, 67], [3, 300, 67], [67]], // bias add above the threading threshold
  [[2, 5, 17], [2, 1, 17], [2, 5, 17]], // (B, 1, C) * (B, T, C)
  [[4, 9], [4, 1], [1, 9]], // outer product
  [[3, 4, 5], [3, 4, 1], [4, 5]],
  [[2, 3, 1, 4, 1, 5, 2, 3], [2, 1, 1, 4, 1, 1, 2, 3], [3, 1, 1, 5, 2, 1]], // rank 8
  [[], [], []], // 0-d
  [[0, 4], [0, 4], [4]], // empty
];

describe('binary (broadcast)', () => {
  test.each(OPS)('%s: every ISA and thread count equals the strided float64 loop rounded to f32', (op) => {
    for (const [shape, as, bs] of CASES) {
      const a = randomArray(as.reduce((p, d) => p * d, 1), 1), b = randomArray(bs.reduce((p, d) => p * d, 1), 2);
      const sa = bstrides(as, shape), sb = bstrides(bs, shape);
      const want = expected(op, shape, a, sa, b, sb);
      for (const isa of ISAS) {
        for (const threads of [1, 2]) {
          const out = new Float32Array(want.length);
          withIsa(isa, threads, () => native.binary(op, out, shape, a, sa, b, sb));
          expectSame(out, want, `${op} ${isa} threads=${threads} shape ${JSON.stringify(shape)} a ${JSON.stringify(as)} b ${JSON.stringify(bs)}`);
        }
      }
    }
  });

  test('non-unit inner strides (a transposed view) and in-place on a', () => {
    const a = randomArray(6 * 35, 3), b = randomArray(35, 4);
    const shape = [35, 6], sa = [1, 35], sb = [1, 0]; // a read as its (6, 35) transpose; b a column
    for (const isa of ISAS) {
      for (const op of OPS) {
        const out = new Float32Array(210);
        withIsa(isa, 1, () => native.binary(op, out, shape, a, sa, b, sb));
        expectSame(out, expected(op, shape, a, sa, b, sb), `${op} ${isa} transposed`);
      }
      const x = randomArray(100, 5), want = expected('mul', [4, 25], x, [25, 1], b, [0, 1]);
      withIsa(isa, 1, () => native.binary('mul', x, [4, 25], x, [25, 1], b, [0, 1]));
      expectSame(x, want, `in place ${isa}`);
    }
  });

  test('maximum and minimum propagate NaN from either side', () => {
    const a = Float32Array.from([NaN, 1, 2, NaN, -0, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    const b = Float32Array.from([1, NaN, 3, NaN, 0, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15, NaN]);
    for (const isa of ISAS) {
      for (const op of ['maximum', 'minimum'] as BinaryOpName[]) {
        const out = new Float32Array(17);
        withIsa(isa, 1, () => native.binary(op, out, [17], a, [1], b, [1]));
        expect([0, 1, 3, 16].map((i) => Number.isNaN(out[i]))).toEqual([true, true, true, true]);
        expect(out[2]).toBe(op === 'maximum' ? 3 : 2);
        expect(out[5]).toBe(op === 'maximum' ? 5 : 4);
      }
    }
  });
});

describe('elementwise argument errors name the function and argument', () => {
  const f = new Float32Array(8), i32 = new Int32Array(8) as unknown as Float32Array;
  const cases: Array<[string, () => void, 'TypeError' | 'RangeError', RegExp]> = [
    ['bad op', () => native.binary('pow' as BinaryOpName, f, [8], f, [1], f, [1]), 'TypeError', /binary: op must be one of add/],
    ['out dtype', () => native.binary('add', i32, [8], f, [1], f, [1]), 'TypeError', /binary: out must be a Float32Array, got Int32Array/],
    ['a dtype', () => native.binary('add', new Float32Array(8), [8], i32, [1], f, [1]), 'TypeError', /binary: a must be a Float32Array/],
    ['short out', () => native.binary('add', new Float32Array(7), [8], f, [1], f, [1]), 'RangeError', /binary: out must have at least 8 elements/],
    ['strided extent', () => native.binary('add', new Float32Array(8), [2, 4], f, [5, 1], f, [0, 1]), 'RangeError', /binary: a must have at least 9 elements/],
    ['b extent', () => native.binary('add', new Float32Array(8), [8], f, [1], new Float32Array(4), [1]), 'RangeError', /binary: b must have at least 8/],
    ['strides length', () => native.binary('add', new Float32Array(8), [8], f, [1, 1], f, [1]), 'RangeError', /binary: aStrides must have one entry per shape dimension/],
    ['negative stride', () => native.binary('add', new Float32Array(8), [8], f, [-1], f, [1]), 'RangeError', /binary: aStrides\[0\] must be a non-negative integer/],
    ['shape not array', () => native.binary('add', new Float32Array(8), 8 as unknown as number[], f, [1], f, [1]), 'TypeError', /binary: shape must be an array/],
    ['rank > 8', () => native.binary('add', new Float32Array(8), new Array(9).fill(1), f, new Array(9).fill(0), f, new Array(9).fill(0)), 'RangeError', /binary: shape must have at most 8 entries/],
    ['shifted overlap', () => native.binary('add', f.subarray(1), [7], f, [1], new Float32Array(7), [1]), 'RangeError', /binary: out and a must not overlap/],
    ['broadcast in place', () => native.binary('add', f, [2, 4], f, [0, 1], new Float32Array(8), [4, 1]), 'RangeError', /binary: out and a must not overlap/],
    ['unary op', () => native.unaryForward('erf' as 'exp', f, f), 'TypeError', /unaryForward: op must be one of silu/],
    ['unary x dtype', () => native.unaryForward('exp', i32, f), 'TypeError', /unaryForward: x must be a Float32Array/],
    ['unary short out', () => native.unaryForward('exp', f, new Float32Array(7)), 'RangeError', /unaryForward: out must have at least 8/],
    ['unary alpha', () => native.unaryForward('affine', f, new Float32Array(8), NaN), 'RangeError', /unaryForward: alpha must be finite/],
    ['unary overlap', () => native.unaryForward('exp', f.subarray(0, 6), f.subarray(2)), 'RangeError', /unaryForward: out and x must be the same array or not overlap/],
    ['backward src', () => native.unaryBackward('silu', null, f, new Float32Array(8)), 'TypeError', /unaryBackward: x must be a Float32Array, got null/],
    ['backward y short', () => native.unaryBackward('tanh', new Float32Array(3), f, new Float32Array(8)), 'RangeError', /unaryBackward: y must have at least 8/],
    ['backward gradIn', () => native.unaryBackward('neg', null, f, new Float32Array(2)), 'RangeError', /unaryBackward: gradIn must have at least 8/],
    ['swiglu up', () => native.swigluForward(f, new Float32Array(2), new Float32Array(8)), 'RangeError', /swigluForward: up must have at least 8/],
    ['swiglu gate dtype', () => native.swigluForward(i32, f, new Float32Array(8)), 'TypeError', /swigluForward: gate must be a Float32Array/],
    ['swiglu same outputs', () => { const o = new Float32Array(8); native.swigluBackward(f, f, f, o, o); }, 'RangeError', /swigluBackward: gradGate and gradUp must not share memory/],
    ['swiglu gradUp short', () => native.swigluBackward(f, f, f, new Float32Array(8), new Float32Array(1)), 'RangeError', /swigluBackward: gradUp must have at least 8/],
  ];
  test.each(cases)('%s', (_name, call, type, message) => expectThrows(call, type, message));
});
