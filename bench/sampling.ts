// How long does choosing one token take (logit processors + one seeded draw) at the originals' vocab
// sizes? Batch-1 decode of a small model spends ~1–10 ms per token in the forward, so the sampler must
// stay well below that. Prints {"bench":"sampling","vocab","options","ms_per_token"} per line.
import { Sampler } from '../lib/generate/sampling';
import type { SamplingOptions } from '../lib/generate/sampling';

function time(fn: () => void, reps = 51): number {
  for (let i = 0; i < 5; i++) fn();
  const ms: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return ms.sort((a, b) => a - b)[reps >> 1];
}

const configs: SamplingOptions[] = [
  { temperature: 0 },
  { temperature: 1 },
  { temperature: 0.8, topK: 50 }, // v4, v5
  { temperature: 0.8, topK: 40, topP: 0.9, repetitionPenalty: 1.1 },
  { temperature: 0.8, topP: 0.9 },
];
for (const vocab of [1024, 8192, 32000]) {
  const logits = Float32Array.from({ length: vocab }, (_, i) => Math.sin(i * 0.37) * 4 + Math.cos(i * 0.011) * 2);
  const history = Array.from({ length: 256 }, (_, i) => (i * 7919) % vocab);
  for (const options of configs) {
    const s = new Sampler({ ...options, seed: 1 });
    const ms = time(() => s.sample(logits, history));
    console.log(JSON.stringify({ bench: 'sampling', vocab, options, ms_per_token: Number(ms.toFixed(4)) }));
  }
}
