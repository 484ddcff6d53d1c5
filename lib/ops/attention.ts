// Causal multi-head attention and rotate-half RoPE (spec S7) on the native kernels
// (native/src/kernels/attention). Tensors are (B, T, H, D), or (B, T, C) with `heads` given (C = H·D):
// the layout a linear layer produces, so no transposes. Attention saves o and the per-row logsumexp
// for its backward (FlashAttention-2 recomputation); RoPE's backward is the inverse rotation.
import { DTypeError, ShapeError, formatShape } from '../errors';
import { native } from '../native';
import { needsGrad, noGrad, record } from '../tensor/autograd';
import { Tensor } from '../tensor/tensor';

type Dims = { B: number; T: number; H: number; D: number };

/** B, T, H, D of a (B, T, H, D) tensor, or of a (B, T, C) tensor split into `heads`. */
function headDims(x: Tensor, op: string, arg: string, heads: number | undefined): Dims {
  if (x.dtype !== 'f32') throw new DTypeError(`${op}: ${arg} must be f32, got ${x.dtype}`);
  if (x.ndim === 4) {
    const [B, T, H, D] = x.shape;
    if (heads !== undefined && heads !== H)
      throw new ShapeError(`${op}: heads (${heads}) must equal ${arg}.shape[2] (${H}) for a (B, T, H, D) input`);
    if (H < 1 || D < 1) throw new ShapeError(`${op}: ${arg} must have H >= 1 and D >= 1, got ${formatShape(x.shape)}`);
    return { B, T, H, D };
  }
  if (x.ndim === 3) {
    if (heads === undefined)
      throw new ShapeError(`${op}: ${arg} is (B, T, C) ${formatShape(x.shape)}; pass { heads } to split C, or reshape to (B, T, H, D)`);
    const [B, T, C] = x.shape;
    if (!Number.isInteger(heads) || heads < 1 || C % heads !== 0 || C === 0)
      throw new ShapeError(`${op}: heads must be a positive integer dividing C (${C}), got ${heads}`);
    return { B, T, H: heads, D: C / heads };
  }
  throw new ShapeError(`${op}: ${arg} must be (B, T, H, D) or (B, T, C), got ${formatShape(x.shape)}`);
}

function sameShape(a: Tensor, b: Tensor, op: string, an: string, bn: string): void {
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i]))
    throw new ShapeError(`${op}: ${bn} must have the shape of ${an} ${formatShape(a.shape)}, got ${formatShape(b.shape)}`);
}

export interface AttentionOptions {
  /** Multiplies q·kᵀ; default 1/sqrt(D). */
  scale?: number;
  /** Number of heads when q, k, v are (B, T, C). */
  heads?: number;
}

function attentionArgs(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions, op: string): Dims & { scale: number } {
  const dims = headDims(q, op, 'q', options.heads);
  for (const [t, name] of [[k, 'k'], [v, 'v']] as const) {
    if (t.dtype !== 'f32') throw new DTypeError(`${op}: ${name} must be f32, got ${t.dtype}`);
    sameShape(q, t, op, 'q', name);
  }
  const scale = options.scale ?? 1 / Math.sqrt(dims.D);
  if (!Number.isFinite(scale)) throw new RangeError(`${op}: scale must be a finite number, got ${scale}`);
  return { ...dims, scale };
}

/**
 * Causal multi-head attention: o_i = Σ_{j<=i} softmax_j(q_i·k_j·scale)·v_j per head, computed tile by
 * tile (the T×T matrix never exists). Output has q's shape.
 *
 * @example
 * const o = causalAttention(q, k, v, { heads: 12 }); // q, k, v (B, T, 768) -> o (B, T, 768)
 */
export function causalAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  const { B, T, H, D, scale } = attentionArgs(q, k, v, options, 'causalAttention');
  const o = Tensor.empty(q.shape); // (B, T, H, D)
  const lse = Tensor.empty([B, H, T]); // logsumexp of each row's scaled scores, for the backward
  native.attentionForward(q.f32(), k.f32(), v.f32(), o.f32(), lse.f32(), B, T, H, D, scale);
  return record(o, [q, k, v], (g) => {
    const grads = [Tensor.empty(q.shape), Tensor.empty(k.shape), Tensor.empty(v.shape)];
    // One pass yields all three gradients; the ones nobody needs go straight back to the pool.
    native.attentionBackward(q.f32(), k.f32(), v.f32(), o.f32(), lse.f32(), g.f32(),
      grads[0].f32(), grads[1].f32(), grads[2].f32(), B, T, H, D, scale);
    return [q, k, v].map((x, i) => {
      if (needsGrad(x)) return grads[i];
      grads[i].dispose();
      return null;
    });
  }, 'causalAttention');
}

/**
 * The causal attention probabilities (B, H, T, T), zeros above the diagonal; not differentiable.
 * O(T²) memory: meant for attention-map figures on short inputs.
 *
 * @example
 * const p = attentionProbs(q, k, { heads: 4 }); // q, k (1, 32, 256) -> p (1, 4, 32, 32)
 */
export function attentionProbs(q: Tensor, k: Tensor, options: AttentionOptions = {}): Tensor {
  const { B, T, H, D, scale } = attentionArgs(q, k, k, options, 'attentionProbs');
  return noGrad(() => {
    const p = Tensor.empty([B, H, T, T]);
    native.attentionProbs(q.f32(), k.f32(), p.f32(), B, T, H, D, scale);
    return p;
  });
}

export interface RopeOptions {
  /** Frequency base: inv_freq_i = base^(−2i/D). Default 10000. */
  base?: number;
  /** Position of the first time step (a KV cache's length during generation). Default 0. */
  start?: number;
  /** Number of heads when x is (B, T, C). */
  heads?: number;
}

// cos/sin tables per (D, base), grown to a power of two of positions, shared by every call.
const ropeTables = new Map<string, { P: number; cos: Float32Array; sin: Float32Array }>();

/**
 * The shared RoPE cos/sin tables (P, D/2) for head dim D and `base`, covering at least `positions`
 * positions (the fused decode block reads them too, so both paths rotate by the same numbers).
 *
 * @example const { cos, sin } = ropeTable(64, 10000, start + t);
 */
export function ropeTable(D: number, base: number, positions: number): { cos: Float32Array; sin: Float32Array } {
  const key = `${D}:${base}`;
  let t = ropeTables.get(key);
  if (t === undefined || t.P < positions) {
    let P = Math.max(64, t?.P ?? 0);
    while (P < positions) P *= 2;
    t = { P, cos: new Float32Array(P * (D / 2)), sin: new Float32Array(P * (D / 2)) };
    native.ropeTable(t.cos, t.sin, P, D, base);
    ropeTables.set(key, t);
  }
  return t;
}

/**
 * Rotary position embedding with rotate-half (GPT-NeoX) pairing: element i of each head pairs with
 * i + D/2 and rotates by angle (start + t)·base^(−2i/D). Output has x's shape. D must be even.
 *
 * @example
 * const qr = rope(q, { heads: 4 }); // q (B, T, 256), 4 heads of 64
 */
export function rope(x: Tensor, options: RopeOptions = {}): Tensor {
  const { base = 10000, start = 0 } = options;
  const { B, T, H, D } = headDims(x, 'rope', 'x', options.heads);
  if (D % 2 !== 0) throw new ShapeError(`rope: head dim D must be even (rotate-half pairs i with i + D/2), got ${D}`);
  if (!(Number.isFinite(base) && base > 0)) throw new RangeError(`rope: base must be a finite number > 0, got ${base}`);
  if (!Number.isInteger(start) || start < 0) throw new RangeError(`rope: start must be an integer >= 0, got ${start}`);
  const { cos, sin } = ropeTable(D, base, start + T);
  const y = Tensor.empty(x.shape);
  native.ropeForward(x.f32(), y.f32(), cos, sin, B, T, H, D, start);
  return record(y, [x], (g) => {
    const gx = Tensor.empty(x.shape);
    native.ropeBackward(g.f32(), gx.f32(), cos, sin, B, T, H, D, start);
    return [gx];
  }, 'rope');
}
