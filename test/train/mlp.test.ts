// End to end: a 2-layer MLP trained with AdamW on three spirals reaches a low loss, and a run is
// reproducible (same seed, same losses).
import { trainToyMlp } from '../../lib/examples/toy-mlp';
import { memoryStats } from '../../lib/tensor/storage';

describe('2-layer MLP on a toy task', () => {
  test('300 steps drive the loss from ~ln 3 to a low value and fit the training set', () => {
    const losses: number[] = [];
    const { loss, accuracy } = trainToyMlp({ steps: 300, onStep: (_, l) => losses.push(l) });
    expect(losses[0]).toBeGreaterThan(0.9); // chance level is ln 3 ≈ 1.10
    expect(loss).toBeLessThan(0.15);
    expect(accuracy).toBeGreaterThan(0.95);
  });

  test('same seed, same losses, bit for bit', () => {
    const a: number[] = [], b: number[] = [];
    trainToyMlp({ steps: 20, seed: 7, onStep: (_, l) => a.push(l) });
    trainToyMlp({ steps: 20, seed: 7, onStep: (_, l) => b.push(l) });
    expect(b).toEqual(a);
  });

  test('live tensor memory does not grow step over step', () => {
    const live: number[] = [];
    trainToyMlp({ steps: 60, onStep: (step) => { if (step === 10 || step === 60) live.push(memoryStats().liveBytes); } });
    expect(live[1]).toBe(live[0]);
  });
});
