// Module, like PyTorch's nn.Module: named parameters and children, train()/eval(), stateDict()/
// loadStateDict() and parameter counts. Parameter names follow PyTorch's dotted convention
// ("layers.0.attn.q_proj.weight") so that a checkpoint maps one-to-one onto a PyTorch twin.
import { DTypeError, ShapeError, formatShape } from '../errors';
import { keep, untracked } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import { LayerQuantStats, isQuantStatsSource } from './quant_stats';

/** How many forward hooks are registered on any module: 0 lets fused paths skip checking their modules. */
let liveForwardHooks = 0;

/** Whether any module in the process has a forward hook (a cheap pre-check before walking a model's modules). */
export function anyForwardHooks(): boolean {
  return liveForwardHooks > 0;
}

export abstract class Module {
  /** Training mode (dropout, routing noise, MoD and the like read it). */
  training = true;
  private readonly params = new Map<string, Tensor>();
  private readonly buffers = new Map<string, Tensor>();
  private readonly children = new Map<string, Module>();
  private forwardHooks: { fn: ForwardHook }[] = [];

  /**
   * Registers a trainable parameter under `name`. It is marked requiresGrad and taken out of any
   * tidy() scope so it lives as long as the module.
   */
  protected registerParameter(name: string, value: Tensor): Tensor {
    checkName(name, this);
    if (value.dtype !== 'f32') throw new DTypeError(`${this.constructor.name}: parameter '${name}' must be f32, got ${value.dtype}`);
    keep(value).requiresGrad_();
    value.name = name;
    this.params.set(name, value);
    return value;
  }

  /** Registers state that is saved with the model but not trained (e.g. RoPE tables, counters). */
  protected registerBuffer(name: string, value: Tensor): Tensor {
    checkName(name, this);
    keep(value);
    this.buffers.set(name, value);
    return value;
  }

  /** Registers a child module under `name`; returns it. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    checkName(name, this);
    this.children.set(name, module);
    return module;
  }

  /**
   * Calls `hook(module, inputs, output)` after every forward() of this module (like PyTorch's
   * register_forward_hook), and after each decode step that stands for it during generation (inputs:
   * the step's new positions); a hook that returns a value replaces the output. Returns a function that
   * removes the hook. Generic over any module with a forward method: the first hook shadows the
   * prototype's forward with an instance wrapper and removing the last one deletes it, so a module
   * without hooks runs exactly its own forward.
   *
   * @example
   * const off = model.layers.at(0).registerForwardHook((m, [x], y) => console.log(y.shape));
   * model.forward(tokens); off();
   */
  registerForwardHook(hook: ForwardHook): () => void {
    if (typeof hook !== 'function') throw new TypeError(`${this.constructor.name}.registerForwardHook: hook must be a function, got ${typeof hook}`);
    const self = this as unknown as { forward?: (...args: unknown[]) => unknown };
    const own = Object.getPrototypeOf(this) as { forward?: unknown };
    if (typeof own.forward !== 'function') throw new TypeError(`${this.constructor.name}.registerForwardHook: this module has no forward() method`);
    if (this.forwardHooks.length === 0) {
      const original = own.forward as (...args: unknown[]) => unknown;
      self.forward = (...args: unknown[]) => this.runForwardHooks(args, original.apply(this, args));
    }
    const entry = { fn: hook }; // one entry per registration, so the same function may be added twice
    this.forwardHooks.push(entry);
    liveForwardHooks++;
    return () => {
      if (!this.forwardHooks.includes(entry)) return;
      this.forwardHooks = this.forwardHooks.filter((h) => h !== entry);
      liveForwardHooks--;
      if (this.forwardHooks.length === 0) delete self.forward;
    };
  }

  /** Whether forward hooks are registered on this module (fused paths that skip its forward must not apply). */
  get hasForwardHooks(): boolean {
    return this.forwardHooks.length > 0;
  }

  /**
   * Runs this module's forward hooks on `output` (returned, or what a hook replaced it with). forward()
   * does this through its wrapper; a module's other entry points that stand for forward — a decode
   * step over a cache — call it too, so an ablation hook also holds during generation.
   */
  protected runForwardHooks<T>(inputs: unknown[], output: T): T {
    let out = output;
    for (const h of [...this.forwardHooks]) {
      const replaced = h.fn(this, inputs, out);
      if (replaced !== undefined) out = replaced as T;
    }
    return out;
  }

  /** Direct children, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this.children];
  }

  /** Every module in the tree (this one first) with its dotted path. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.children) out.push(...child.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  /** Every parameter with its dotted PyTorch-style name, depth first in registration order. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.params) out.push([prefix ? `${prefix}.${name}` : name, p]);
    for (const [name, child] of this.children) out.push(...child.namedParameters(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, b] of this.buffers) out.push([prefix ? `${prefix}.${name}` : name, b]);
    for (const [name, child] of this.children) out.push(...child.namedBuffers(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of parameter elements (a parameter shared by two modules counts once). */
  numParameters(): number {
    return [...new Set(this.parameters())].reduce((s, p) => s + p.size, 0);
  }

  /** Sets training mode here and in every descendant; returns this. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Drops every parameter's gradient (the next backward allocates fresh ones lazily). */
  zeroGrad(): void {
    for (const p of this.parameters()) {
      if (p.grad !== null) p.grad.f32().fill(0);
    }
  }

  /**
   * Ternary statistics of every quantized layer (BitLinear) in this tree, by dotted path: fractions
   * of −1 / 0 / +1, scale, threshold and the latent-weight histogram (`bins` bins).
   *
   * @example for (const s of model.quantStats()) console.log(s.name, s.fracZero);
   */
  quantStats(bins?: number): LayerQuantStats[] {
    const out: LayerQuantStats[] = [];
    for (const [path, m] of this.namedModules()) if (isQuantStatsSource(m)) out.push(m.layerQuantStats(path, bins));
    return out;
  }

  /** Parameters and buffers by name. The tensors are the module's own (not copies). */
  stateDict(): Map<string, Tensor> {
    return new Map([...this.namedParameters(), ...this.namedBuffers()]);
  }

  /**
   * Copies values into this module's parameters and buffers. With `strict` (default), the names must
   * match exactly; shapes must always match.
   */
  loadStateDict(state: Map<string, Tensor> | Record<string, Tensor>, options: { strict?: boolean } = {}): void {
    const strict = options.strict ?? true;
    const incoming = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateDict();
    if (strict) {
      const missing = [...own.keys()].filter((k) => !incoming.has(k));
      const unexpected = [...incoming.keys()].filter((k) => !own.has(k));
      if (missing.length > 0 || unexpected.length > 0) {
        throw new ShapeError(
          `loadStateDict: names do not match (missing: ${missing.join(', ') || 'none'}; unexpected: ${unexpected.join(', ') || 'none'})`,
        );
      }
    }
    untracked(() => {
      for (const [name, target] of own) {
        const src = incoming.get(name);
        if (src === undefined) continue;
        if (src.dtype !== target.dtype || src.shape.length !== target.shape.length || src.shape.some((d, i) => d !== target.shape[i])) {
          throw new ShapeError(
            `loadStateDict: '${name}' must be ${target.dtype}${formatShape(target.shape)}, got ${src.dtype}${formatShape(src.shape)}`,
          );
        }
        target.data.set(src.data);
        target.markModified();
      }
    });
  }
}

/** A forward hook: sees the module, its forward arguments and output; may return a replacement output. */
export type ForwardHook = (module: Module, inputs: unknown[], output: any) => unknown;

function checkName(name: string, owner: Module): void {
  if (!/^[A-Za-z0-9_]+$/.test(name)) {
    throw new TypeError(`${owner.constructor.name}: '${name}' is not a valid name (letters, digits and _ only; dots separate levels)`);
  }
}

/** An indexable list of modules whose children are named "0", "1", … like PyTorch's ModuleList. */
export class ModuleList<M extends Module> extends Module {
  private readonly items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.push(m);
  }

  push(module: M): void {
    this.registerModule(String(this.items.length), module);
    this.items.push(module);
  }

  get length(): number {
    return this.items.length;
  }

  at(i: number): M {
    const m = this.items.at(i);
    if (m === undefined) throw new RangeError(`ModuleList.at: index ${i} is out of range for ${this.items.length} modules`);
    return m;
  }

  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
