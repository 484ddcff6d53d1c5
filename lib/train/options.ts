// Training options: what a user may pass to train(), the defaults filled in, and the checks that turn
// a bad value into an error naming the option. The resolved options are JSON and go into config.json,
// so a resumed run (same process or another) uses exactly the same ones.
import type { ScheduleConfig } from './schedule';

export type OptimizerConfig =
  | { type: 'adamw'; lr: number; betas?: [number, number]; eps?: number; weightDecay?: number; noDecay?: string[] }
  | { type: 'sgd'; lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean; noDecay?: string[] };

export interface TrainOptions {
  /** Windows per micro-batch (default 16). */
  batchSize?: number;
  /** Tokens per window (default: the model's contextLength). */
  blockSize?: number;
  /** Micro-batches per optimizer step (default 1). Gradients are averaged over them. */
  accumulation?: number;
  /** Optimizer and its hyper-parameters (default AdamW lr 1e-3, β (0.9, 0.95), wd 0.1, no decay on norms, α and biases). */
  optimizer?: OptimizerConfig;
  /**
   * Learning-rate schedule (default: warmup min(100, 10% of the horizon) then cosine to 10% of the peak).
   * Its totalSteps, when it has one, defaults to the run's horizon.
   */
  schedule?: Partial<ScheduleConfig> & { kind: ScheduleConfig['kind'] };
  /** Global gradient-norm clip (default 1.0; 0 or null: no clipping). */
  clip?: number | null;
  /** Budget: optimizer steps. */
  steps?: number;
  /** Budget: tokens trained on (rounded up to whole steps). */
  tokens?: number;
  /** Budget: seconds of training time (evaluation and checkpoints not counted). */
  seconds?: number;
  /** Stop (with a checkpoint) after this many steps, while the schedule still spans the whole budget. */
  stopAt?: number;
  /** Evaluate every N steps (default: only at the end; 0 = never). */
  evalEvery?: number;
  /** Validation tokens per evaluation (whole documents up to this many; default 32,768). */
  evalTokens?: number;
  /** Write a checkpoint every N steps (default: only at the end, on stopAt and on interrupt). */
  checkpointEvery?: number;
  /** Seed for the model's data order (the model's own init seed is given to models.create). Default 42. */
  seed?: number;
  /** Run directory for checkpoints, metrics.arrow, config.json, tokenizer.json (default: none, in memory). */
  out?: string;
  /** Batch sampler: 'random' windows (default) or shuffled non-overlapping 'windows'. */
  sampler?: 'random' | 'windows';
  /** Show progress: 'auto' (kernel view in Jupyter, a bar on a TTY, lines otherwise), or 'none'. */
  progress?: 'auto' | 'bar' | 'lines' | 'none';
}

/** The options with every default filled in and the horizon fixed: what config.json stores. */
export interface ResolvedTrainOptions {
  batchSize: number;
  blockSize: number;
  accumulation: number;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  clip: number | null;
  budget: { steps: number | null; tokens: number | null; seconds: number | null };
  /** Optimizer steps the schedule spans (for a time budget: estimated once, then frozen). */
  horizon: number;
  stopAt: number | null;
  evalEvery: number | null;
  evalTokens: number;
  checkpointEvery: number | null;
  seed: number;
  sampler: 'random' | 'windows';
}

/** Parameters that get no weight decay by default: norms' gains, BitLinear α, biases. */
export const DEFAULT_NO_DECAY = ['**norm**', '**.alpha', '**.bias'];

function positiveInt(v: unknown, name: string, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < (allowZero ? 0 : 1))
    throw new RangeError(`train: options.${name} must be ${allowZero ? 'a non-negative' : 'a positive'} integer, got ${String(v)}`);
  return v;
}

function positiveNumber(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new RangeError(`train: options.${name} must be a finite number > 0, got ${String(v)}`);
  return v;
}

const KNOWN = new Set([
  'batchSize', 'blockSize', 'accumulation', 'optimizer', 'schedule', 'clip', 'steps', 'tokens', 'seconds', 'stopAt',
  'evalEvery', 'evalTokens', 'checkpointEvery', 'seed', 'out', 'sampler', 'progress', 'tokenizer', 'resume',
]);

/**
 * Fills defaults and checks every option. `secondsPerStep` is needed only for a time budget (the
 * horizon is estimated from it).
 */
export function resolveTrainOptions(o: TrainOptions, contextLength: number, secondsPerStep?: number): ResolvedTrainOptions {
  for (const key of Object.keys(o)) if (!KNOWN.has(key)) throw new RangeError(`train: unknown option '${key}'; known: ${[...KNOWN].join(', ')}`);
  const batchSize = positiveInt(o.batchSize ?? 16, 'batchSize');
  const blockSize = positiveInt(o.blockSize ?? contextLength, 'blockSize');
  if (blockSize > contextLength) throw new RangeError(`train: options.blockSize (${blockSize}) exceeds the model's contextLength (${contextLength})`);
  const accumulation = positiveInt(o.accumulation ?? 1, 'accumulation');
  const tokensPerStep = batchSize * blockSize * accumulation;
  const budgets = [o.steps, o.tokens, o.seconds].filter((b) => b !== undefined).length;
  if (budgets !== 1) throw new RangeError(`train: give exactly one budget — options.steps, options.tokens or options.seconds (got ${budgets})`);
  const budget = {
    steps: o.steps === undefined ? null : positiveInt(o.steps, 'steps'),
    tokens: o.tokens === undefined ? null : positiveInt(o.tokens, 'tokens'),
    seconds: o.seconds === undefined ? null : positiveNumber(o.seconds, 'seconds'),
  };
  let horizon: number;
  if (budget.steps !== null) horizon = budget.steps;
  else if (budget.tokens !== null) horizon = Math.ceil(budget.tokens / tokensPerStep);
  else {
    if (secondsPerStep === undefined || !(secondsPerStep > 0)) throw new Error('train: a time budget needs a measured step time');
    horizon = Math.max(1, Math.floor(budget.seconds! / secondsPerStep));
  }
  const stopAt = o.stopAt === undefined ? null : positiveInt(o.stopAt, 'stopAt');
  const optimizer: OptimizerConfig = o.optimizer ?? { type: 'adamw', lr: 1e-3, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1, noDecay: DEFAULT_NO_DECAY };
  if (optimizer.type !== 'adamw' && optimizer.type !== 'sgd') throw new RangeError(`train: options.optimizer.type must be 'adamw' or 'sgd', got ${String((optimizer as { type: unknown }).type)}`);
  positiveNumber(optimizer.lr, 'optimizer.lr');
  const schedule = resolveSchedule(o.schedule, optimizer.lr, horizon);
  const clip = o.clip === undefined ? 1.0 : o.clip === null || o.clip === 0 ? null : positiveNumber(o.clip, 'clip');
  const sampler = o.sampler ?? 'random';
  if (sampler !== 'random' && sampler !== 'windows') throw new RangeError(`train: options.sampler must be 'random' or 'windows', got ${String(sampler)}`);
  return {
    batchSize, blockSize, accumulation, optimizer, schedule, clip, budget, horizon, stopAt,
    evalEvery: o.evalEvery === undefined || o.evalEvery === 0 ? null : positiveInt(o.evalEvery, 'evalEvery'),
    evalTokens: positiveInt(o.evalTokens ?? 32_768, 'evalTokens'),
    checkpointEvery: o.checkpointEvery === undefined || o.checkpointEvery === 0 ? null : positiveInt(o.checkpointEvery, 'checkpointEvery'),
    seed: positiveInt(o.seed ?? 42, 'seed', true),
    sampler,
  };
}

function resolveSchedule(s: TrainOptions['schedule'], peak: number, horizon: number): ScheduleConfig {
  const warmupSteps = Math.min(100, Math.ceil(0.1 * horizon));
  if (s === undefined) return { kind: 'cosine', peak, floor: 0.1 * peak, warmupSteps, totalSteps: horizon };
  switch (s.kind) {
    case 'cosine':
      return { peak, floor: 0.1 * peak, warmupSteps, totalSteps: horizon, ...s } as ScheduleConfig;
    case 'wsd':
      return { peak, floor: 0, totalSteps: horizon, ...s } as ScheduleConfig;
    case 'constant':
      return { lr: peak, ...s } as ScheduleConfig;
    default:
      return { peak, ...s } as ScheduleConfig;
  }
}
