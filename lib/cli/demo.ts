// `flashlm demo [--steps N]`: trains the toy 2-layer MLP (lib/examples/toy-mlp.ts) and prints its
// loss, exercising GEMM, activations, cross-entropy, autograd and AdamW end to end.
import { trainToyMlp } from '../examples/toy-mlp';
import { native } from '../native';

export function demo(args: string[]): number {
  let steps = 300;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--steps') {
      steps = Number(args[++i]);
      if (!Number.isInteger(steps) || steps <= 0) {
        console.error(`flashlm demo: --steps must be a positive integer, got ${args[i]}`);
        return 2;
      }
    } else {
      console.error(`flashlm demo: unknown option '${args[i]}' (usage: flashlm demo [--steps N])`);
      return 2;
    }
  }
  const { isa, threads } = native.info();
  console.log(`training a 2-layer MLP (2 -> 64 -> 3) on three spirals, ${steps} steps, ${isa}, ${threads} threads`);
  const started = process.hrtime.bigint();
  const every = Math.max(1, Math.round(steps / 10));
  const result = trainToyMlp({
    steps,
    onStep: (step, loss) => {
      if (step % every === 0 || step === 1) console.log(`step ${String(step).padStart(5)}  loss ${loss.toFixed(4)}`);
    },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(`final loss ${result.loss.toFixed(4)}, training accuracy ${(100 * result.accuracy).toFixed(1)}%, ${ms.toFixed(0)} ms`);
  return 0;
}
