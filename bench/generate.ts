// How fast does a model generate at batch 1 (random weights)? Runs generate() — prompt prefill, then one
// decode() per token plus sampling — and prints one JSON line per decode head: decode tokens/s (model
// decode only), end-to-end tokens/s (decode + sampling + the loop's own overhead), prefill tokens/s.
// Targets (issue 7): bitnet-bench ≥ 5,000 tok/s, v7 ≥ 400 tok/s.
// The v7 family prints two lines by default: its default f16 copy of the head (the spec's FP16
// embedding; EclipseModel.setDecodeHead) and the exact f32 head, because at batch 1 the head is most
// of the bytes a step reads (v7: 98 MB in f32, 49 MB in f16).
// Usage: npm run bench -- generate --model NAME [--threads T] [--prompt-tokens P] [--tokens N] [--runs R] [--warmup W]
//                                 [--head f16,f32 | f16 | bf16 | f32]
import * as models from '../lib/models';
import { native } from '../lib/native';
import { generate } from '../lib/generate/generate';
import { option as arg } from './common';

function int(name: string, fallback: number): number {
  const v = arg(name);
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`bench generate: --${name} must be a positive integer, got ${v}`);
  return n;
}

/** Issue 7's batch-1 decode targets on the 2-core machine. */
const TARGETS: Record<string, number> = { 'bitnet-bench': 5000, v7: 400 };

async function main(): Promise<void> {
  const name = arg('model') ?? 'bigram';
  const threads = arg('threads');
  if (threads !== undefined) native.setThreads(int('threads', 1));
  const model = models.create(name, {}, { seed: 1 });
  model.eval();
  const m = model as unknown as { setDecodeHead?: (p: string) => void };
  // The v7 family: its default f16 head first, then the exact f32 one (--head f16,bf16,f32 adds bf16).
  const heads = (arg('head') ?? (m.setDecodeHead === undefined ? 'f32' : 'f16,f32')).split(',');
  for (const head of heads) {
    if (head !== 'f16' && head !== 'bf16' && head !== 'f32') throw new RangeError(`bench generate: --head takes f16, bf16 or f32, or a list like f16,f32; got ${head}`);
    if (head !== 'f32' && m.setDecodeHead === undefined)
      throw new RangeError(`bench generate: --head ${head} needs a model with setDecodeHead (the v7 family), not ${name}`);
  }
  for (const head of heads) {
    m.setDecodeHead?.(head);
    await measure(model, name, head);
  }
}

async function measure(model: ReturnType<typeof models.create>, name: string, head: string): Promise<void> {
  const T = model.config.contextLength;
  const promptTokens = Math.min(int('prompt-tokens', 32), T - 1);
  const tokens = Math.min(int('tokens', 128), T - promptTokens); // stay inside one context: no re-prefill
  const runs = int('runs', 3);
  const prompt = Array.from({ length: promptTokens }, (_, i) => (i * 7919 + 1) % model.config.vocabSize);
  const sampling = { temperature: 0.8, topK: 40 };
  const once = async () => {
    const t0 = performance.now();
    const r = await generate(model, null, prompt, { ...sampling, maxTokens: tokens, stopTokens: [], seed: 0 });
    const wall = performance.now() - t0;
    return { wall, ...r.stats };
  };
  // Warm-up: quantized weight caches, the pool, and V8's optimising tiers. One run was not enough: the
  // first of two heads measured in a process read up to 25% slower than the second (JIT still warming).
  const warmup = int('warmup', 3);
  for (let i = 0; i < warmup; i++) await once();
  const results: Awaited<ReturnType<typeof once>>[] = [];
  for (let i = 0; i < runs; i++) results.push(await once());
  const median = (f: (r: (typeof results)[number]) => number) => results.map(f).sort((a, b) => a - b)[Math.floor(runs / 2)];
  const decodeSteps = tokens - 1; // the first token comes from the prefill logits
  const r1 = (x: number) => Number(x.toFixed(1));
  console.log(
    JSON.stringify({
      bench: 'generate',
      model: name,
      params: model.parameterCounts().total,
      config: model.config,
      decode_head: head,
      isa: native.info().isa,
      threads: native.info().threads,
      batch: 1,
      prompt_tokens: promptTokens,
      tokens_generated: tokens,
      sampling,
      runs,
      warmup_runs: warmup,
      prefill_tokens_per_s: r1(median((r) => promptTokens / (r.prefillMs / 1000))),
      decode_tokens_per_s: r1(median((r) => r.decodeTokensPerSecond)),
      target_decode_tokens_per_s: TARGETS[name] ?? null,
      end_to_end_tokens_per_s: r1(median((r) => tokens / ((r.wall - r.prefillMs) / 1000))),
      decode_ms_per_token: Number(median((r) => r.decodeMs / decodeSteps).toFixed(4)),
      loop_overhead_ms_per_token: Number(median((r) => (r.wall - r.prefillMs - r.decodeMs) / tokens).toFixed(4)),
    }),
  );
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
