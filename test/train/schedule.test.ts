// Schedules: values at key steps against hand computations (issue 5), presets against the originals'
// formulas (spec §3–§9), and config errors.
import { horizonFromTime, lrAt, scheduleFn, schedulePresets, validateSchedule, withHorizon, wsdPhases } from '../../lib/train/schedule';
import type { ScheduleConfig } from '../../lib/train/schedule';

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-15 + 1e-12 * Math.abs(b));

describe('cosine', () => {
  const s: ScheduleConfig = { kind: 'cosine', peak: 1e-3, floor: 1e-4, warmupSteps: 10, totalSteps: 110 };
  test('warmup (s+1)/W, half cosine, floor past the horizon', () => {
    close(lrAt(s, 0), 1e-4); // 1e-3·1/10
    close(lrAt(s, 4), 5e-4);
    close(lrAt(s, 9), 1e-3);
    close(lrAt(s, 10), 1e-3); // progress 0
    close(lrAt(s, 60), 1e-4 + 0.5 * 9e-4); // progress 0.5: cos = 0
    close(lrAt(s, 35), 1e-4 + 0.5 * 9e-4 * (1 + Math.SQRT1_2)); // progress 0.25
    close(lrAt(s, 110), 1e-4);
    close(lrAt(s, 10_000), 1e-4);
  });
  test('unclamped climbs back past the horizon (the originals, bug B9)', () => {
    const u = { ...s, clamp: false };
    close(lrAt(u, 210), 1e-3); // progress 2: cos 2π = 1
    close(lrAt(u, 160), 1e-4 + 0.5 * 9e-4); // progress 1.5
  });
  test('no warmup and floor 0 by default', () => {
    close(lrAt({ kind: 'cosine', peak: 2, totalSteps: 4 }, 0), 2);
    close(lrAt({ kind: 'cosine', peak: 2, totalSteps: 4 }, 2), 1);
    close(lrAt({ kind: 'cosine', peak: 2, totalSteps: 4 }, 4), 0);
  });
});

describe('WSD', () => {
  test('v7 suggestion: 1% warmup, stable, 20% linear decay (T = 1000)', () => {
    const s = schedulePresets.v7Eclipse({ totalSteps: 1000 });
    expect(wsdPhases(s)).toEqual({ warmupSteps: 10, decayStart: 800, decaySteps: 200 });
    close(lrAt(s, 0), 3e-5);
    close(lrAt(s, 9), 3e-4);
    close(lrAt(s, 10), 3e-4);
    close(lrAt(s, 500), 3e-4);
    close(lrAt(s, 800), 3e-4);
    close(lrAt(s, 900), 1.5e-4);
    close(lrAt(s, 999), 3e-4 / 200);
    close(lrAt(s, 1000), 0);
    close(lrAt(s, 5000), 0);
  });
  test('decay shapes and explicit phase lengths', () => {
    const base = { kind: 'wsd' as const, peak: 1, floor: 0.1, totalSteps: 100, warmupSteps: 0, decaySteps: 40 };
    close(lrAt({ ...base, decayShape: 'cosine' }, 80), 0.1 + 0.9 * 0.5);
    close(lrAt({ ...base, decayShape: '1-sqrt' }, 70), 0.1 + 0.9 * (1 - Math.sqrt(0.25)));
    close(lrAt({ ...base, decayShape: 'linear' }, 70), 0.1 + 0.9 * 0.75);
    close(lrAt({ ...base, warmupSteps: 4, warmupOffset: 0 }, 2), 0.5);
  });
  test('warmup and decay must fit', () => {
    expect(() => lrAt({ kind: 'wsd', peak: 1, totalSteps: 10, warmupSteps: 6, decaySteps: 5 }, 0)).toThrow(/must fit in totalSteps/);
    expect(() => lrAt({ kind: 'wsd', peak: 1, totalSteps: 10, decayFraction: 1.5 }, 0)).toThrow(/decayFraction/);
  });
});

describe('cosine with warm restarts', () => {
  test('v6 SUPERNOVA: 500-step cycles, peak ×0.85 per cycle', () => {
    const s = schedulePresets.v6Supernova();
    close(lrAt(s, 0), 4e-5);
    close(lrAt(s, 99), 4e-3);
    close(lrAt(s, 100), 4e-3);
    close(lrAt(s, 350), 1e-4 + 0.5 * (4e-3 - 1e-4));
    close(lrAt(s, 600), 4e-3 * 0.85);
    close(lrAt(s, 850), 1e-4 + 0.5 * (4e-3 * 0.85 - 1e-4));
    close(lrAt(s, 100 + 500 * 3), 4e-3 * 0.85 ** 3);
  });
  test('v5.2a and v5.2b cycles', () => {
    close(lrAt(schedulePresets.v52a(), 100 + 400), 3e-3 * 0.85);
    close(lrAt(schedulePresets.v52b(), 50 + 300 * 2 + 150), 5e-5 + 0.5 * (5e-3 * 0.81 - 5e-5));
  });
});

describe('constant', () => {
  test('with and without warmup', () => {
    const s: ScheduleConfig = { kind: 'constant', lr: 1e-3, warmupSteps: 100 };
    close(lrAt(s, 0), 1e-5);
    close(lrAt(s, 99), 1e-3);
    close(lrAt(s, 5000), 1e-3);
    expect(lrAt({ kind: 'constant', lr: 0.5 }, 0)).toBe(0.5);
  });
});

describe('presets reproduce the originals', () => {
  test('v4: peak·s/500 warmup, then cosine to 1e-5 over steps_per_epoch·10', () => {
    const s = schedulePresets.v4Bolt({ stepsPerEpoch: 2000 });
    expect(s.totalSteps).toBe(20_000);
    expect(lrAt(s, 0)).toBe(0);
    close(lrAt(s, 250), 2e-3);
    close(lrAt(s, 500), 4e-3);
    close(lrAt(s, 10_250), 1e-5 + 0.5 * (4e-3 - 1e-5)); // progress 9750/19500 = 0.5
    close(lrAt(s, 20_000), 1e-5);
    close(lrAt(schedulePresets.v4Bolt({ stepsPerEpoch: 2000, peak: 3e-3 }), 100), 3e-3 * 100 / 500);
  });
  test('v6.1-C: 0.01·(s+1)/100 warmup, then cosine to 0.001 over one epoch', () => {
    const s = schedulePresets.v61C({ stepsPerEpoch: 1100 });
    close(lrAt(s, 0), 1e-4);
    close(lrAt(s, 49), 5e-3);
    close(lrAt(s, 99), 0.01);
    close(lrAt(s, 600), 0.001 + 0.5 * 0.009);
    close(lrAt(s, 1100), 0.001);
  });
  test('v5 (80k fixed horizon, floor after), v5.2c (703 steps unclamped), v6.1-PT (s/300)', () => {
    close(lrAt(schedulePresets.v5Thunderbolt(), 0), 3e-3 / 500);
    close(lrAt(schedulePresets.v5Thunderbolt(), 100_000), 3e-4);
    const c = schedulePresets.v52c();
    close(lrAt(c, 703 + 603), 5e-4); // progress (1306 − 100)/603 = 2
    expect(lrAt(schedulePresets.v61PT({ totalSteps: 1000 }), 0)).toBe(0);
    close(lrAt(schedulePresets.v61PT({ totalSteps: 1000 }), 150), 2.5e-4);
  });
});

describe('horizons and errors', () => {
  test('horizon from a time budget and a measured step time', () => {
    expect(horizonFromTime({ budgetSeconds: 7200, secondsPerStep: 0.25 })).toBe(28_800);
    expect(horizonFromTime({ budgetSeconds: 7200, secondsPerStep: 0.25, elapsedSeconds: 100, stepsDone: 400 })).toBe(28_800);
    expect(horizonFromTime({ budgetSeconds: 10, secondsPerStep: 3, elapsedSeconds: 20, stepsDone: 7 })).toBe(7);
    expect(() => horizonFromTime({ budgetSeconds: 10, secondsPerStep: 0 })).toThrow(/secondsPerStep/);
    const s = withHorizon(schedulePresets.v7Eclipse({ totalSteps: 1000 }), 2000);
    expect(wsdPhases(s).decayStart).toBe(1600);
  });
  test('scheduleFn is lrAt bound to a frozen copy', () => {
    const cfg = { kind: 'constant' as const, lr: 1e-3, warmupSteps: 100 };
    const f = scheduleFn(cfg);
    cfg.lr = 5;
    close(f(0), 1e-5);
  });
  test('bad configs name the field', () => {
    expect(() => validateSchedule({ kind: 'nope' } as unknown as ScheduleConfig)).toThrow(/kind must be/);
    expect(() => lrAt({ kind: 'cosine', peak: -1, totalSteps: 10 }, 0)).toThrow(/peak must be/);
    expect(() => lrAt({ kind: 'cosine', peak: 1, totalSteps: 0 }, 0)).toThrow(/totalSteps must be an integer >= 1/);
    expect(() => lrAt({ kind: 'cosine', peak: 1, totalSteps: 10 }, -1)).toThrow(/step must be/);
    expect(() => lrAt({ kind: 'cosine', peak: 1, totalSteps: 10 }, 1.5)).toThrow(/step must be/);
    expect(() => lrAt({ kind: 'cosine-restarts', peak: 1, cycleSteps: 0 }, 3)).toThrow(/cycleSteps/);
    expect(() => lrAt({ kind: 'constant', lr: NaN }, 0)).toThrow(/lr must be/);
    expect(() => lrAt({ kind: 'constant', lr: 1, warmupSteps: 5, warmupOffset: 2 as 0 }, 0)).toThrow(/warmupOffset/);
  });
});
