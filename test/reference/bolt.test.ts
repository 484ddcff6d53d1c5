// v4 "Bolt" (lib/models/bolt.ts) against its PyTorch twin (twins/bolt.py): the same weights give the same
// logits, loss and gradient of every parameter to 1e-4, and 10 AdamW steps with v4's optimizer settings
// (β 0.9/0.95, wd 0.01 on every parameter, clip 1) give the same losses. Norm: max|ours − twin| / max|twin|.
import * as flashlm from '../../lib';
import { Generator } from '../../lib/random';
import { Tensor } from '../../lib/tensor/tensor';
import { AdamWSpec, Batch, compareByName, describeTorch, ourGradients, ourTraining, relError, report, requireTorch, runTwin } from './harness';

// Small but not degenerate: the spec's conv width 8 over T 24, 2 blocks, every projection shape distinct.
const config = { vocabSize: 96, contextLength: 24, dim: 32, layers: 2, hidden: 48, kernelSize: 8 };
const B = 2, T = 24;

/** Random tokens whose targets depend on the token 3 steps back, so the conv mixer has something to learn. */
function batch(g: Generator): Batch {
  const tokens = g.randint([B, T], 0, config.vocabSize);
  const t = tokens.i32();
  const targets = Array.from(t, (v, i) => (i % T >= 3 ? (5 * t[i - 3] + v) : 7 * v) % config.vocabSize);
  return { tokens, targets: Tensor.from(targets, [B, T], 'i32') };
}

describeTorch('reference: v4 Bolt against PyTorch', () => {
  test('small config: logits, loss and every parameter gradient to 1e-4', () => {
    requireTorch();
    const model = flashlm.models.create('v4-bolt', config, { seed: 31 });
    const ref = runTwin({ twin: 'bolt', model }, [batch(new Generator(9))], 'grads');
    const rows = compareByName(ourGradients(model, batch(new Generator(9))), ref);
    expect(rows).toHaveLength(model.namedParameters().length + 2);
    expect(rows.filter((r) => r.name.endsWith('conv.weight'))).toHaveLength(2);
    expect(report('v4-bolt grads', rows)).toEqual([]);
  });

  test('small config: 10 AdamW steps (β 0.9/0.95, wd 0.01, clip 1.0) give the same losses to 1e-4', () => {
    requireTorch();
    const opt: AdamWSpec = { lr: 3e-3, betas: [0.9, 0.95], eps: 1e-8, weightDecay: 0.01, clip: 1.0 };
    const g = new Generator(13);
    const batches = Array.from({ length: 10 }, () => batch(g));
    const model = flashlm.models.create('v4-bolt', config, { seed: 32 });
    const ref = runTwin({ twin: 'bolt', model }, batches, 'train', opt);
    const ours = ourTraining(model, batches, opt);
    const theirs = Array.from(ref.get('losses')!.f32());
    if (process.env.FLASHLM_REFERENCE_VERBOSE) console.log(`losses\nours  ${ours.losses.map((l) => l.toFixed(6)).join(' ')}\ntwin  ${theirs.map((l) => l.toFixed(6)).join(' ')}`);
    expect(relError(ours.losses, theirs).rel).toBeLessThanOrEqual(1e-4);
    expect(ours.losses[9]).toBeLessThan(ours.losses[0]); // it trained
    const params = new Map([...ref].filter(([n]) => n.startsWith('param.')));
    expect(params.size).toBe(model.namedParameters().length);
    expect(report('v4-bolt weights after 10 steps (tolerance 1e-3)', compareByName(ours.params, params, 1e-3))).toEqual([]);
  });
});
