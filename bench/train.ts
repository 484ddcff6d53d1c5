// Question: how fast does a model train here, and does memory stay flat? `npm run bench -- train --model
// NAME [--threads T] [--steps N] [--batch-size B]` trains on random tokens with the default recipe (AdamW,
// clip 1.0, batch 16 × the model's context) and prints one JSON line: tokens/s and ms/step (median of the
// steps after the first 20), peak RSS, and RSS after step 200 and step 2000 (the default run is 2,000 steps;
// a shorter --steps reports rss_mb_at_2000 as null and gives rss_mb_at_end).
import * as flashlm from '../lib';
import { native } from '../lib/native';
import { option } from './common';

async function main(): Promise<void> {
  const name = option('model') ?? 'bitnet-bench';
  const threads = Number(option('threads') ?? native.info().threads);
  const steps = Number(option('steps') ?? 2000);
  const batchSize = Number(option('batch-size') ?? 16);
  native.setThreads(threads);
  const model = flashlm.models.create(name);
  const V = model.config.vocabSize;
  const gen = new flashlm.Generator(1);
  const u = gen.uniform([1 << 20]).f32();
  const tokens = Int32Array.from(u, (x) => Math.floor(x * V) % V);
  const gc = (globalThis as { gc?: () => void }).gc;
  const rss = () => { gc?.(); return Math.round((process.memoryUsage().rss / 2 ** 20) * 10) / 10; };
  const stepMs: number[] = [];
  const readings: Record<number, number> = {};
  let last = performance.now();
  const run = flashlm.train(model, { train: tokens }, { steps, batchSize, progress: 'none', evalEvery: 0 });
  run.observe({
    onStart: () => { last = performance.now(); },
    onStep: (e) => {
      const now = performance.now();
      stepMs.push(now - last);
      if (e.step === 200 || e.step === 2000 || e.step === steps) readings[e.step] = rss();
      last = performance.now();
    },
  });
  const summary = await run;
  const timed = stepMs.slice(Math.min(20, stepMs.length - 1)).sort((a, b) => a - b);
  const median = timed[Math.floor(timed.length / 2)];
  const tokensPerStep = batchSize * model.config.contextLength;
  console.log(JSON.stringify({
    bench: 'train',
    model: name,
    params: model.parameterCounts(),
    config: model.config,
    threads,
    isa: native.info().isa,
    steps,
    tokens_per_step: tokensPerStep,
    tokens_per_s: Math.round(tokensPerStep / (median / 1000)),
    step_ms: Math.round(median * 10) / 10,
    mean_tokens_per_s_whole_run: Math.round(summary.tokensPerS),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    rss_mb_at_200: readings[200] ?? null,
    rss_mb_at_2000: readings[2000] ?? null,
    rss_mb_at_end: readings[steps] ?? null,
    final_loss: summary.finalLoss,
  }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
