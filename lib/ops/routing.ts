// The three ops a mixture of experts needs (lib/nn/moe.ts): top-k gates of router probabilities
// renormalised over the chosen experts (spec S8, v6.1-PT), and moving token rows to an expert and its
// outputs back — gatherRows and its adjoint scatterRows. Each is differentiable; the choice of the
// top-k set itself is not (it is piecewise constant), as in every MoE.
import { DTypeError, ShapeError, formatShape } from '../errors';
import { record } from '../tensor/autograd';
import { Tensor } from '../tensor/tensor';

function require2d(x: unknown, op: string, name: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new DTypeError(`${op}: ${name} must be a Tensor, got ${typeof x}`);
  if (x.dtype !== 'f32') throw new DTypeError(`${op}: ${name} must be f32, got ${x.dtype}`);
  if (x.ndim !== 2) throw new ShapeError(`${op}: ${name} must be 2-d (rows, features), got ${formatShape(x.shape)}`);
}

function checkIndex(index: Int32Array, rows: number, op: string): void {
  for (let i = 0; i < index.length; i++) {
    if (!(index[i] >= 0 && index[i] < rows)) throw new RangeError(`${op}: index[${i}] = ${index[i]} is out of range [0, ${rows})`);
  }
}

/** The experts each row chooses: the k largest probabilities, largest first (lower index on ties). */
export function topkIndices(p: Float32Array, rows: number, E: number, k: number): Int32Array {
  const out = new Int32Array(rows * k);
  const order = Array.from({ length: E }, (_, e) => e);
  for (let r = 0; r < rows; r++) {
    const row = p.subarray(r * E, (r + 1) * E);
    order.sort((a, b) => row[b] - row[a] || a - b);
    for (let j = 0; j < k; j++) out[r * k + j] = order[j];
  }
  return out;
}

/**
 * Gates (N, E) from router probabilities `p` (N, E): each row keeps its k largest probabilities,
 * divided by their sum so that they add to 1, and zeros elsewhere (spec S8, v6.1-PT). Returns the
 * gates and the chosen experts (N, k), largest first. With k = E this is p itself.
 * Backward on the chosen set S (s = Σ_S p): dp_j = (g_j − Σ_{i∈S} g_i·p_i / s) / s.
 *
 * @example
 * const { gates, experts } = topkGates(softmax(router.forward(x)), 2); // (N, 4) -> (N, 4), (N, 2)
 */
export function topkGates(p: Tensor, k: number): { gates: Tensor; experts: Int32Array } {
  require2d(p, 'topkGates', 'p');
  const [N, E] = p.shape;
  if (!Number.isInteger(k) || k < 1 || k > E) throw new RangeError(`topkGates: k must be an integer in [1, ${E}] (the number of experts), got ${k}`);
  const pd = p.f32();
  const experts = topkIndices(pd, N, E, k);
  const gates = Tensor.zeros([N, E]);
  const gd = gates.f32();
  const sums = new Float64Array(N);
  for (let r = 0; r < N; r++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += pd[r * E + experts[r * k + j]];
    sums[r] = s;
    for (let j = 0; j < k; j++) {
      const e = experts[r * k + j];
      gd[r * E + e] = s > 0 ? pd[r * E + e] / s : 1 / k;
    }
  }
  const out = record(gates, [p], (g) => {
    const gg = g.f32();
    const dp = Tensor.zeros([N, E]);
    const dd = dp.f32();
    for (let r = 0; r < N; r++) {
      const s = sums[r];
      if (!(s > 0)) continue; // all chosen probabilities 0: the uniform fallback has no gradient
      let dot = 0;
      for (let j = 0; j < k; j++) {
        const e = experts[r * k + j];
        dot += gg[r * E + e] * pd[r * E + e];
      }
      for (let j = 0; j < k; j++) {
        const e = experts[r * k + j];
        dd[r * E + e] = (gg[r * E + e] - dot / s) / s;
      }
    }
    return [dp];
  }, 'topkGates');
  return { gates: out, experts };
}

/**
 * Rows `index` of x (N, D) -> (M, D). The backward adds each output row's gradient into its source row.
 *
 * @example const xe = gatherRows(x, tokensOfExpert); // (N, d) -> (M, d)
 */
export function gatherRows(x: Tensor, index: Int32Array): Tensor {
  require2d(x, 'gatherRows', 'x');
  const [N, D] = x.shape;
  checkIndex(index, N, 'gatherRows');
  const M = index.length;
  const out = Tensor.empty([M, D]);
  const xd = x.f32(), od = out.f32();
  for (let m = 0; m < M; m++) od.set(xd.subarray(index[m] * D, (index[m] + 1) * D), m * D);
  return record(out, [x], (g) => [scatterRowsRaw(g.f32(), index, N, D)], 'gatherRows');
}

/**
 * The adjoint of gatherRows: an (N, D) tensor of zeros with row m of y (M, D) added into row index[m].
 *
 * @example const y = scatterRows(expertOut, tokensOfExpert, N); // (M, d) -> (N, d)
 */
export function scatterRows(y: Tensor, index: Int32Array, rows: number): Tensor {
  require2d(y, 'scatterRows', 'y');
  const [M, D] = y.shape;
  if (index.length !== M) throw new ShapeError(`scatterRows: index has ${index.length} entries but y has ${M} rows`);
  if (!Number.isInteger(rows) || rows < 0) throw new RangeError(`scatterRows: rows must be a non-negative integer, got ${rows}`);
  checkIndex(index, rows, 'scatterRows');
  const out = scatterRowsRaw(y.f32(), index, rows, D);
  return record(out, [y], (g) => {
    const gy = Tensor.empty([M, D]);
    const gd = g.f32(), o = gy.f32();
    for (let m = 0; m < M; m++) o.set(gd.subarray(index[m] * D, (index[m] + 1) * D), m * D);
    return [gy];
  }, 'scatterRows');
}

function scatterRowsRaw(y: Float32Array, index: Int32Array, rows: number, D: number): Tensor {
  const out = Tensor.zeros([rows, D]);
  const od = out.f32();
  for (let m = 0; m < index.length; m++) {
    const base = index[m] * D;
    for (let c = 0; c < D; c++) od[base + c] += y[m * D + c];
  }
  return out;
}
