// Helpers every benchmark shares: command-line/env options, aligned random inputs, and a median timer.
// Each bench file keeps only the question it answers.
import { native } from '../lib/native';

/**
 * `--name=value` or `--name value` on the command line (the last one given wins), else the environment
 * variable `env`. A `--name` with no value after it is an error, so a typo cannot silently fall back to
 * the default.
 */
export function option(name: string, env?: string): string | undefined {
  const argv = process.argv.slice(2);
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith(`--${name}=`)) value = argv[i].slice(name.length + 3);
    else if (argv[i] === `--${name}`) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new RangeError(`bench: --${name} needs a value (--${name} VALUE or --${name}=VALUE)`);
      value = next;
      i++;
    }
  }
  return value !== undefined ? value : env === undefined ? undefined : process.env[env];
}

/** A comma-separated option as a list (undefined when absent or empty). */
export function list(name: string, env?: string): string[] | undefined {
  const v = option(name, env);
  return v === undefined || v === '' ? undefined : v.split(',').map((s) => s.trim());
}

/** n uniform values in [-0.5, 0.5) in 64-byte aligned native memory. */
export function randomArray(n: number): Float32Array {
  const a = new Float32Array(native.alloc(n * 4));
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
}

/**
 * Median wall time (ms) of `fn` after one warm-up run: at least `minRuns` runs, then more (up to `maxRuns`) while
 * the timed runs have taken less than `budgetMs`.
 */
export function medianMs(fn: () => void, opts: { minRuns?: number; maxRuns?: number; budgetMs?: number } = {}): number {
  const minRuns = opts.minRuns ?? 5;
  const maxRuns = opts.maxRuns ?? minRuns;
  const budgetMs = opts.budgetMs ?? 0;
  fn();
  const times: number[] = [];
  const start = process.hrtime.bigint();
  while (times.length < minRuns || (times.length < maxRuns && Number(process.hrtime.bigint() - start) < budgetMs * 1e6)) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
