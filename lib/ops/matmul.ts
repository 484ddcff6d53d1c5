// Matrix products over the native f32 GEMM: matmul (batched, with a shared right operand) and
// linear (PyTorch's x·Wᵀ, weights stored (out, in)). Forward and backward are each one GEMM call
// whose transpose flags replace explicit transposes.
import { ShapeError, DTypeError, formatShape } from '../errors';
import { native } from '../native';
import { needsGrad, record } from '../tensor/autograd';
import { Tensor } from '../tensor/tensor';

function requireF32(t: Tensor, op: string, name: string): void {
  if (t.dtype !== 'f32') throw new DTypeError(`${op}: ${name} must be f32, got ${t.dtype}`);
}

/** C(M×N) = op(A)·op(B) (+ beta·C), repeated `batch` times; strides in elements (0 broadcasts). */
function gemm(
  transA: boolean, transB: boolean, batch: number, M: number, N: number, K: number,
  a: Tensor, strideA: number, b: Tensor, strideB: number, c: Tensor, beta = 0,
): void {
  native.gemm(transA, transB, batch, M, N, K, a.f32(), strideA, b.f32(), strideB, c.f32(), beta);
}

/**
 * Matrix product of the last two dimensions. `a` is (..., M, K); `b` is either (K, N), shared by
 * every batch element, or (..., K, N) with the same leading dimensions as `a`.
 *
 * @example
 * const y = matmul(x, w); // (B, T, K) · (K, N) -> (B, T, N)
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  requireF32(a, 'matmul', 'a');
  requireF32(b, 'matmul', 'b');
  if (a.ndim < 2 || b.ndim < 2) {
    throw new ShapeError(`matmul: a and b need at least 2 dimensions, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  const M = a.shape[a.ndim - 2], K = a.shape[a.ndim - 1];
  const Kb = b.shape[b.ndim - 2], N = b.shape[b.ndim - 1];
  if (Kb !== K) {
    throw new ShapeError(`matmul: b.shape[${b.ndim - 2}] must equal a.shape[${a.ndim - 1}] (${K}), got ${Kb}`);
  }
  const batchShape = a.shape.slice(0, -2);
  const batch = batchShape.reduce((p, d) => p * d, 1);
  const shared = b.ndim === 2;
  if (!shared && (b.ndim !== a.ndim || b.shape.slice(0, -2).some((d, i) => d !== batchShape[i]))) {
    throw new ShapeError(`matmul: b must be (K, N) or have a's leading dimensions; got a ${formatShape(a.shape)}, b ${formatShape(b.shape)}`);
  }
  const out = Tensor.empty([...batchShape, M, N]);
  if (shared) {
    // One tall GEMM: rows of every batch element share B.
    gemm(false, false, 1, batch * M, N, K, a, 0, b, 0, out);
  } else {
    gemm(false, false, batch, M, N, K, a, M * K, b, K * N, out);
  }
  return record(out, [a, b], (g) => {
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (needsGrad(a)) {
      ga = Tensor.empty(a.shape); // dA = dC · Bᵀ
      if (shared) gemm(false, true, 1, batch * M, K, N, g, 0, b, 0, ga);
      else gemm(false, true, batch, M, K, N, g, M * N, b, K * N, ga);
    }
    if (needsGrad(b)) {
      gb = Tensor.empty(b.shape); // dB = Aᵀ · dC, summed over the batch when B is shared
      if (shared) gemm(true, false, 1, K, N, batch * M, a, 0, g, 0, gb);
      else gemm(true, false, batch, K, N, M, a, M * K, g, M * N, gb);
    }
    return [ga, gb];
  }, 'matmul');
}

/**
 * y = x·Wᵀ, with W stored (out, in) as in PyTorch's nn.Linear (no bias: add one with `add`).
 * `x` is (..., in); the result is (..., out).
 *
 * @example
 * const y = linear(x, w); // (B, T, 256) with w (768, 256) -> (B, T, 768)
 */
export function linear(x: Tensor, w: Tensor): Tensor {
  requireF32(x, 'linear', 'x');
  requireF32(w, 'linear', 'weight');
  if (w.ndim !== 2) throw new ShapeError(`linear: weight must be 2-D (out, in), got ${formatShape(w.shape)}`);
  if (x.ndim < 1) throw new ShapeError('linear: x must have at least 1 dimension');
  const [N, K] = w.shape;
  if (x.shape[x.ndim - 1] !== K) {
    throw new ShapeError(`linear: x.shape[${x.ndim - 1}] must equal weight.shape[1] (${K}), got ${x.shape[x.ndim - 1]}`);
  }
  const R = x.size / K || 0;
  const out = Tensor.empty([...x.shape.slice(0, -1), N]);
  gemm(false, true, 1, R, N, K, x, 0, w, 0, out); // (R, K)·(N, K)ᵀ
  return record(out, [x, w], (g) => {
    let gx: Tensor | null = null, gw: Tensor | null = null;
    if (needsGrad(x)) {
      gx = Tensor.empty(x.shape);
      gemm(false, false, 1, R, K, N, g, 0, w, 0, gx); // (R, N)·(N, K)
    }
    if (needsGrad(w)) {
      gw = Tensor.empty(w.shape);
      gemm(true, false, 1, N, K, R, g, 0, x, 0, gw); // (R, N)ᵀ·(R, K)
    }
    return [gx, gw];
  }, 'linear');
}
