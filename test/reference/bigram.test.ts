// The harness checked on the smallest model: 'bigram' against its twin (twins/bigram.py). If this fails,
// suspect the harness (safetensors exchange, driver, optimizer mirroring) before any model.
import * as flashlm from '../../lib';
import { Generator } from '../../lib/random';
import { Tensor } from '../../lib/tensor/tensor';
import { AdamWSpec, Batch, compareByName, describeTorch, ourGradients, ourTraining, relError, report, requireTorch, runTwin } from './harness';

const config = { vocabSize: 48, contextLength: 16, dim: 16 };
/** Random tokens with a learnable target (the next token is a fixed function of the current one). */
function batch(g: Generator): Batch {
  const tokens = g.randint([3, 16], 0, 48);
  return { tokens, targets: Tensor.from(Array.from(tokens.i32(), (t) => (7 * t + 3) % 48), [3, 16], 'i32') };
}

describeTorch('reference: bigram (harness self-check)', () => {
  test('logits, loss and every gradient match the twin to 1e-4', () => {
    requireTorch();
    const model = flashlm.models.create('bigram', config, { seed: 3 });
    const b = batch(new Generator(7));
    const ref = runTwin({ twin: 'bigram', model }, [b], 'grads');
    const rows = compareByName(ourGradients(model, b), ref);
    expect(rows.map((r) => r.name).sort()).toEqual(['grad.embed.weight', 'grad.head.weight', 'grad.norm.weight', 'logits', 'loss']);
    expect(report('bigram grads', rows)).toEqual([]);
  });

  test('10 AdamW steps (clip 1.0): the same losses to 1e-4', () => {
    requireTorch();
    const opt: AdamWSpec = { lr: 1e-2, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.1, clip: 1.0 };
    const g = new Generator(11);
    const batches = Array.from({ length: 10 }, () => batch(g));
    const model = flashlm.models.create('bigram', config, { seed: 5 });
    const ref = runTwin({ twin: 'bigram', model }, batches, 'train', opt);
    const ours = ourTraining(model, batches, opt);
    const theirs = Array.from(ref.get('losses')!.f32());
    expect(relError(ours.losses, theirs).rel).toBeLessThanOrEqual(1e-4);
    expect(ours.losses[9]).toBeLessThan(ours.losses[0]); // it trained
    expect(report('bigram params after 10 steps', compareByName(ours.params, new Map([...ref].filter(([n]) => n.startsWith('param.')))))).toEqual([]);
  });
});
