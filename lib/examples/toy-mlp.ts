// A 2-layer MLP learning to classify points of three interleaved spirals (the classic toy task):
// the engine's end-to-end smoke test, shared by `flashlm demo`, its jest test and the memory
// benchmark. Everything is seeded, so a run is reproducible.
import { Linear } from '../nn/linear';
import { Module } from '../nn/module';
import { relu } from '../ops/elementwise';
import { crossEntropy } from '../ops/softmax';
import { Generator } from '../random';
import { noGrad } from '../tensor/autograd';
import { tidy } from '../tensor/scope';
import { Tensor } from '../tensor/tensor';
import { AdamW } from '../train/optim';

export class Mlp extends Module {
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(inputs: number, hidden: number, outputs: number, generator: Generator) {
    super();
    this.fc1 = this.registerModule('fc1', new Linear(inputs, hidden, { generator }));
    this.fc2 = this.registerModule('fc2', new Linear(hidden, outputs, { generator }));
  }
  /** (N, inputs) -> logits (N, outputs) */
  forward(x: Tensor): Tensor {
    return this.fc2.forward(relu(this.fc1.forward(x)));
  }
}

/** `perClass` points of each of `classes` spirals, with a little noise: x (N, 2) f32, y (N) i32. */
export function spirals(perClass: number, classes: number, generator: Generator): { x: Tensor; y: Tensor } {
  const n = perClass * classes;
  const x = Tensor.empty([n, 2]);
  const y = Tensor.empty([n], 'i32');
  const noise = generator.normal([n], 0, 0.2).f32();
  const xd = x.f32(), yd = y.i32();
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      const k = c * perClass + i;
      const r = i / perClass;
      const theta = (c * 2 * Math.PI) / classes + 4 * r + noise[k];
      xd[2 * k] = r * Math.sin(theta);
      xd[2 * k + 1] = r * Math.cos(theta);
      yd[k] = c;
    }
  }
  return { x, y };
}

export interface ToyRunOptions {
  steps: number;
  hidden?: number;
  perClass?: number;
  lr?: number;
  seed?: number;
  /** Called after every step with the step number (1-based) and the loss. */
  onStep?: (step: number, loss: number) => void;
}

/** Trains the MLP full-batch with AdamW; returns the final loss and accuracy. */
export function trainToyMlp(options: ToyRunOptions): { loss: number; accuracy: number; model: Mlp } {
  const { steps, hidden = 64, perClass = 100, lr = 1e-2, seed = 42 } = options;
  const generator = new Generator(seed);
  const model = new Mlp(2, hidden, 3, generator);
  const { x, y } = spirals(perClass, 3, generator);
  const optimizer = new AdamW(model.namedParameters(), { lr, weightDecay: 0 });
  let loss = NaN;
  for (let step = 1; step <= steps; step++) {
    loss = tidy(() => {
      const l = crossEntropy(model.forward(x), y);
      l.backward();
      return l.item();
    });
    optimizer.step();
    optimizer.zeroGrad();
    options.onStep?.(step, loss);
  }
  const accuracy = noGrad(() =>
    tidy(() => {
      const logits = model.forward(x).f32();
      let correct = 0;
      const yd = y.i32();
      for (let i = 0; i < yd.length; i++) {
        const row = logits.subarray(3 * i, 3 * i + 3);
        const pred = row.indexOf(Math.max(...row));
        if (pred === yd[i]) correct++;
      }
      return correct / yd.length;
    }),
  );
  x.dispose();
  y.dispose();
  return { loss, accuracy, model };
}
