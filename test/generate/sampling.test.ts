// Sampling: greedy is argmax, top-k/top-p respect their cut-offs over 10k draws, the CTRL/HF repetition
// penalty, determinism for a fixed seed (and across a saved state), stop tokens/strings, bad input.
import { Sampler, applyRepetitionPenalty, drawFromScores, findStopString, isStopToken, probabilities, processLogits } from '../../lib/generate/sampling';
import { Generator } from '../../lib/random';

const logitsOf = (p: number[]) => p.map(Math.log);

function histogram(sampler: Sampler, logits: number[], n: number): number[] {
  const h = new Array(logits.length).fill(0);
  for (let i = 0; i < n; i += 100) for (const t of sampler.sampleBatch(Array(100).fill(logits).flat(), 100)) h[t]++;
  return h;
}

describe('logit processors', () => {
  test('greedy (temperature 0) is argmax, lowest index on ties, and draws nothing', () => {
    const gen = new Generator(3);
    const s = new Sampler({ temperature: 0, generator: gen });
    for (let trial = 0; trial < 50; trial++) {
      const l = Array.from({ length: 37 }, () => Math.random() * 10 - 5);
      expect(s.sample(l)).toBe(l.indexOf(Math.max(...l)));
    }
    expect(s.sample([1, 3, 3, -Infinity])).toBe(1);
    expect(s.sample([-Infinity, -Infinity, -5])).toBe(2);
    expect(gen.offset).toBe(0);
  });
  test('temperature divides the logits', () => {
    expect(Array.from(processLogits([2, -1, 0.5], { temperature: 0.5 }))).toEqual([4, -2, 1]);
  });
  test('top-k keeps the k best (ties with the k-th too)', () => {
    expect(Array.from(processLogits([2, 1, 0.5, -1], { topK: 2 }))).toEqual([2, 1, -Infinity, -Infinity]);
    expect(Array.from(processLogits([2, 1, 1, -1], { topK: 2 }))).toEqual([2, 1, 1, -Infinity]);
    expect(Array.from(processLogits([2, 1], { topK: 5 }))).toEqual([2, 1]);
  });
  test('top-p keeps the smallest set whose mass reaches p', () => {
    const l = logitsOf([0.15, 0.5, 0.05, 0.3]);
    const kept = (p: number) => Array.from(processLogits(l, { topP: p })).flatMap((x, i) => (x === -Infinity ? [] : [i]));
    expect(kept(0.4)).toEqual([1]);
    expect(kept(0.7)).toEqual([1, 3]);
    expect(kept(0.85)).toEqual([0, 1, 3]);
    expect(kept(0.99)).toEqual([0, 1, 2, 3]);
    expect(Array.from(processLogits(l, { topP: 0.01, minTokensToKeep: 2 })).filter((x) => x !== -Infinity).length).toBe(2);
  });
  test('repetition penalty: divide positive logits, multiply negative ones, once per distinct token', () => {
    const s = applyRepetitionPenalty(Float64Array.from([2, -2, 1]), [0, 1, 1, 0], 2);
    expect(Array.from(s)).toEqual([1, -4, 1]);
    expect(Array.from(processLogits([2, -2, 1], { repetitionPenalty: 2 }, [0, 1]))).toEqual([1, -4, 1]);
    expect(() => applyRepetitionPenalty(new Float64Array(3), [3], 1.2)).toThrow(/history\[0\] = 3/);
  });
  test('drawFromScores inverts the CDF in index order', () => {
    const s = Float64Array.from(logitsOf([0.25, 0.5, 0.25]));
    expect(drawFromScores(s, 0)).toBe(0);
    expect(drawFromScores(s, 0.2499)).toBe(0);
    expect(drawFromScores(s, 0.26)).toBe(1);
    expect(drawFromScores(s, 0.76)).toBe(2);
    expect(drawFromScores(s, 0.999999)).toBe(2);
    expect(probabilities(Float64Array.from([0, -Infinity, 0]))).toEqual(Float64Array.from([0.5, 0, 0.5]));
  });
});

describe('sampling cut-offs over 10k draws', () => {
  const p = [0.05, 0.3, 0.02, 0.4, 0.03, 0.2];
  const logits = logitsOf(p);
  test('top-k = 3: support is exactly the 3 best, frequencies match the renormalised probabilities', () => {
    const h = histogram(new Sampler({ topK: 3, seed: 1 }), logits, 10_000);
    expect(h.map((c, i) => (c > 0 ? i : -1)).filter((i) => i >= 0)).toEqual([1, 3, 5]);
    const z = 0.9;
    for (const [i, q] of [[1, 0.3 / z], [3, 0.4 / z], [5, 0.2 / z]]) {
      const sd = Math.sqrt((10_000 * q * (1 - q)));
      expect(Math.abs(h[i] - 10_000 * q)).toBeLessThan(5 * sd);
    }
  });
  test('top-p = 0.65: support {3, 1}; top-p = 0.75 adds 5', () => {
    let h = histogram(new Sampler({ topP: 0.65, seed: 2 }), logits, 10_000);
    expect(h.map((c, i) => (c > 0 ? i : -1)).filter((i) => i >= 0)).toEqual([1, 3]);
    h = histogram(new Sampler({ topP: 0.75, seed: 2 }), logits, 10_000);
    expect(h.map((c, i) => (c > 0 ? i : -1)).filter((i) => i >= 0)).toEqual([1, 3, 5]);
  });
  test('no filter: every token appears, at its probability', () => {
    const h = histogram(new Sampler({ seed: 5 }), logits, 10_000);
    p.forEach((q, i) => expect(Math.abs(h[i] - 10_000 * q)).toBeLessThan(5 * Math.sqrt(10_000 * q * (1 - q))));
  });
});

describe('determinism', () => {
  const logits = Array.from({ length: 50 }, (_, i) => Math.sin(i) * 3);
  const run = (s: Sampler, n: number) => Array.from({ length: n }, () => s.sample(logits));
  test('the same seed gives the same tokens; another seed others', () => {
    const a = run(new Sampler({ temperature: 0.9, topK: 20, topP: 0.9, seed: 42 }), 200);
    const b = run(new Sampler({ temperature: 0.9, topK: 20, topP: 0.9, seed: 42 }), 200);
    const c = run(new Sampler({ temperature: 0.9, topK: 20, topP: 0.9, seed: 43 }), 200);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
  test('a saved state resumes the same stream', () => {
    const s = new Sampler({ seed: 7 });
    run(s, 10);
    const state = s.state;
    const rest = run(s, 20);
    const t = new Sampler({ seed: 0 });
    t.state = state;
    expect(run(t, 20)).toEqual(rest);
  });
  test('a batch is reproducible: one uniform per row, each row its own history', () => {
    const rows = [logits, logits.map((x) => -x), logits];
    const batched = new Sampler({ seed: 9 }).sampleBatch(rows.flat(), 3, [[], [1, 2], []]);
    expect(batched).toHaveLength(3);
    expect(new Sampler({ seed: 9 }).sampleBatch(rows.flat(), 3, [[], [1, 2], []])).toEqual(batched);
  });
});

describe('stops and errors', () => {
  test('stop tokens and stop strings', () => {
    expect(isStopToken(3, [0, 3])).toBe(true);
    expect(isStopToken(2, [0, 3])).toBe(false);
    expect(findStopString('Once upon a time.\n\nThe end', ['\n\n'])).toEqual({ index: 17, stop: '\n\n' });
    expect(findStopString('abc<eos>def<|end|>', ['<|end|>', '<eos>'])).toEqual({ index: 3, stop: '<eos>' });
    expect(findStopString('abc<eos>', ['<eos>'], 4)).toBeNull();
    expect(() => findStopString('x', [''])).toThrow(/must not be empty/);
  });
  test('bad options and logits name what is wrong', () => {
    expect(() => new Sampler({ temperature: -1 })).toThrow(/temperature/);
    expect(() => new Sampler({ topK: 1.5 })).toThrow(/topK/);
    expect(() => new Sampler({ topP: 0 })).toThrow(/topP/);
    expect(() => new Sampler({ repetitionPenalty: 0 })).toThrow(/repetitionPenalty/);
    expect(() => processLogits([1, NaN])).toThrow(/logits\[1\] is NaN/);
    expect(() => processLogits([-Infinity])).toThrow(/every logit is -Infinity/);
    expect(() => processLogits([])).toThrow(/at least one/);
    expect(() => new Sampler().sampleBatch([1, 2, 3], 2)).toThrow(/not a multiple/);
  });
});

describe('Sampler.sampleOne (the generate loop\'s buffer-reusing path)', () => {
  test('gives exactly the tokens sample() gives, for every processor combination and vocab size', () => {
    const configs = [{ temperature: 0 }, { temperature: 1 }, { temperature: 0.7, topK: 5 }, { temperature: 1.3, topP: 0.8 }, { temperature: 0.9, topK: 20, topP: 0.9, repetitionPenalty: 1.4 }, { temperature: 0, repetitionPenalty: 2 }];
    for (const options of configs) {
      for (const v of [1, 7, 100, 1000, 5000]) {
        // b gets the Float32Array rows (the native scans), c the same values as a plain array (the JS loop)
        const a = new Sampler({ ...options, seed: 5 });
        const b = new Sampler({ ...options, seed: 5 });
        const c = new Sampler({ ...options, seed: 5 });
        const history: number[] = [];
        for (let step = 0; step < 40; step++) {
          // odd steps mask every 7th logit (never all of them) and round to few levels, so the k-th ties
          const logits = Float32Array.from({ length: v }, (_, i) =>
            step % 2 === 1 && i % 7 === 3 ? -Infinity : step % 4 === 1 ? Math.round(Math.sin(i * 1.7 + step) * 3) : Math.sin(i * 1.7 + step) * 3);
          const ta = a.sample(logits, history);
          expect(b.sampleOne(logits, history)).toBe(ta);
          expect(c.sampleOne(Array.from(logits), history)).toBe(ta);
          history.push(ta);
        }
        expect(b.generator.offset).toBe(a.generator.offset);
        expect(c.generator.offset).toBe(a.generator.offset);
      }
    }
  });

  test('rejects NaN logits as sample() does', () => {
    expect(() => new Sampler().sampleOne([0, NaN])).toThrow(/logits\[1\] is NaN/);
  });
});
