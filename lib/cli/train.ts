// `flashlm train`: trains a registered model on a corpus or token shards into a run directory, with a
// progress bar on a terminal (plain lines otherwise); Ctrl-C stops at a step boundary with a checkpoint,
// and `flashlm train --resume DIR` continues bit-identically.
import { CORPUS_NAMES } from '../data/corpus';
import { formatEvaluation } from '../eval/evaluate';
import { setInterruptFlag, isInterrupt } from '../interrupt';
import { list as listModels, create } from '../models';
import { train } from '../train/train';
import type { RunSummary } from '../train/run';
import type { TrainCallOptions } from '../train/train';
import { UsageError, numberOption, parseFlags, stringOption } from './flags';

export const TRAIN_USAGE = `usage: flashlm train --model NAME --data CORPUS|SHARDS --out DIR [budget] [options]
       flashlm train --resume DIR [--stop-at N] [--json]

  --model NAME        a registered model: ${listModels().map((e) => e.name).join(', ')}
  --config JSON       overrides of the model config, e.g. '{"layers": 2}'
  --data CORPUS|DIR   a corpus (${CORPUS_NAMES.join(', ')}; a BPE of the model's vocabulary is trained on
                      its train split and cached), a directory with train*.tok / validation*.tok, or a .tok file
  --out DIR           the run directory (checkpoint, metrics.arrow, config.json, tokenizer.json)
budget (one of):
  --steps N | --tokens N | --time T   T in seconds or with a unit: 90s, 10m, 1h30m (training time only)
options:
  --stop-at N         stop after N steps with a checkpoint (the schedule still spans the budget)
  --seed S            data order seed (default 42; the model's init seed is --model-seed, default 42)
  --batch-size N --block-size N --accumulation N --lr X --clip X --eval-every N --eval-tokens N
  --checkpoint-every N
  --json              print a JSON summary (final loss, eval metrics, tokens/s, output dir) on stdout`;

/** "90" → 90, "90s", "10m", "2h", "1h30m" → seconds. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(t);
  if (!m || t === '' || (!m[1] && !m[2] && !m[3])) throw new UsageError(`train: --time must be seconds or like 90s, 10m, 1h30m; got '${text}'`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

const VALUES = ['--model', '--config', '--data', '--out', '--steps', '--tokens', '--time', '--stop-at', '--seed', '--model-seed', '--batch-size',
  '--block-size', '--accumulation', '--lr', '--clip', '--eval-every', '--eval-tokens', '--checkpoint-every', '--resume'];

export async function trainCommand(args: string[]): Promise<number> {
  let p;
  try {
    if (args.includes('--help') || args.includes('-h')) {
      console.log(TRAIN_USAGE);
      return 0;
    }
    p = parseFlags('train', args, { values: VALUES, flags: ['--json'] });
    if (p.positional.length) throw new UsageError(`train: unexpected argument '${p.positional[0]}'`);
  } catch (e) {
    return usage(e);
  }
  const json = p.flags.has('--json');
  const int = (name: string, min = 1) => numberOption('train', p, name, { integer: true, min });
  let run;
  try {
    const progress = process.stderr.isTTY ? 'bar' : 'lines';
    const resume = stringOption(p, '--resume');
    if (resume !== undefined) {
      for (const v of VALUES) if (v !== '--resume' && v !== '--stop-at' && p.values.has(v)) throw new UsageError(`train: ${v} cannot be combined with --resume (the run's saved options are used)`);
      run = train(null, null, { resume, stopAt: int('--stop-at'), progress });
    } else {
      const name = stringOption(p, '--model');
      const data = stringOption(p, '--data');
      const out = stringOption(p, '--out');
      if (!name) throw new UsageError('train: --model NAME is required');
      if (!data) throw new UsageError('train: --data CORPUS|SHARDS is required');
      if (!out) throw new UsageError('train: --out DIR is required');
      let overrides: Record<string, unknown> = {};
      const cfg = stringOption(p, '--config');
      if (cfg !== undefined) {
        try {
          overrides = JSON.parse(cfg) as Record<string, unknown>;
        } catch {
          throw new UsageError(`train: --config must be a JSON object, got '${cfg}'`);
        }
        if (typeof overrides !== 'object' || overrides === null || Array.isArray(overrides)) throw new UsageError('train: --config must be a JSON object');
      }
      const model = create(name, overrides, { seed: int('--model-seed', 0) });
      const time = stringOption(p, '--time');
      const lr = numberOption('train', p, '--lr', { min: 0 });
      const options: TrainCallOptions = {
        out, progress,
        steps: int('--steps'), tokens: int('--tokens'), seconds: time === undefined ? undefined : parseDuration(time),
        stopAt: int('--stop-at'), seed: int('--seed', 0), batchSize: int('--batch-size'), blockSize: int('--block-size'),
        accumulation: int('--accumulation'), clip: numberOption('train', p, '--clip', { min: 0 }), evalEvery: int('--eval-every', 0),
        evalTokens: int('--eval-tokens'), checkpointEvery: int('--checkpoint-every', 0),
        ...(lr !== undefined ? { optimizer: { type: 'adamw' as const, lr, betas: [0.9, 0.95] as [number, number], eps: 1e-8, weightDecay: 0.1, noDecay: ['**norm**', '**.alpha', '**.bias'] } } : {}),
      };
      for (const k of Object.keys(options) as (keyof TrainCallOptions)[]) if (options[k] === undefined) delete options[k];
      run = train(model, data, options);
    }
  } catch (e) {
    return usage(e);
  }
  // Ctrl-C: stop at the next step boundary with a checkpoint; a second Ctrl-C exits at once.
  const flag = new Int32Array(new SharedArrayBuffer(4));
  setInterruptFlag(flag);
  const onSigint = () => {
    if (Atomics.load(flag, 0) !== 0) process.exit(130);
    Atomics.store(flag, 0, 1);
    process.stderr.write('\nflashlm train: stopping at the next step boundary (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    const s = await run;
    report(s, json);
    return 0;
  } catch (e) {
    if (isInterrupt(e)) {
      process.stderr.write(`flashlm train: ${(e as Error).message.replace('run.resume() continues', `continue with: flashlm train --resume ${run.runDir}`)}\n`);
      return 130;
    }
    process.stderr.write(`flashlm train: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    setInterruptFlag(null);
  }
}

function report(s: RunSummary, json: boolean): void {
  if (json) {
    console.log(JSON.stringify({
      out_dir: s.runDir, model: s.model, reason: s.reason, steps: s.step, tokens: s.tokens, train_seconds: s.elapsedS,
      tokens_per_s: s.tokensPerS, final_loss: s.finalLoss, eval: s.eval,
    }));
    return;
  }
  console.log(`${s.model}: ${s.step} steps, ${s.tokens} tokens in ${s.elapsedS.toFixed(1)} s of training (${Math.round(s.tokensPerS)} tokens/s); final loss ${s.finalLoss?.toFixed(4) ?? '?'} (${s.reason})`);
  if (s.eval) console.log(formatEvaluation(s.eval));
  console.log(`run directory: ${s.runDir}`);
}

function usage(e: unknown): number {
  if (e instanceof UsageError || e instanceof RangeError || e instanceof TypeError) {
    process.stderr.write(`flashlm ${(e as Error).message}\n\n${TRAIN_USAGE}\n`);
    return 2;
  }
  process.stderr.write(`flashlm train: ${(e as Error).message}\n`);
  return 1;
}
