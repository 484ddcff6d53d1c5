// Embedding kernels: gather and scatter-add against plain JS loops, repeated ids, a vocabulary size no
// kernel hard-codes (bug B16), identical results for 1 and 2 threads, and id/shape errors.
import { native } from '../../lib/native';
import { expectClose, expectIdentical, expectThrows, randInts, randn, withIsa } from './rowkernels_util';

function gather64(table: Float32Array, ids: Int32Array, C: number): Float32Array {
  const out = new Float32Array(ids.length * C);
  ids.forEach((id, i) => out.set(table.subarray(id * C, id * C + C), i * C));
  return out;
}

describe('embedding', () => {
  test.each([[1, 1, 1], [5, 3, 7], [100, 50000, 3], [3000, 257, 33], [4096, 8192, 64]])(
    'forward gathers rows and backward scatter-adds (N=%d, V=%d, C=%d), threads 1 and 2',
    (N, V, C) => {
      const table = randn(V * C, V + C);
      const ids = randInts(N, 0, V, N);
      ids[N - 1] = V - 1;  // the last row of the table is reachable
      const dout = randn(N * C, N + 1);
      const init = randn(V * C, 99);
      // float64 scatter in id order; the kernel also adds in id order, so float32 results agree to rounding
      const ref = Float64Array.from(init);
      for (let i = 0; i < N; i++) for (let c = 0; c < C; c++) ref[ids[i] * C + c] += dout[i * C + c];
      let first: Float32Array | null = null;
      for (const threads of [1, 2]) {
        withIsa('scalar', threads, () => {
          const out = new Float32Array(N * C);
          native.embeddingForward(table, ids, out, N, V, C);
          expectIdentical(out, gather64(table, ids, C), `threads=${threads} gather`);
          const dtable = init.slice();
          native.embeddingBackward(dout, ids, dtable, N, V, C);
          expectClose(dtable, ref, 1e-5, 1e-5, `threads=${threads} dtable`);
          if (first) expectIdentical(dtable, first, 'dtable threads 2 vs 1');  // same bits for any thread count
          first = dtable;
        });
      }
    },
  );

  test('repeated ids accumulate every row', () => {
    const C = 17, V = 4;
    const ids = new Int32Array([2, 2, 2, 0, 2]);
    const dout = new Float32Array(ids.length * C).fill(1);
    const dtable = new Float32Array(V * C);
    native.embeddingBackward(dout, ids, dtable, ids.length, V, C);
    expect(dtable[2 * C + 5]).toBe(4);
    expect(dtable[0 * C + 16]).toBe(1);
    expect(dtable[1 * C]).toBe(0);
  });
});

describe('argument errors name the function, the argument and the bad position', () => {
  const table = new Float32Array(10 * 3), out = new Float32Array(4 * 3);
  test('embeddingForward', () => {
    expectThrows(() => native.embeddingForward(table, new Int32Array([0, 1, 10, 2]), out, 4, 10, 3), RangeError, 'embeddingForward', 'ids[2] = 10', '[0, 10)');
    expectThrows(() => native.embeddingForward(table, new Int32Array([0, -1, 1, 2]), out, 4, 10, 3), RangeError, 'embeddingForward', 'ids[1] = -1');
    expectThrows(() => native.embeddingForward(table, new Float32Array(4) as never, out, 4, 10, 3), TypeError, 'embeddingForward', 'ids', 'Int32Array');
    expectThrows(() => native.embeddingForward(table, new Int32Array(3), out, 4, 10, 3), RangeError, 'embeddingForward', 'ids');
    expectThrows(() => native.embeddingForward(table, new Int32Array(4), out, 4, 11, 3), RangeError, 'embeddingForward', 'table');
    expectThrows(() => native.embeddingForward(table, new Int32Array(4), new Float32Array(11), 4, 10, 3), RangeError, 'embeddingForward', 'out');
    expectThrows(() => native.embeddingForward(table, new Int32Array(4), table, 4, 10, 3), RangeError, 'embeddingForward', 'share memory');
  });
  test('embeddingBackward', () => {
    expectThrows(() => native.embeddingBackward(out, new Int32Array([0, 1, 2, 99]), table, 4, 10, 3), RangeError, 'embeddingBackward', 'ids[3] = 99');
    expectThrows(() => native.embeddingBackward(out, new Int32Array(4), new Float32Array(29), 4, 10, 3), RangeError, 'embeddingBackward', 'dtable');
    expectThrows(() => native.embeddingBackward(new Float32Array(11), new Int32Array(4), table, 4, 10, 3), RangeError, 'embeddingBackward', 'dout');
    expectThrows(() => native.embeddingBackward(out, new Int32Array(4), table, 4, 10, -3), RangeError, 'embeddingBackward', 'C');
  });
});
