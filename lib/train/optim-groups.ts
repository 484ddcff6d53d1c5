// Parameter groups for the optimizers (PyTorch's param_groups): per-group hyper-parameter overrides,
// an lr scale per group, a no-decay rule by parameter name, and the optimizer state dict (step count,
// hyper-parameters and moment buffers as named tensors) that round-trips bit-exactly through safetensors.
import { FormatError, ShapeError } from '../errors';
import { Tensor } from '../tensor/tensor';

/** A parameter list: tensors, or [name, tensor] pairs as Module.namedParameters() returns. */
export type ParamList = Iterable<Tensor> | Iterable<[string, Tensor]>;

export function toNamed(params: ParamList): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  let i = 0;
  for (const p of params as Iterable<Tensor | [string, Tensor]>) {
    out.push(p instanceof Tensor ? [p.name ?? `param${i}`, p] : p);
    i++;
  }
  if (out.length === 0) throw new RangeError('optimizer: params must hold at least one tensor');
  for (const [name, p] of out) {
    if (p.dtype !== 'f32' || !p.requiresGrad) throw new TypeError(`optimizer: parameter '${name}' must be an f32 tensor with requiresGrad`);
  }
  return out;
}

/**
 * Which parameters get no weight decay, by dotted name ("layers.0.attn.q_proj.bias"):
 * - a RegExp is tested against the whole name (unanchored: /norm/ matches "layers.0.norm1.weight");
 * - a string is a glob over the whole name: `*` matches within one dotted segment, `**` across
 *   segments, `?` one character ("**.bias", "embed.*", "**norm**");
 * - or a predicate (name, tensor) → boolean (e.g. every 1-D tensor: `(_, p) => p.ndim < 2`).
 * v6.1-PT's rule (spec §7) is the substrings bias, norm, scale, alpha, slots, emb, pos, router.
 */
export type NoDecayRule = readonly (RegExp | string)[] | ((name: string, p: Tensor) => boolean);

/** v6.1-PT's no-decay rule: names containing any of these substrings (spec §7). */
export const NO_DECAY_V61PT: NoDecayRule = ['bias', 'norm', 'scale', 'alpha', 'slots', 'emb', 'pos', 'router'].map((s) => `**${s}**`);

/** A glob over dotted names as a RegExp anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^.]*';
    else if (c === '?') re += '[^.]';
    else re += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function noDecayPredicate(rule: NoDecayRule | undefined): (name: string, p: Tensor) => boolean {
  if (rule === undefined) return () => false;
  if (typeof rule === 'function') return rule;
  const res = rule.map((r) => {
    if (r instanceof RegExp) return new RegExp(r.source, r.flags.replace(/[gy]/g, '')); // stateless test()
    if (typeof r === 'string') return globToRegExp(r);
    throw new TypeError(`optimizer: noDecay entries must be RegExps or glob strings, got ${String(r)}`);
  });
  return (name) => res.some((r) => r.test(name));
}

/** One PyTorch-style group: its parameters and any overrides of the optimizer's options. */
export type ParamGroupSpec<O> = O & { params: ParamList; name?: string };

/** A parameter's hyper-parameters after group overrides and the no-decay rule. */
export type Resolved<H> = H & { group: number; groupName: string };

function isGroupList(params: unknown): params is ParamGroupSpec<object>[] {
  return Array.isArray(params) && params.length > 0 && params.every((g) => g !== null && typeof g === 'object' && !(g instanceof Tensor) && !Array.isArray(g) && 'params' in g);
}

function checkHyper(kind: string, where: string, h: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(h)) {
    if (k === 'betas') {
      const b = v as number[];
      if (!Array.isArray(b) || b.length !== 2 || !b.every((x) => x >= 0 && x < 1)) throw new RangeError(`${kind}: ${where} betas must be two numbers in [0, 1), got ${JSON.stringify(v)}`);
    } else if (k === 'nesterov') {
      if (typeof v !== 'boolean') throw new TypeError(`${kind}: ${where} nesterov must be a boolean, got ${String(v)}`);
    } else if (!(typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
      throw new RangeError(`${kind}: ${where} ${k} must be a finite number >= 0, got ${String(v)}`);
    }
  }
}

/**
 * Flattens `params` (a list, or groups) into named parameters and each one's resolved hyper-parameters.
 * A group may override only the keys in `defaults`; a parameter may appear in one group only.
 */
export function resolveGroups<H extends { weightDecay: number; lrScale: number }>(
  kind: string,
  params: ParamList | ParamGroupSpec<Partial<H>>[],
  defaults: H,
  noDecay: NoDecayRule | undefined,
): { params: [string, Tensor][]; hyper: Resolved<H>[] } {
  checkHyper(kind, 'option', defaults);
  const groups: ParamGroupSpec<Partial<H>>[] = isGroupList(params) ? params : [{ params } as ParamGroupSpec<Partial<H>>];
  const isNoDecay = noDecayPredicate(noDecay);
  const outParams: [string, Tensor][] = [];
  const hyper: Resolved<H>[] = [];
  const seen = new Map<Tensor, string>();
  groups.forEach((g, gi) => {
    const { params: ps, name, ...overrides } = g as ParamGroupSpec<Partial<H>> & Record<string, unknown>;
    const groupName = typeof name === 'string' ? name : `group${gi}`;
    for (const k of Object.keys(overrides)) if (!(k in defaults)) throw new TypeError(`${kind}: group '${groupName}' has unknown option '${k}' (allowed: ${Object.keys(defaults).join(', ')})`);
    checkHyper(kind, `group '${groupName}'`, overrides);
    for (const [pname, p] of toNamed(ps)) {
      if (seen.has(p)) throw new RangeError(`${kind}: parameter '${pname}' appears in more than one group ('${seen.get(p)}' and '${groupName}')`);
      seen.set(p, groupName);
      const h = structuredClone({ ...defaults, ...overrides, group: gi, groupName }) as Resolved<H>; // own betas array per parameter
      if (isNoDecay(pname, p)) h.weightDecay = 0;
      outParams.push([pname, p]);
      hyper.push(h);
    }
  });
  return { params: outParams, hyper };
}

/** An optimizer's state: the buffers as named tensors plus JSON in safetensors-style string metadata. */
export interface OptimizerState {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** The JSON stored under metadata['flashlm.optimizer']. */
export interface OptimizerMeta {
  format: 1;
  type: string;
  stepCount: number;
  lr: number;
  params: ({ name: string; shape: number[] } & Record<string, unknown>)[];
}

const META_KEY = 'flashlm.optimizer';

interface StatefulOptimizer {
  readonly params: [string, Tensor][];
  readonly hyper: Record<string, unknown>[];
  stepCount: number;
  lr: number;
}

/** The state of `opt`: its own buffer tensors (not copies), named "<buffer>.<param>". */
export function stateOf(type: string, opt: StatefulOptimizer, buffers: Record<string, (Tensor | null)[]>): OptimizerState {
  const tensors = new Map<string, Tensor>();
  for (const [prefix, list] of Object.entries(buffers)) {
    opt.params.forEach(([name], i) => {
      const t = list[i];
      if (t !== null) tensors.set(`${prefix}.${name}`, t);
    });
  }
  const meta: OptimizerMeta = {
    format: 1,
    type,
    stepCount: opt.stepCount,
    lr: opt.lr,
    params: opt.params.map(([name, p], i) => ({ name, shape: [...p.shape], ...opt.hyper[i] })),
  };
  return { tensors, metadata: { [META_KEY]: JSON.stringify(meta) } };
}

/**
 * Checks `state` against `opt` (type, parameter names and order, shapes, buffers), then copies the
 * buffers and restores each parameter's hyper-parameters. Returns the step count and lr to restore.
 */
export function checkStateFor(type: string, opt: StatefulOptimizer, state: OptimizerState, buffers: Record<string, (Tensor | null)[]>): OptimizerMeta {
  const fn = `${type}.loadStateDict`;
  const raw = state?.metadata?.[META_KEY];
  if (typeof raw !== 'string') throw new FormatError(`${fn}: metadata['${META_KEY}'] is missing (not an optimizer state)`);
  let meta: OptimizerMeta;
  try {
    meta = JSON.parse(raw) as OptimizerMeta;
  } catch {
    throw new FormatError(`${fn}: metadata['${META_KEY}'] is not valid JSON`);
  }
  if (meta.format !== 1) throw new FormatError(`${fn}: unknown optimizer state format ${String(meta.format)} (expected 1)`);
  if (meta.type !== type) throw new FormatError(`${fn}: the state is for ${String(meta.type)}, not ${type}`);
  if (!Number.isSafeInteger(meta.stepCount) || meta.stepCount < 0) throw new FormatError(`${fn}: stepCount must be a non-negative integer, got ${String(meta.stepCount)}`);
  if (!(Number.isFinite(meta.lr) && meta.lr >= 0)) throw new FormatError(`${fn}: lr must be a finite number >= 0, got ${String(meta.lr)}`);
  const names = opt.params.map(([n]) => n);
  const saved = Array.isArray(meta.params) ? meta.params.map((p) => p?.name) : [];
  if (saved.length !== names.length || saved.some((n, i) => n !== names[i])) {
    const missing = names.filter((n) => !saved.includes(n));
    const unexpected = saved.filter((n) => !names.includes(n));
    throw new ShapeError(`${fn}: parameters do not match (missing: ${missing.join(', ') || 'none'}; unexpected: ${unexpected.join(', ') || 'none'}${missing.length + unexpected.length === 0 ? '; order differs' : ''})`);
  }
  const expected = new Set<string>();
  for (const [prefix, list] of Object.entries(buffers)) {
    opt.params.forEach(([name, p], i) => {
      const key = `${prefix}.${name}`;
      const src = state.tensors.get(key);
      const own = list[i];
      if (own === null) {
        if (src !== undefined) throw new FormatError(`${fn}: the state has '${key}' but this optimizer keeps no such buffer (different momentum?)`);
        return;
      }
      expected.add(key);
      if (src === undefined) throw new FormatError(`${fn}: the state lacks '${key}'`);
      if (src.dtype !== 'f32' || src.shape.length !== p.shape.length || src.shape.some((d, k) => d !== p.shape[k]))
        throw new ShapeError(`${fn}: '${key}' is ${src.dtype} (${src.shape.join(', ')}), expected f32 (${p.shape.join(', ')})`);
    });
  }
  for (const key of state.tensors.keys()) if (!expected.has(key)) throw new FormatError(`${fn}: unexpected tensor '${key}' in the state`);
  // everything checked: now copy (bit-exact) and restore the hyper-parameters
  for (const [prefix, list] of Object.entries(buffers)) {
    opt.params.forEach(([name], i) => list[i]?.f32().set(state.tensors.get(`${prefix}.${name}`)!.f32()));
  }
  opt.params.forEach((_, i) => {
    const { name: _n, shape: _s, ...h } = meta.params[i];
    for (const k of Object.keys(opt.hyper[i])) if (k in h) opt.hyper[i][k] = h[k];
  });
  return meta;
}
