// The fused decode path of the v7 family: one native call per block (native.decodeBlock) instead of
// ~15 ops, each with its binding crossing and tensor allocation. The native block runs the very
// kernels the ops run, so it gives the same bits; it is taken only when every projection is a BL-B158
// BitLinear on the packed int8 kernels, and the block's ops path (EclipseBlock.decode) serves the rest.
import { native } from '../native';
import { BitLinear } from '../nn/bitlinear';
import type { KVCache } from '../nn/attention';
import type { Projection } from '../nn/swiglu';
import { ropeTable } from '../ops/attention';
import { ternaryKernels } from '../ops/ternary_kernels';
import type { EclipseBlock } from './eclipse';

let enabled = true;

/**
 * Switches the fused decode block off (every block then decodes op by op) or back on; returns the old
 * setting. Tests compare the two paths with it.
 *
 * @example const before = setFusedDecode(false); try { ... } finally { setFusedDecode(before); }
 */
export function setFusedDecode(on: boolean): boolean {
  const before = enabled;
  enabled = on;
  return before;
}

/** Per-block argument arrays, reused from call to call. */
const scratch = new WeakMap<EclipseBlock, { packed: Uint8Array[]; wScale: Float32Array[]; alpha: Float32Array }>();

function asFusable(p: Projection): BitLinear | null {
  return p instanceof BitLinear && p.activations === 'int8' && p.alpha !== null ? p : null;
}

/**
 * Runs `block` on x (B·t rows of the model width, updated in place) at positions start … start+t−1 over
 * `cache`, if the fused path applies; returns false (x untouched) when it does not.
 */
export function decodeBlockFused(block: EclipseBlock, x: Float32Array, B: number, t: number, cache: KVCache, start: number): boolean {
  if (!enabled || ternaryKernels() === null) return false;
  const { attn, mlp } = block;
  const projections = [attn.q_proj, attn.k_proj, attn.v_proj, attn.o_proj, mlp.gate_proj, mlp.up_proj, mlp.down_proj].map(asFusable);
  if (projections.some((p) => p === null)) return false;
  const layers = projections as BitLinear[];
  const actEps = layers[0].actEps;
  if (layers.some((p) => p.actEps !== actEps) || block.attn_norm.eps !== block.mlp_norm.eps) return false;
  let s = scratch.get(block);
  if (s === undefined) scratch.set(block, (s = { packed: new Array(7), wScale: new Array(7), alpha: new Float32Array(7) }));
  for (let i = 0; i < 7; i++) {
    const w = layers[i].quantized();
    if (w.packed === null) return false;
    s.packed[i] = w.packed;
    s.wScale[i] = w.quant.scale;
    s.alpha[i] = layers[i].alpha!.f32()[0];
  }
  const { cos, sin } = ropeTable(attn.headDim, attn.ropeBase, start + t);
  native.decodeBlock(x, block.attn_norm.weight.f32(), block.mlp_norm.weight.f32(), s.packed, s.wScale, s.alpha, cache.k, cache.v,
    cos, sin, B, t, attn.heads, mlp.hidden, start, cache.capacity, block.attn_norm.eps, actEps, 1 / Math.sqrt(attn.headDim));
  return true;
}
