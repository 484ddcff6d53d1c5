// Learning-rate schedules as plain, JSON-serialisable configs and a pure function lrAt(config, step).
// The trainer saves the config whole in config.json, so a resumed run recomputes the same rates.
// `step` counts optimizer updates already taken (0 for the first update), as in every original
// script. Presets reproduce the originals' formulas exactly (spec §3–§9); see bug B9 for their horizons.

/** Linear warmup from the first update: lr = peak·(step + warmupOffset)/warmupSteps for step < warmupSteps. */
export interface WarmupOptions {
  /** Updates spent warming up (default 0: no warmup). */
  warmupSteps?: number;
  /**
   * 1 (default): peak·(s+1)/W, so the first update already moves (v5, v5.2, v6, v6.1-C);
   * 0: peak·s/W, which starts at lr 0 (v4, v6.1-PT; spec B18).
   */
  warmupOffset?: 0 | 1;
}

/** Warmup, then half a cosine from `peak` to `floor` at `totalSteps`. */
export interface CosineSchedule extends WarmupOptions {
  kind: 'cosine';
  peak: number;
  /** LR reached at the horizon (default 0). */
  floor?: number;
  /** The horizon, in updates (warmup included). */
  totalSteps: number;
  /**
   * true (default): `floor` from the horizon on. false: the originals' formula past the horizon, where
   * the cosine climbs back up (v5.2c's oscillation, bug B9); presets use false only where the original did.
   */
  clamp?: boolean;
}

/** Warmup–stable–decay: warmup, `peak` held, then a final decay to `floor` at `totalSteps`. */
export interface WSDSchedule {
  kind: 'wsd';
  peak: number;
  floor?: number;
  totalSteps: number;
  /** Warmup length: warmupSteps wins over warmupFraction (default 0.01 of totalSteps, rounded). */
  warmupSteps?: number;
  warmupFraction?: number;
  warmupOffset?: 0 | 1;
  /** Decay length: decaySteps wins over decayFraction (default 0.2 of totalSteps, rounded). */
  decaySteps?: number;
  decayFraction?: number;
  /** Shape of the decay (default 'linear'; '1-sqrt' is Hägele et al. 2024's variant). */
  decayShape?: 'linear' | 'cosine' | '1-sqrt';
}

/**
 * Warmup, then cosine cycles of `cycleSteps` updates from the cycle's peak (peak·peakDecay^cycle) down
 * to `floor`, restarting each cycle (SGDR-style with a decaying peak; v5.2a/b, v6). No horizon: it runs
 * as long as training does. As in the originals, a decayed peak below `floor` is not clamped.
 */
export interface CosineRestartsSchedule extends WarmupOptions {
  kind: 'cosine-restarts';
  peak: number;
  floor?: number;
  cycleSteps: number;
  /** Factor applied to the peak at every restart (default 1). */
  peakDecay?: number;
}

/** A constant rate, after an optional linear warmup. */
export interface ConstantSchedule extends WarmupOptions {
  kind: 'constant';
  lr: number;
}

export type ScheduleConfig = CosineSchedule | WSDSchedule | CosineRestartsSchedule | ConstantSchedule;

function fail(what: string, got: unknown): never {
  throw new RangeError(`schedule: ${what}, got ${String(got)}`);
}

function checkRate(name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) fail(`${name} must be a finite number >= 0`, v);
}

function checkSteps(name: string, v: number, min = 0): void {
  if (!Number.isSafeInteger(v) || v < min) fail(`${name} must be an integer >= ${min}`, v);
}

/** Warmup rate at `step` (< warmupSteps). */
function warmupLr(peak: number, step: number, w: WarmupOptions): number {
  const offset = w.warmupOffset ?? 1;
  return (peak * (step + offset)) / (w.warmupSteps ?? 0);
}

/** The resolved phase lengths of a WSD schedule (fractions turned into whole steps). */
export function wsdPhases(s: WSDSchedule): { warmupSteps: number; decayStart: number; decaySteps: number } {
  const warmupSteps = s.warmupSteps ?? Math.round((s.warmupFraction ?? 0.01) * s.totalSteps);
  const decaySteps = s.decaySteps ?? Math.round((s.decayFraction ?? 0.2) * s.totalSteps);
  return { warmupSteps, decayStart: s.totalSteps - decaySteps, decaySteps };
}

/**
 * Checks a schedule config and throws a RangeError naming the bad field. lrAt calls it; the trainer
 * calls it once up front so that a bad config fails before step 0.
 */
export function validateSchedule(s: ScheduleConfig): void {
  if (s === null || typeof s !== 'object') fail('config must be an object', s);
  const w = s as WarmupOptions;
  if (w.warmupOffset !== undefined && w.warmupOffset !== 0 && w.warmupOffset !== 1) fail('warmupOffset must be 0 or 1', w.warmupOffset);
  switch (s.kind) {
    case 'cosine':
      checkRate('peak', s.peak);
      checkRate('floor', s.floor ?? 0);
      checkSteps('warmupSteps', s.warmupSteps ?? 0);
      checkSteps('totalSteps', s.totalSteps, 1);
      return;
    case 'wsd': {
      checkRate('peak', s.peak);
      checkRate('floor', s.floor ?? 0);
      checkSteps('totalSteps', s.totalSteps, 1);
      for (const f of ['warmupFraction', 'decayFraction'] as const) {
        const v = s[f];
        if (v !== undefined && !(v >= 0 && v <= 1)) fail(`${f} must be in [0, 1]`, v);
      }
      const p = wsdPhases(s);
      checkSteps('warmupSteps', p.warmupSteps);
      checkSteps('decaySteps', p.decaySteps);
      if (p.warmupSteps > p.decayStart) fail(`warmup (${p.warmupSteps}) and decay (${p.decaySteps}) must fit in totalSteps`, s.totalSteps);
      if (s.decayShape !== undefined && !['linear', 'cosine', '1-sqrt'].includes(s.decayShape)) fail("decayShape must be 'linear', 'cosine' or '1-sqrt'", s.decayShape);
      return;
    }
    case 'cosine-restarts':
      checkRate('peak', s.peak);
      checkRate('floor', s.floor ?? 0);
      checkSteps('warmupSteps', s.warmupSteps ?? 0);
      checkSteps('cycleSteps', s.cycleSteps, 1);
      if (!(Number.isFinite(s.peakDecay ?? 1) && (s.peakDecay ?? 1) > 0)) fail('peakDecay must be a finite number > 0', s.peakDecay);
      return;
    case 'constant':
      checkRate('lr', s.lr);
      checkSteps('warmupSteps', s.warmupSteps ?? 0);
      return;
    default:
      fail("kind must be 'cosine', 'wsd', 'cosine-restarts' or 'constant'", (s as { kind?: unknown }).kind);
  }
}

/**
 * The learning rate for the update at `step` (0-based count of updates already taken).
 *
 * @example
 * lrAt({ kind: 'cosine', peak: 3e-3, floor: 3e-4, warmupSteps: 500, totalSteps: 80_000 }, 500); // 3e-3
 */
export function lrAt(s: ScheduleConfig, step: number): number {
  validateSchedule(s);
  checkSteps('step', step);
  switch (s.kind) {
    case 'constant':
      return step < (s.warmupSteps ?? 0) ? warmupLr(s.lr, step, s) : s.lr;
    case 'cosine': {
      const w = s.warmupSteps ?? 0;
      if (step < w) return warmupLr(s.peak, step, s);
      const floor = s.floor ?? 0;
      let progress = (step - w) / Math.max(1, s.totalSteps - w);
      if (s.clamp ?? true) progress = Math.min(progress, 1);
      return floor + 0.5 * (s.peak - floor) * (1 + Math.cos(Math.PI * progress));
    }
    case 'cosine-restarts': {
      const w = s.warmupSteps ?? 0;
      if (step < w) return warmupLr(s.peak, step, s);
      const floor = s.floor ?? 0;
      const cycle = Math.floor((step - w) / s.cycleSteps);
      const pos = (step - w) % s.cycleSteps;
      const peak = s.peak * (s.peakDecay ?? 1) ** cycle;
      return floor + 0.5 * (peak - floor) * (1 + Math.cos((Math.PI * pos) / s.cycleSteps));
    }
    case 'wsd': {
      const { warmupSteps, decayStart, decaySteps } = wsdPhases(s);
      if (step < warmupSteps) return warmupLr(s.peak, step, { warmupSteps, warmupOffset: s.warmupOffset });
      if (step < decayStart) return s.peak;
      const floor = s.floor ?? 0;
      const t = Math.min(1, (step - decayStart) / Math.max(1, decaySteps)); // 0 at decay start, 1 at the horizon
      const shape = s.decayShape ?? 'linear';
      const keep = shape === 'linear' ? 1 - t : shape === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * t)) : 1 - Math.sqrt(t);
      return floor + (s.peak - floor) * keep;
    }
  }
}

/**
 * `lrAt` bound to one config (validated once), for a loop: `const lr = scheduleFn(cfg); lr(step)`.
 *
 * @example
 * const lr = scheduleFn({ kind: 'constant', lr: 1e-3, warmupSteps: 100 }); lr(0); // 1e-5
 */
export function scheduleFn(s: ScheduleConfig): (step: number) => number {
  validateSchedule(s);
  const frozen = structuredClone(s);
  return (step) => lrAt(frozen, step);
}

/**
 * A horizon in updates from a wall-clock budget and a measured step time: `stepsDone` plus how many
 * more steps fit in the time left (floor). Freeze the result into the saved config so that a resumed
 * run keeps the same schedule (a re-measured step time would change every later rate).
 *
 * @example
 * horizonFromTime({ budgetSeconds: 7200, secondsPerStep: 0.25 }); // 28800
 */
export function horizonFromTime(o: { budgetSeconds: number; secondsPerStep: number; elapsedSeconds?: number; stepsDone?: number }): number {
  const elapsed = o.elapsedSeconds ?? 0;
  const done = o.stepsDone ?? 0;
  if (!(Number.isFinite(o.budgetSeconds) && o.budgetSeconds > 0)) fail('horizonFromTime: budgetSeconds must be > 0', o.budgetSeconds);
  if (!(Number.isFinite(o.secondsPerStep) && o.secondsPerStep > 0)) fail('horizonFromTime: secondsPerStep must be > 0', o.secondsPerStep);
  if (!(Number.isFinite(elapsed) && elapsed >= 0)) fail('horizonFromTime: elapsedSeconds must be >= 0', elapsed);
  checkSteps('horizonFromTime: stepsDone', done);
  return Math.max(1, done + Math.floor(Math.max(0, o.budgetSeconds - elapsed) / o.secondsPerStep));
}

/** The same schedule with another horizon (for a horizon re-estimated from measured speed). */
export function withHorizon<S extends CosineSchedule | WSDSchedule>(s: S, totalSteps: number): S {
  const out = { ...s, totalSteps };
  validateSchedule(out);
  return out;
}

/**
 * The originals' schedules, as configs (spec §3–§9; formulas checked against the scripts). Each reproduces
 * its script's rates exactly, horizon bugs included (B9): pass the same horizon the script computed.
 * `v7Eclipse` is ours: the design gives only "WSD, peak 3e-4"; 1% warmup, 20% linear decay to 0 are our
 * suggestion (spec §9).
 *
 * @example
 * lrAt(schedulePresets.v4Bolt({ stepsPerEpoch: 2000 }), 250); // 4e-3·250/500 = 2e-3
 */
export const schedulePresets = {
  /** v4 Bolt: peak·s/500, then cosine to 1e-5 over stepsPerEpoch·10 (small: peak 4e-3, large: 3e-3). */
  v4Bolt(o: { stepsPerEpoch: number; peak?: number; epochs?: number }): CosineSchedule {
    return { kind: 'cosine', peak: o.peak ?? 4e-3, floor: 1e-5, warmupSteps: 500, warmupOffset: 0, totalSteps: o.stepsPerEpoch * (o.epochs ?? 10), clamp: false };
  },
  /** v5 Thunderbolt: 3e-3·(s+1)/500, cosine to 3e-4 at a fixed 80,000 steps, 3e-4 afterwards. */
  v5Thunderbolt(): CosineSchedule {
    return { kind: 'cosine', peak: 3e-3, floor: 3e-4, warmupSteps: 500, warmupOffset: 1, totalSteps: 80_000, clamp: true };
  },
  /** v5.2a (17ecef3): 3e-3·(s+1)/100, then 400-step cosine cycles to 3e-5, peak ×0.85 per cycle. */
  v52a(): CosineRestartsSchedule {
    return { kind: 'cosine-restarts', peak: 3e-3, floor: 3e-5, warmupSteps: 100, warmupOffset: 1, cycleSteps: 400, peakDecay: 0.85 };
  },
  /** v5.2b (cbd3dda): 5e-3·(s+1)/50, then 300-step cosine cycles to 5e-5, peak ×0.9 per cycle. */
  v52b(): CosineRestartsSchedule {
    return { kind: 'cosine-restarts', peak: 5e-3, floor: 5e-5, warmupSteps: 50, warmupOffset: 1, cycleSteps: 300, peakDecay: 0.9 };
  },
  /** v5.2c (03ccd85): 5e-4·(s+1)/100, cosine to 1e-5 over a guessed 703 steps, unclamped (B9). */
  v52c(o: { totalSteps?: number } = {}): CosineSchedule {
    return { kind: 'cosine', peak: 5e-4, floor: 1e-5, warmupSteps: 100, warmupOffset: 1, totalSteps: o.totalSteps ?? 703, clamp: false };
  },
  /** v6 SUPERNOVA (69d1280): 4e-3·(s+1)/100, then 500-step cosine cycles to 1e-4, peak ×0.85 per cycle. */
  v6Supernova(): CosineRestartsSchedule {
    return { kind: 'cosine-restarts', peak: 4e-3, floor: 1e-4, warmupSteps: 100, warmupOffset: 1, cycleSteps: 500, peakDecay: 0.85 };
  },
  /** v6.1-PT (a5182d3): 5e-4·s/300, cosine to 1e-5 at E (3·len(loader), re-estimated at step 100). */
  v61PT(o: { totalSteps: number }): CosineSchedule {
    return { kind: 'cosine', peak: 5e-4, floor: 1e-5, warmupSteps: 300, warmupOffset: 0, totalSteps: o.totalSteps, clamp: false };
  },
  /** v6.1-C (c62a373): 0.01·(s+1)/100, cosine to 0.001 over one epoch = (N−1)//65,536 steps. */
  v61C(o: { stepsPerEpoch: number; epochs?: number }): CosineSchedule {
    return { kind: 'cosine', peak: 0.01, floor: 0.001, warmupSteps: 100, warmupOffset: 1, totalSteps: o.stepsPerEpoch * (o.epochs ?? 1), clamp: false };
  },
  /** v7 ECLIPSE (ours): WSD, peak 3e-4, 1% warmup, 20% final linear decay to 0. */
  v7Eclipse(o: { totalSteps: number; peak?: number }): WSDSchedule {
    return { kind: 'wsd', peak: o.peak ?? 3e-4, floor: 0, totalSteps: o.totalSteps, warmupFraction: 0.01, decayFraction: 0.2, warmupOffset: 1, decayShape: 'linear' };
  },
};
