// The fused decode paths of the v7 family: a whole model step in one native call (native.decodeStep
// over a plan that binds the weights and caches once), else one call per block (native.decodeBlock),
// instead of ~15 ops per block, each with its binding crossing and tensor allocation. The native code
// runs the very kernels the ops run, so it gives the same bits; it is taken only when every projection
// is a BL-B158 BitLinear on the packed int8 kernels, and the ops path (EclipseBlock.decode) serves the rest.
import { native } from '../native';
import type { DecodePlan } from '../native/decode';
import type { HalfFormat } from '../native/gemm';
import { Tensor } from '../tensor/tensor';
import { anyForwardHooks, type Module } from '../nn/module';
import { BitLinear } from '../nn/bitlinear';
import type { KVCache } from '../nn/attention';
import type { Projection } from '../nn/swiglu';
import { ropeTable } from '../ops/attention';
import { ternaryKernels } from '../ops/ternary_kernels';
import type { EclipseBlock, EclipseModel } from './eclipse';

/** How the v7 family decodes: the whole step natively, one native call per block, or op by op. */
export type DecodePath = 'model' | 'block' | 'ops';

let decodePath: DecodePath = 'model';

/**
 * Chooses the decode path ('model', the default, falls back to 'block', which falls back to 'ops' where
 * a fused path does not apply); returns the old one. Tests compare the three with it.
 *
 * @example const before = setDecodePath('ops'); try { ... } finally { setDecodePath(before); }
 */
export function setDecodePath(path: DecodePath): DecodePath {
  if (path !== 'model' && path !== 'block' && path !== 'ops')
    throw new TypeError(`setDecodePath: path must be 'model', 'block' or 'ops', got ${String(path)}`);
  const before = decodePath;
  decodePath = path;
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
  if (decodePath === 'ops' || ternaryKernels() === null || blockHooked(block)) return false;
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

/**
 * Whether a forward hook sits on the block or a module inside it. The fused kernels skip those modules'
 * forward(), so with a hook (an ablation, a probe) the decode runs op by op, where the hooks fire.
 */
function blockHooked(b: EclipseBlock): boolean {
  if (!anyForwardHooks()) return false;
  const { attn, mlp } = b;
  return [b, b.attn_norm, b.mlp_norm, attn, mlp, attn.q_proj, attn.k_proj, attn.v_proj, attn.o_proj, mlp.gate_proj, mlp.up_proj, mlp.down_proj]
    .some((m) => m.hasForwardHooks);
}

/** A 16-bit copy of the tied head, and its format (EclipseModel.setDecodeHead). */
export interface Head16 {
  data: Uint16Array;
  format: HalfFormat;
}

/** What a whole-model plan was built from: it is rebuilt when any of these changes. */
interface PlanEntry {
  plan: DecodePlan;
  /** Every module the plan read (blocks, norms, projections), to notice one replaced. */
  modules: Module[];
  /** Every tensor the plan read, and its version then. */
  tensors: Tensor[];
  versions: number[];
  head: Uint16Array | null;
}

const plans = new WeakMap<KVCache, PlanEntry>();

/**
 * The whole decode step of `model` in one native call (native.decodeStep), if every block is fusable:
 * logits (B, t, vocab), the caches updated. Returns null (nothing touched) when it does not apply.
 * The plan binding the weights and caches is kept per decode state (keyed by its first cache) and
 * rebuilt when a weight's version or the head precision changes.
 */
export function decodeModelFused(model: EclipseModel, tokens: Tensor, caches: KVCache[], start: number, head16: Head16 | null): Tensor | null {
  const plan = fusedPlan(model, caches, head16);
  if (plan === null) return null;
  const [B, t] = tokens.shape;
  const out = Tensor.empty([B, t, model.config.vocabSize]);
  native.decodeStep(plan, tokens.data as Int32Array, t, start, out.f32());
  return out;
}

/**
 * decodeModelFused for one token per sequence, written into `out` (batch × vocab): no tensors, for the
 * generate loop (EclipseModel.decodeNextInto). Returns false (nothing touched) when it does not apply.
 */
export function decodeNextFused(model: EclipseModel, tokens: Int32Array, caches: KVCache[], start: number, head16: Head16 | null, out: Float32Array): boolean {
  const plan = fusedPlan(model, caches, head16);
  if (plan === null) return false;
  native.decodeStep(plan, tokens, 1, start, out);
  return true;
}

/** The whole-model plan for these caches, built or rebuilt as needed; null when the model is not fusable. */
function fusedPlan(model: EclipseModel, caches: KVCache[], head16: Head16 | null): DecodePlan | null {
  if (decodePath !== 'model' || ternaryKernels() === null) return null;
  if (anyForwardHooks() && (model.embed_tokens.hasForwardHooks || model.norm.hasForwardHooks || [...model.layers].some(blockHooked))) return null;
  let entry = plans.get(caches[0]);
  if (entry === undefined || entry.head !== (head16?.data ?? null) || !current(model, entry)) {
    const blocks = [...model.layers];
    const modules: Module[] = [model.embed_tokens, model.norm];
    const tensors: Tensor[] = [model.embed_tokens.weight, model.norm.weight];
    for (const b of blocks) {
      const projections = [b.attn.q_proj, b.attn.k_proj, b.attn.v_proj, b.attn.o_proj, b.mlp.gate_proj, b.mlp.up_proj, b.mlp.down_proj];
      modules.push(b, b.attn_norm, b.mlp_norm, b.attn, b.mlp, ...projections);
      tensors.push(b.attn_norm.weight, b.mlp_norm.weight);
      for (const p of projections) {
        const f = asFusable(p);
        if (f === null) return null;
        tensors.push(f.weight, f.alpha!);
      }
    }
    const versions = tensors.map((x) => x.version);
    const plan = buildPlan(model, blocks, caches, head16);
    if (plan === null) return null;
    plans.set(caches[0], (entry = { plan, modules, tensors, versions, head: head16?.data ?? null }));
  }
  return entry.plan;
}

/** Whether the model still holds the modules and weight versions the entry's plan was built from. */
function current(model: EclipseModel, e: PlanEntry): boolean {
  const { modules: m, tensors, versions } = e;
  if (m[0] !== model.embed_tokens || m[1] !== model.norm || model.layers.length * 12 + 2 !== m.length) return false;
  let i = 2;
  for (const b of model.layers) {
    const { attn, mlp } = b;
    if (m[i] !== b || m[i + 1] !== b.attn_norm || m[i + 2] !== b.mlp_norm || m[i + 3] !== attn || m[i + 4] !== mlp || m[i + 5] !== attn.q_proj ||
      m[i + 6] !== attn.k_proj || m[i + 7] !== attn.v_proj || m[i + 8] !== attn.o_proj || m[i + 9] !== mlp.gate_proj || m[i + 10] !== mlp.up_proj ||
      m[i + 11] !== mlp.down_proj)
      return false;
    i += 12;
  }
  for (let j = 0; j < tensors.length; j++) if (tensors[j].version !== versions[j]) return false;
  return true;
}

function buildPlan(model: EclipseModel, blocks: EclipseBlock[], caches: KVCache[], head16: Head16 | null): DecodePlan | null {
  const first = blocks[0];
  const normEps = first.attn_norm.eps;
  const packed: Uint8Array[] = [], wScale: Float32Array[] = [];
  const alpha = new Float32Array(7 * blocks.length);
  let actEps: number | null = null;
  for (const [l, b] of blocks.entries()) {
    if (b.attn_norm.eps !== normEps || b.mlp_norm.eps !== normEps) return null;
    const layers = [b.attn.q_proj, b.attn.k_proj, b.attn.v_proj, b.attn.o_proj, b.mlp.gate_proj, b.mlp.up_proj, b.mlp.down_proj].map(asFusable);
    for (const [i, p] of layers.entries()) {
      if (p === null || (actEps ??= p.actEps) !== p.actEps) return null;
      const w = p.quantized();
      if (w.packed === null) return null;
      packed.push(w.packed);
      wScale.push(w.quant.scale);
      alpha[7 * l + i] = p.alpha!.f32()[0];
    }
  }
  const { heads, headDim, ropeBase } = first.attn;
  const capacity = caches[0].capacity;
  const { cos, sin } = ropeTable(headDim, ropeBase, capacity);
  return native.decodePlan(
    model.embed_tokens.weight.f32(), head16?.data ?? null, head16?.format ?? 'f16', model.norm.weight.f32(), model.norm.eps,
    blocks.map((b) => b.attn_norm.weight.f32()), blocks.map((b) => b.mlp_norm.weight.f32()), packed, wScale, alpha,
    caches.map((c) => c.k), caches.map((c) => c.v), cos, sin,
    caches[0].batch, heads, first.mlp.hidden, capacity, normEps, actEps!, 1 / Math.sqrt(headDim),
  );
}
