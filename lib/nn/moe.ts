// A mixture-of-experts feed-forward (spec S8, v6.1-PT form): probabilities p = softmax(router(x)) over
// E experts, each token keeps its top-k experts with their probabilities renormalised to sum to 1, and
// the output is the gate-weighted sum of those experts' SwiGLU outputs. Tokens are dispatched sparsely
// (each expert runs only on the rows routed to it), so compute per token is k experts, not E.
//
// Routing is observable: any module implementing `RoutingSource` (this one; v6.1's MoE later) reports
// its per-token probabilities and chosen experts to a recorder while one is set, and `recordRouting`
// walks a model to find every such router — that is what flashlm.plot.routing reads.
import { ShapeError, formatShape } from '../errors';
import { mul, add } from '../ops/elementwise';
import { transpose } from '../ops/movement';
import { gatherRows, scatterRows, topkGates } from '../ops/routing';
import { softmax } from '../ops/softmax';
import { noGrad } from '../tensor/autograd';
import { tidy } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import { BitLinear, InitSource } from './bitlinear';
import { Linear } from './linear';
import { Module, ModuleList } from './module';
import { Projection, ProjectionFactory, SwiGLU } from './swiglu';

/** What one router saw in one forward: N = product of the input's leading dimensions. */
export interface RoutingRecord {
  /** Dotted module path of the router's owner ('layers.1.moe'). */
  path: string;
  numExperts: number;
  topK: number;
  /** Leading dimensions of the routed input ([B, T] for a language model). */
  shape: number[];
  /** Router probabilities (N, E), row-major: softmax over experts, before top-k. */
  probs: Float32Array;
  /** Chosen experts (N, k), largest probability first. */
  experts: Int32Array;
}

export type RoutingRecorder = (r: Omit<RoutingRecord, 'path'>) => void;

/** A module that routes tokens to experts and reports it while `routingRecorder` is set. */
export interface RoutingSource {
  readonly numExperts: number;
  readonly topK: number;
  routingRecorder: RoutingRecorder | null;
}

export function isRoutingSource(m: unknown): m is RoutingSource & Module {
  return m instanceof Module && typeof (m as unknown as RoutingSource).numExperts === 'number' && 'routingRecorder' in m;
}

/**
 * Every router in `model`'s tree with its dotted path, in module order.
 *
 * @example findRouters(model).map(([path]) => path) // ['layers.0.moe', 'layers.1.moe']
 */
export function findRouters(model: Module): [string, RoutingSource & Module][] {
  return model.namedModules().filter((e): e is [string, RoutingSource & Module] => isRoutingSource(e[1]));
}

/**
 * Runs `run` (a forward pass) without gradients and returns what every router in `model` reported,
 * one record per router call, in call order.
 *
 * @example const recs = recordRouting(model, () => model.forward(tokens));
 */
export function recordRouting(model: Module, run: () => unknown): RoutingRecord[] {
  const routers = findRouters(model);
  const records: RoutingRecord[] = [];
  for (const [path, r] of routers) r.routingRecorder = (rec) => records.push({ path, ...rec });
  try {
    noGrad(() => tidy(() => void run()));
  } finally {
    for (const [, r] of routers) r.routingRecorder = null;
  }
  return records;
}

export interface MoEOptions {
  /** Model width d (input and output). */
  dim: number;
  /** Each expert's SwiGLU hidden width. */
  hidden: number;
  /** Number of experts E (≥ 1). */
  experts: number;
  /** Experts per token k (1 ≤ k ≤ E; v6.1: 2 of 4). */
  topK: number;
  /** The experts' projections (BitLinear for ternary experts; v6.1 uses BL-M). */
  makeProjection: ProjectionFactory;
  /** Router d → E without bias: 'linear' (float, v6.1's nn.Linear; default) or 'bitlinear' (BL-B158). */
  router?: 'linear' | 'bitlinear';
  generator: InitSource;
}

/**
 * Top-k routed SwiGLU experts. Parameters: router.weight (E, d), experts.{e}.{gate,up,down}_proj.
 *
 * @example
 * const moe = new MoE({ dim: 64, hidden: 128, experts: 4, topK: 2, generator: g,
 *   makeProjection: (i, o) => new BitLinear(i, o, { quantizer: 'BL-M', generator: g }) });
 * const y = moe.forward(x); // (B, T, 64) -> (B, T, 64)
 */
export class MoE extends Module implements RoutingSource {
  readonly dim: number;
  readonly numExperts: number;
  readonly topK: number;
  readonly router: Projection;
  readonly experts: ModuleList<SwiGLU>;
  routingRecorder: RoutingRecorder | null = null;

  constructor(o: MoEOptions) {
    super();
    for (const key of ['dim', 'hidden', 'experts', 'topK'] as const) {
      if (!Number.isInteger(o[key]) || o[key] < 1) throw new RangeError(`MoE: options.${key} must be a positive integer, got ${o[key]}`);
    }
    if (o.topK > o.experts) throw new RangeError(`MoE: options.topK (${o.topK}) must be at most options.experts (${o.experts})`);
    if (typeof o.makeProjection !== 'function') throw new TypeError('MoE: options.makeProjection must be a function (in, out, role) => Projection');
    const kind = o.router ?? 'linear';
    if (kind !== 'linear' && kind !== 'bitlinear') throw new TypeError(`MoE: options.router must be 'linear' or 'bitlinear', got ${String(kind)}`);
    this.dim = o.dim;
    this.numExperts = o.experts;
    this.topK = o.topK;
    this.router = this.registerModule('router', kind === 'linear'
      ? new Linear(o.dim, o.experts, { bias: false, generator: o.generator })
      : new BitLinear(o.dim, o.experts, { quantizer: 'BL-B158', generator: o.generator }));
    this.experts = this.registerModule('experts', new ModuleList<SwiGLU>());
    for (let e = 0; e < o.experts; e++) this.experts.push(new SwiGLU(o.dim, o.hidden, o.makeProjection));
  }

  /** Router probabilities (N, E) for x (N, d): softmax over experts. */
  routerProbs(x: Tensor): Tensor {
    return softmax(this.router.forward(x));
  }

  /** x (..., d) -> (..., d) */
  forward(x: Tensor): Tensor {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.dim) throw new ShapeError(`MoE: x must be (..., dim = ${this.dim}), got ${formatShape(x.shape)}`);
    const lead = x.shape.slice(0, -1);
    const N = lead.reduce((a, b) => a * b, 1);
    const E = this.numExperts;
    const flat = x.reshape([N, this.dim]);
    const probs = this.routerProbs(flat);
    const { gates, experts } = topkGates(probs, this.topK);
    this.routingRecorder?.({ numExperts: E, topK: this.topK, shape: lead, probs: probs.f32().slice(), experts: experts.slice() });
    // Gate of (token n, expert e) sits at row e·N + n of the transposed, flattened gates.
    const gateRows = transpose(gates).reshape([E * N, 1]);
    let out: Tensor | null = null;
    for (let e = 0; e < E; e++) {
      const tokens = tokensOf(experts, this.topK, e);
      if (tokens.length === 0) continue;
      const y = this.experts.at(e).forward(gatherRows(flat, tokens)); // (M, d)
      const g = gatherRows(gateRows, tokens.map((n) => e * N + n)); // (M, 1)
      const part = scatterRows(mul(y, g), tokens, N);
      out = out === null ? part : add(out, part);
    }
    return (out ?? Tensor.zeros([N, this.dim])).reshape(x.shape);
  }

  /** Parameters a token uses: the router and k of the E experts. */
  activeParameters(): number {
    const expert = this.experts.at(0).numParameters();
    return this.numParameters() - (this.numExperts - this.topK) * expert;
  }
}

/** Rows (tokens) whose top-k set contains expert e, ascending. */
function tokensOf(experts: Int32Array, k: number, e: number): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < experts.length; i++) if (experts[i] === e) out.push(Math.floor(i / k));
  return Int32Array.from(out);
}
