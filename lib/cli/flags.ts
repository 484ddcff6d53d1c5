// A small `--name value` / `--flag` parser for the eval and generate commands: one positional argument
// (the run directory), declared options only, repeatable ones collected, numbers checked with the option
// named in the error. Usage errors are UsageError (exit 2); everything else exits 1.

export class UsageError extends Error {}

export interface FlagSpec {
  /** Options that take a value. */
  values: readonly string[];
  /** Options without a value. */
  flags?: readonly string[];
  /** Options that may repeat (values collected in order). */
  repeat?: readonly string[];
}

export interface ParsedFlags {
  positional: string[];
  values: Map<string, string[]>;
  flags: Set<string>;
}

export function parseFlags(command: string, args: string[], spec: FlagSpec): ParsedFlags {
  const out: ParsedFlags = { positional: [], values: new Map(), flags: new Set() };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--') || a === '--') {
      out.positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq);
    if (spec.flags?.includes(name)) {
      if (eq >= 0) throw new UsageError(`${command}: ${name} takes no value`);
      out.flags.add(name);
      continue;
    }
    if (!spec.values.includes(name)) throw new UsageError(`${command}: unknown option '${name}'`);
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageError(`${command}: ${name} needs a value`);
    const prev = out.values.get(name);
    if (prev !== undefined && !spec.repeat?.includes(name)) throw new UsageError(`${command}: ${name} given more than once`);
    out.values.set(name, [...(prev ?? []), value]);
  }
  return out;
}

export function stringOption(p: ParsedFlags, name: string): string | undefined {
  return p.values.get(name)?.[0];
}

export function numberOption(command: string, p: ParsedFlags, name: string, check: { integer?: boolean; min?: number; max?: number } = {}): number | undefined {
  const v = stringOption(p, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  const ok = v.trim() !== '' && Number.isFinite(n) && (!check.integer || Number.isSafeInteger(n)) && (check.min === undefined || n >= check.min) && (check.max === undefined || n <= check.max);
  if (!ok) {
    const range = [check.min !== undefined ? `≥ ${check.min}` : '', check.max !== undefined ? `≤ ${check.max}` : ''].filter(Boolean).join(' and ');
    throw new UsageError(`${command}: ${name} must be ${check.integer ? 'an integer' : 'a number'}${range ? ' ' + range : ''}, got '${v}'`);
  }
  return n;
}
