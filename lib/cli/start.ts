// `npm start` (flashlm start): the main job. Trains bitnet-bench on the embedded State of the Union corpus
// for a fixed ~2-minute training budget with a progress bar, evaluates it, prints a generated sample and
// writes a run directory (checkpoint, metrics.arrow, the loss figure as PNG and SVG when a browser exists).
import * as path from 'node:path';

import { corpus } from '../data/corpus';
import { formatEvaluation } from '../eval/evaluate';
import { generate } from '../generate/generate';
import { create } from '../models';
import { train } from '../train/train';
import { browserAvailable, closeBrowser } from '../viz/browser';
import { loss } from '../viz/plot';
import { numberOption, parseFlags, stringOption } from './flags';

export async function startCommand(args: string[]): Promise<number> {
  const p = parseFlags('start', args, { values: ['--seconds', '--out'] });
  const seconds = numberOption('start', p, '--seconds', { min: 1 }) ?? 120;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const out = path.resolve(stringOption(p, '--out') ?? path.join('runs', `bitnet-bench-sotu-${stamp}`));
  console.log(`flashlm: training bitnet-bench (6.2M parameters, ternary BL-B158) on the State of the Union corpus for ${seconds} s of training`);
  const model = create('bitnet-bench');
  const run = train(model, corpus('sotu'), { seconds, out, evalEvery: 0, progress: process.stderr.isTTY ? 'bar' : 'lines' });
  const s = await run;
  console.log(`\n${s.step} steps, ${s.tokens.toLocaleString('en-US')} tokens, ${Math.round(s.tokensPerS)} tokens/s; final training loss ${s.finalLoss?.toFixed(3)}`);
  if (s.eval) console.log(formatEvaluation(s.eval));
  const sample = await generate(model, run.tokenizer, 'The state of the Union is', { maxTokens: 60, temperature: 0.8, topK: 50, seed: 1 });
  console.log(`\nsample: ${sample.text.length ? 'The state of the Union is' + sample.text : '(empty)'}\n`);
  if (browserAvailable()) {
    const fig = loss(run, { title: 'bitnet-bench on sotu: training loss' });
    fig.save(path.join(out, 'loss.png'));
    fig.save(path.join(out, 'loss.svg'));
    closeBrowser();
    console.log(`loss figure: ${path.join(out, 'loss.png')} and loss.svg`);
  } else {
    console.log('loss figure: skipped (no Chromium found; set FLASHLM_CHROMIUM or install chromium)');
  }
  console.log(`run directory: ${out}  (flashlm eval ${path.relative(process.cwd(), out)}; flashlm generate ${path.relative(process.cwd(), out)} --prompt "...")`);
  return 0;
}
