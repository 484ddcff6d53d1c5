// train(): builds a Run from a model, data and options — or from a run directory to resume — and starts
// it. The preparation (tokenizer training, tokenizing, a time-budget probe) is asynchronous; the Run is
// returned at once so that observers and run.display() can attach before the first step.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { BatchSampler } from '../data/sampling/samplers';
import { writeShard } from '../data/shards/format';
import { BpeTokenizer } from '../data/tokenizer/bpe';
import { V4Tokenizer } from '../data/tokenizer/v4';
import type { Tokenizer } from '../data/types';
import { MetricsWriter } from '../io/arrow-metrics';
import { create } from '../models';
import { LanguageModel } from '../models/language_model';
import { kernelRuntime } from '../viz/progress';
import { tidy } from '../tensor/scope';
import { loadCheckpoint, readRunConfig, METRICS_FILE, TOKENIZER_FILE, type TrainerState } from './checkpoint';
import { prepareTrainingData, dataFromDescriptor, type TrainData, type DataDescriptor, type PreparedData } from './data';
import { runView } from './display_hook';
import { AdamW, SGD } from './optim';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from './options';
import { terminalView } from './terminal_view';
import { Run, metricsPath, writeRunFiles, type Optimizer, type RunParts } from './run';

export interface TrainCallOptions extends TrainOptions {
  /** Use this tokenizer instead of training one on a raw corpus. */
  tokenizer?: Tokenizer;
  /** Continue the run saved in this directory (its options are reused; `stopAt` may be given anew). */
  resume?: string;
}

/**
 * Trains `model` on `data`. Returns a Run at once; `await` it for the summary.
 *
 * @example
 * const run = flashlm.train(flashlm.models.create('bitnet-bench'), flashlm.data.corpus('sotu'), { steps: 100 });
 * run.display();            // live progress + loss curve in Jupyter
 * const summary = await run; // { step, finalLoss, eval: { bitsPerChar, ... }, ... }
 */
export function train(model: LanguageModel | null, data: TrainData | null, options: TrainCallOptions = {}): Run {
  if (options.resume !== undefined) return resumeFrom(options.resume, model, data, options);
  if (!(model instanceof LanguageModel)) throw new TypeError('train: model must be a flashlm LanguageModel (flashlm.models.create(name))');
  if (data === null || data === undefined) throw new TypeError('train: data is required (a corpus, a corpus name, token shards or token arrays)');
  const runDir = options.out === undefined ? null : path.resolve(options.out);
  if (runDir !== null && fs.existsSync(path.join(runDir, 'config.json')))
    throw new Error(`train: ${runDir} already holds a run; resume it with { resume: '${runDir}' } or choose another out directory`);
  const early = options.seconds === undefined ? resolveTrainOptions(stripCallOptions(options), model.config.contextLength) : null;
  return new Run(prepareNew(model, data, options, runDir), { model, runDir, options: early });
}

function stripCallOptions(o: TrainCallOptions): TrainOptions {
  const { tokenizer: _t, resume: _r, ...rest } = o;
  return rest;
}

const log = (line: string): void => {
  if (!kernelRuntime()) process.stderr.write(`flashlm: ${line}\n`);
};

async function prepareNew(model: LanguageModel, data: TrainData, options: TrainCallOptions, runDir: string | null): Promise<RunParts> {
  const prepared = await prepareTrainingData(data, model.config.vocabSize, { tokenizer: options.tokenizer ?? null, log });
  const base = stripCallOptions(options);
  let resolved: ResolvedTrainOptions;
  if (options.seconds !== undefined) {
    resolved = resolveTrainOptions(base, model.config.contextLength, probeSecondsPerStep(model, prepared, base));
  } else {
    resolved = resolveTrainOptions(base, model.config.contextLength);
  }
  const optimizer = makeOptimizer(model, resolved);
  const sampler = makeSampler(prepared, resolved);
  if (runDir !== null && prepared.descriptor.kind === 'memory') prepared.descriptor = saveMemoryData(runDir, prepared, model.config.vocabSize);
  const config = { model: model.name, config: model.config, training: resolved, data: prepared.descriptor };
  if (runDir !== null) writeRunFiles(runDir, config, prepared.tokenizer);
  const metrics = MetricsWriter.create(metricsPath(runDir));
  const state: TrainerState = { step: 0, tokens: 0, elapsedS: 0, sampler: sampler.state };
  return parts(model, optimizer, sampler, prepared, resolved, runDir, state, config, metrics, options.progress ?? 'auto');
}

function resumeFrom(dir: string, model: LanguageModel | null, data: TrainData | null, options: TrainCallOptions): Run {
  const runDir = path.resolve(dir);
  const cfg = readRunConfig(runDir);
  if (typeof cfg.model !== 'string' || typeof cfg.config !== 'object' || typeof cfg.training !== 'object')
    throw new Error(`train: ${runDir}/config.json has no model/config/training (not a flashlm.train run directory)`);
  const m = model ?? create(cfg.model, cfg.config as Record<string, unknown>);
  if (m.name !== cfg.model) throw new Error(`train: the run in ${runDir} trained '${cfg.model}', not '${m.name}'`);
  const resolved = cfg.training as ResolvedTrainOptions;
  if (options.stopAt !== undefined) resolved.stopAt = options.stopAt;
  else resolved.stopAt = null;
  const prepare = (async (): Promise<RunParts> => {
    const tokFile = path.join(runDir, TOKENIZER_FILE);
    const tokenizer = options.tokenizer ?? (fs.existsSync(tokFile) ? loadTokenizer(tokFile) : null);
    const prepared = data !== null && data !== undefined
      ? await prepareTrainingData(data, m.config.vocabSize, { tokenizer, log })
      : await dataFromDescriptor(cfg.data as DataDescriptor, m.config.vocabSize, tokenizer);
    const ckpt = loadCheckpoint(runDir);
    try {
      m.loadStateDict(ckpt.model);
    } finally {
      for (const t of ckpt.model.values()) t.dispose();
    }
    const optimizer = makeOptimizer(m, resolved);
    optimizer.loadStateDict(ckpt.optimizer);
    const sampler = makeSampler(prepared, resolved);
    sampler.state = ckpt.trainer.sampler;
    const metrics = MetricsWriter.resume(path.join(runDir, METRICS_FILE), { keepUpToStep: ckpt.trainer.step });
    return parts(m, optimizer, sampler, prepared, resolved, runDir, { ...ckpt.trainer }, cfg, metrics, options.progress ?? 'auto');
  })();
  return new Run(prepare, { model: m, runDir, options: resolved });
}

/** In-memory token arrays go into the run directory as shards, so that `--resume DIR` finds them. */
function saveMemoryData(runDir: string, d: PreparedData, vocabSize: number): DataDescriptor {
  fs.mkdirSync(runDir, { recursive: true });
  const write = (name: string, tokens: ArrayLike<number>) => {
    const file = path.join(runDir, name);
    writeShard(file, tokens, { vocabSize, fingerprint: 'in-memory', source: `train() data: ${name}` });
    return file;
  };
  const train = write('train.tok', d.train as ArrayLike<number>);
  const validation = d.validation === null ? null : write('validation.tok', d.validation as ArrayLike<number>);
  return { kind: 'shards', train, validation };
}

function loadTokenizer(file: string): Tokenizer {
  const head = fs.readFileSync(file, 'utf8').slice(0, 200);
  return head.includes('"flashlm-v4-gpt2-remap"') ? V4Tokenizer.load(file) : BpeTokenizer.load(file);
}

function parts(
  model: LanguageModel, optimizer: Optimizer, sampler: BatchSampler, data: PreparedData, options: ResolvedTrainOptions,
  runDir: string | null, state: TrainerState, config: Record<string, unknown>, metrics: MetricsWriter, progress: RunParts['progress'],
): RunParts {
  return {
    model, optimizer, sampler, data, tokenizer: data.tokenizer, options, runDir, state, config, metrics, progress,
    attachView: (run) => {
      const view = runView();
      if (kernelRuntime() && view) return view(run, { total: options.horizon, label: model.name });
      return terminalView(run, progress, options.horizon);
    },
  };
}

function makeOptimizer(model: LanguageModel, o: ResolvedTrainOptions): Optimizer {
  const named = model.namedParameters();
  const opt = o.optimizer;
  if (opt.type === 'adamw') return new AdamW(named, { lr: opt.lr, betas: opt.betas, eps: opt.eps, weightDecay: opt.weightDecay, noDecay: opt.noDecay });
  return new SGD(named, { lr: opt.lr, momentum: opt.momentum, dampening: opt.dampening, weightDecay: opt.weightDecay, nesterov: opt.nesterov, noDecay: opt.noDecay });
}

function makeSampler(d: PreparedData, o: ResolvedTrainOptions): BatchSampler {
  return new BatchSampler(d.train, o.sampler, { batchSize: o.batchSize, blockSize: o.blockSize, seed: o.seed });
}

/**
 * Seconds per optimizer step for a time budget, measured before training on batches from a separate
 * sampler (forward + backward, no update), so the run's own data order and weights are untouched.
 */
function probeSecondsPerStep(model: LanguageModel, d: PreparedData, o: TrainOptions): number {
  const B = o.batchSize ?? 16, T = o.blockSize ?? model.config.contextLength, acc = o.accumulation ?? 1;
  const sampler = new BatchSampler(d.train, 'random', { batchSize: B, blockSize: T, seed: 0x5eed });
  const times: number[] = [];
  model.train();
  for (let i = 0; i < 4; i++) {
    const batch = sampler.next();
    const t0 = performance.now();
    tidy(() => model.loss(batch.x, batch.y).backward());
    times.push(performance.now() - t0);
    batch.x.dispose();
    batch.y.dispose();
  }
  model.zeroGrad();
  // The first call pays one-time costs (fresh memory, weight quantization). Of the rest, the fastest:
  // a busy core only ever slows a step, and an estimate that is too slow ends the run early with its
  // time unused (v4-bolt stopped at 314 of 600 s), while one that is too fast only means the run stops
  // on the clock a little before its schedule's last steps. The optimizer update adds a few percent.
  return (Math.min(times[1], times[2], times[3]) / 1000) * acc * 1.05;
}
