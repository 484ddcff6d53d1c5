// The model registry: every FlashLM version registers its configs by name, so that
// `flashlm.models.create('bitnet-bench')`, the CLI's `--model NAME` and `flashlm.load(dir)` (config.json
// stores the name and the full config) all build models the same way.
import { LanguageModel, ModelConfig } from './language_model';

export interface ModelEntry<C extends ModelConfig = ModelConfig> {
  /** Registry name: 'v4-bolt', 'v7', 'bitnet-bench', … */
  name: string;
  /** One line for listings. */
  description: string;
  /** The spec's config for this name (overrides are merged over a copy). */
  defaults: C;
  /** Parameter count the spec gives for `defaults`, when it gives one (tests check it). */
  specParameters?: number;
  /** A small config (overrides of `defaults`) that builds and runs in well under a second, for tests. */
  testOverrides?: Partial<C>;
  /** Builds the model from a complete config and a seed for its initial weights. */
  build(name: string, config: C, seed: number): LanguageModel<C>;
}

const entries = new Map<string, ModelEntry>();

/** Adds a model name to the registry (each model file does this for its configs). */
export function registerModel<C extends ModelConfig>(entry: ModelEntry<C>): void {
  if (entries.has(entry.name)) throw new Error(`models: '${entry.name}' is already registered`);
  entries.set(entry.name, entry as unknown as ModelEntry);
}

/** Every registered model: name, description, default config and spec parameter count. */
export function list(): ModelEntry[] {
  return [...entries.values()];
}

/** The registry entry for `name`, or a clear error listing the known names. */
export function entry(name: string): ModelEntry {
  const e = entries.get(name);
  if (e === undefined) throw new RangeError(`models: unknown model '${name}'; known: ${[...entries.keys()].join(', ') || 'none'}`);
  return e;
}

export interface CreateOptions {
  /** Seed for the initial weights (default 42). */
  seed?: number;
}

/**
 * Builds a registered model with the spec's config, with `overrides` merged over it.
 *
 * @example const model = flashlm.models.create('bitnet-bench', { layers: 2 });
 */
export function create<C extends ModelConfig = ModelConfig>(name: string, overrides: Partial<C> & Record<string, unknown> = {}, options: CreateOptions = {}): LanguageModel<C> {
  const e = entry(name);
  for (const key of Object.keys(overrides)) {
    if (!(key in e.defaults)) throw new RangeError(`models.create('${name}'): unknown config key '${key}'; known: ${Object.keys(e.defaults).join(', ')}`);
  }
  const config = { ...e.defaults, ...overrides } as unknown as C;
  return (e as unknown as ModelEntry<C>).build(name, config, options.seed ?? 42);
}
