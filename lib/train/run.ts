// Run: one training run — the loop, its budget, evaluation and checkpoint cadence, resume, the NaN guard
// and cooperative interrupts. A Run is awaitable (its summary), observable (lib/train/events.ts) and can
// be continued with resume() after a stop, a stopAt or an interrupt. The loop's state (weights, optimizer
// moments, sampler/RNG, step, tokens) is all in the checkpoint, so a resumed run continues bit-identically.
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';

import { BatchSampler } from '../data/sampling/samplers';
import type { Tokenizer } from '../data/types';
import { evaluate, evalColumns, type EvaluationResult } from '../eval/evaluate';
import { interrupted, KeyboardInterrupt } from '../interrupt';
import { MetricsWriter, readMetrics, type MetricsReadResult } from '../io/arrow-metrics';
import type { LanguageModel } from '../models/language_model';
import { tidy } from '../tensor/scope';
import { AdamW, SGD, clipGradNorm, NonFiniteGradientError } from './optim';
import { scheduleFn } from './schedule';
import { saveCheckpoint, writeJsonAtomic, flashlmVersion, CONFIG_FILE, TOKENIZER_FILE, METRICS_FILE, type TrainerState } from './checkpoint';
import type { PreparedData } from './data';
import type { RunEndReason, RunObserver, Observable, StepEvent, EvalEvent, RunStartEvent, RunEndEvent } from './events';
import type { ResolvedTrainOptions } from './options';

/** What `await run` gives. */
export interface RunSummary {
  runDir: string | null;
  model: string;
  reason: RunEndReason;
  step: number;
  tokens: number;
  /** Training seconds (evaluation and checkpoints excluded). */
  elapsedS: number;
  /** Tokens per second of training time, over this session of the run. */
  tokensPerS: number;
  /** Mean training loss over the last (up to) 20 steps, nats. */
  finalLoss: number | null;
  /** The last evaluation, if any. */
  eval: EvaluationResult | null;
}

/** A NaN or Inf in the loss, a gradient or a weight: the run stops before the optimizer step. */
export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
  constructor(
    readonly step: number,
    readonly tensor: string,
  ) {
    super(`training stopped at step ${step}: non-finite values (NaN or Inf) in ${tensor}; the last checkpoint (if any) is untouched`);
  }
}

export type Optimizer = AdamW | SGD;

/** Everything a Run drives; built by train() (lib/train/train.ts). */
export interface RunParts {
  model: LanguageModel;
  optimizer: Optimizer;
  sampler: BatchSampler;
  data: PreparedData;
  tokenizer: Tokenizer | null;
  options: ResolvedTrainOptions;
  runDir: string | null;
  state: TrainerState;
  /** config.json content (written at start when there is a run directory). */
  config: Record<string, unknown>;
  /** Metrics writer (a temp file when there is no run directory). */
  metrics: MetricsWriter;
  progress: 'auto' | 'bar' | 'lines' | 'none';
  attachView: (run: Run) => (() => void) | null;
}

export class Run implements Observable, PromiseLike<RunSummary> {
  readonly model: LanguageModel;
  readonly tokenizer: Tokenizer | null;
  readonly runDir: string | null;
  readonly options: ResolvedTrainOptions;
  private readonly observers = new Set<RunObserver>();
  private parts: RunParts | null = null;
  private promise: Promise<RunSummary>;
  private running = false;
  private stopRequested = false;
  private lastEval: EvaluationResult | null = null;
  private recentLosses: number[] = [];
  private metricsFile = '';
  private viewAttached = false;
  /** display() was called before the run was prepared: attach as soon as it is, before onStart. */
  private displayRequested = false;

  /** @internal — use flashlm.train(). */
  constructor(prepare: Promise<RunParts>, info: { model: LanguageModel; runDir: string | null; options: ResolvedTrainOptions | null }) {
    this.model = info.model;
    this.runDir = info.runDir;
    this.tokenizer = null;
    this.options = info.options as ResolvedTrainOptions;
    this.running = true;
    this.promise = prepare.then((parts) => {
      this.parts = parts;
      (this as { tokenizer: Tokenizer | null }).tokenizer = parts.tokenizer;
      (this as { options: ResolvedTrainOptions }).options = parts.options;
      this.metricsFile = parts.metrics.file;
      if (parts.progress !== 'none' || this.displayRequested) this.attachView();
      return this.loop();
    }, (e) => {
      this.running = false;
      throw e;
    });
    // An unobserved failure must not crash the process before the caller awaits the run.
    this.promise.catch(() => {});
  }

  then<A = RunSummary, B = never>(onFulfilled?: ((v: RunSummary) => A | PromiseLike<A>) | null, onRejected?: ((e: unknown) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.promise.then(onFulfilled, onRejected);
  }

  /** Adds an observer; returns a function that removes it. */
  observe(observer: RunObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Optimizer steps done. */
  get step(): number {
    return this.parts?.state.step ?? 0;
  }

  /** Whether the loop is running (or preparing). */
  get isRunning(): boolean {
    return this.running;
  }

  /** Asks the loop to stop at the next step boundary (with a checkpoint); `await run` then resolves. */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Continues a run that ended by stop(), stopAt or an interrupt (same process, same objects), up to the
   * budget or a new `stopAt`. Returns this run; await it for the new summary.
   *
   * @example await run.resume();
   */
  resume(options: { stopAt?: number } = {}): this {
    if (this.running) throw new Error('Run.resume: the run is still running');
    const parts = this.parts;
    if (parts === null) throw new Error('Run.resume: the run failed before it started; start a new one');
    if (parts.state.step >= parts.options.horizon) throw new Error(`Run.resume: the run already completed its ${parts.options.horizon} steps`);
    if (options.stopAt !== undefined && (!Number.isSafeInteger(options.stopAt) || options.stopAt <= parts.state.step))
      throw new RangeError(`Run.resume: stopAt must be an integer > the current step (${parts.state.step}), got ${options.stopAt}`);
    parts.options.stopAt = options.stopAt ?? null;
    this.stopRequested = false;
    this.running = true;
    if (parts.progress !== 'none') this.attachView();
    this.promise = this.loop();
    this.promise.catch(() => {});
    return this;
  }

  /** The metrics so far (train and eval rows), read back from metrics.arrow. */
  metrics(): MetricsReadResult {
    if (this.parts === null) throw new Error('Run.metrics: the run has not started yet (await it, or wait for onStart)');
    this.parts.metrics.flush();
    return readMetrics(this.metricsFile);
  }

  /** For flashlm.plot.*: the run's name and metrics. */
  get name(): string {
    return this.runDir ? path.basename(this.runDir) : this.model.name;
  }

  /** What plots read (a MetricsSource). */
  metricsSource(): this {
    return this;
  }

  /**
   * Shows the live view (progress bar and loss figure, updated in place) in the Jupyter kernel; returns
   * the run. In a terminal, train({ progress: 'bar' }) shows a bar instead.
   */
  display(): this {
    // Not prepared yet: attach once it is, before the loop emits onStart (the view creates its progress
    // display in onStart; an observer added during onStart would miss it).
    if (this.parts !== null) this.attachView();
    else this.displayRequested = true;
    return this;
  }

  private attachView(): void {
    if (this.viewAttached || this.parts === null) return;
    this.viewAttached = this.parts.attachView(this) !== null;
  }

  private emit<K extends keyof RunObserver>(kind: K, event: Parameters<NonNullable<RunObserver[K]>>[0]): void {
    for (const o of [...this.observers]) {
      try {
        (o[kind] as ((e: typeof event) => void) | undefined)?.(event);
      } catch (e) {
        // An observer's bug must not kill training; report it once and drop the observer.
        process.emitWarning(`flashlm.train: an observer's ${kind} threw and was removed: ${(e as Error).message}`);
        this.observers.delete(o);
      }
    }
  }

  private async loop(): Promise<RunSummary> {
    const p = this.parts!;
    const { model, optimizer, sampler, options: o, state } = p;
    const params = model.namedParameters();
    const lrAt = scheduleFn(o.schedule);
    const tokensPerStep = o.batchSize * o.blockSize * o.accumulation;
    const sessionStart = { tokens: state.tokens, elapsedS: state.elapsedS };
    const startEvent: RunStartEvent = { runDir: p.runDir, model: model.name, startStep: state.step, totalSteps: o.horizon, tokensPerStep };
    this.emit('onStart', startEvent);
    let reason: RunEndReason = 'completed';
    let failure: Error | null = null;
    model.train();
    try {
      for (;;) {
        if (state.step >= o.horizon || (o.budget.seconds !== null && state.elapsedS >= o.budget.seconds)) break;
        if (o.stopAt !== null && state.step >= o.stopAt) { reason = 'stopped-at'; break; }
        if (this.stopRequested) { reason = 'stopped'; break; }
        if (interrupted()) { reason = 'interrupted'; break; }
        const t0 = performance.now();
        const lr = lrAt(state.step);
        optimizer.lr = lr;
        model.zeroGrad();
        let lossSum = 0;
        for (let a = 0; a < o.accumulation; a++) {
          const batch = sampler.next();
          let l: number;
          try {
            l = tidy(() => {
              const loss = model.loss(batch.x, batch.y);
              loss.backward();
              return loss.item();
            });
          } finally {
            batch.x.dispose();
            batch.y.dispose();
          }
          if (!Number.isFinite(l)) throw new NonFiniteError(state.step + 1, firstNonFiniteParameter(params) ?? 'the loss');
          lossSum += l;
        }
        let norm: number;
        try {
          norm = clipGradNorm(params, Infinity).norm / o.accumulation;
        } catch (e) {
          if (e instanceof NonFiniteGradientError) throw new NonFiniteError(state.step + 1, `the gradient of '${e.parameter}'`);
          throw e;
        }
        const clipScale = o.clip === null ? 1 : Math.min(1, o.clip / (norm + 1e-6));
        optimizer.step(clipScale / o.accumulation);
        state.step++;
        state.tokens += tokensPerStep;
        state.elapsedS += (performance.now() - t0) / 1000;
        const loss = lossSum / o.accumulation;
        this.recentLosses.push(loss);
        if (this.recentLosses.length > 20) this.recentLosses.shift();
        const sessionS = state.elapsedS - sessionStart.elapsedS;
        const tokensPerS = sessionS > 0 ? (state.tokens - sessionStart.tokens) / sessionS : 0;
        const stepEvent: StepEvent = {
          step: state.step, totalSteps: o.horizon, tokens: state.tokens, loss, lr, gradNorm: norm, tokensPerS, elapsedS: state.elapsedS,
          etaS: etaSeconds(o, state),
        };
        p.metrics.logTrain({ step: state.step, tokens: state.tokens, elapsed_s: state.elapsedS, loss, lr, grad_norm: norm, tokens_per_s: tokensPerS });
        this.emit('onStep', stepEvent);
        if (o.evalEvery !== null && state.step % o.evalEvery === 0) await this.evaluateNow();
        if (p.runDir !== null && o.checkpointEvery !== null && state.step % o.checkpointEvery === 0) this.checkpoint();
        // Let the event loop run (Ctrl-C handlers, display messages) between steps.
        await new Promise((r) => setImmediate(r));
      }
      if (reason === 'completed' && p.data.evalData !== null && (o.evalEvery === null || state.step % o.evalEvery !== 0)) await this.evaluateNow();
      if (p.runDir !== null) this.checkpoint();
    } catch (e) {
      failure = e as Error;
      reason = e instanceof NonFiniteError ? 'non-finite' : isInterruptError(e) ? 'interrupted' : 'error';
      // An interrupt inside a kernel (native code polling the flag) stops mid-step: the weights were not
      // updated, so the last completed step is consistent; save it.
      if (reason === 'interrupted' && p.runDir !== null) {
        try {
          this.checkpoint();
        } catch {
          // keep the original error
        }
      }
    } finally {
      p.metrics.flush();
      this.running = false;
      this.viewAttached = false;
    }
    const sessionS = state.elapsedS - sessionStart.elapsedS;
    const summary: RunSummary = {
      runDir: p.runDir, model: model.name, reason, step: state.step, tokens: state.tokens, elapsedS: state.elapsedS,
      tokensPerS: sessionS > 0 ? (state.tokens - sessionStart.tokens) / sessionS : 0,
      finalLoss: this.recentLosses.length ? this.recentLosses.reduce((s, v) => s + v, 0) / this.recentLosses.length : null,
      eval: this.lastEval,
    };
    const endEvent: RunEndEvent = { reason, step: state.step, tokens: state.tokens, elapsedS: state.elapsedS, ...(failure ? { error: failure } : {}) };
    this.emit('onEnd', endEvent);
    if (reason === 'interrupted') {
      throw new KeyboardInterrupt(`training interrupted at step ${state.step}${p.runDir ? ` (checkpoint in ${p.runDir})` : ''}; run.resume() continues`);
    }
    if (failure !== null) throw failure;
    return summary;
  }

  private async evaluateNow(): Promise<void> {
    const p = this.parts!;
    if (p.data.evalData === null) return;
    const m = await evaluate(p.model, p.data.evalData, { tokenizer: p.tokenizer ?? undefined, maxTokens: p.options.evalTokens });
    p.model.train();
    this.lastEval = m;
    const s = p.state;
    p.metrics.logEval({ step: s.step, tokens: s.tokens, elapsed_s: s.elapsedS, ...evalColumns(m) });
    const e: EvalEvent = { step: s.step, tokens: s.tokens, elapsedS: s.elapsedS, metrics: m };
    this.emit('onEval', e);
  }

  private checkpoint(): void {
    const p = this.parts!;
    saveCheckpoint(p.runDir!, p.model, p.optimizer, { ...p.state, sampler: p.sampler.state });
  }
}

function isInterruptError(e: unknown): boolean {
  const x = e as { name?: unknown; code?: unknown } | null;
  return !!x && (x.name === 'KeyboardInterrupt' || x.code === 'ERR_FLASHLM_INTERRUPTED');
}

function firstNonFiniteParameter(params: [string, import('../tensor/tensor').Tensor][]): string | null {
  for (const [name, p] of params) {
    const d = p.f32();
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return `the weight '${name}'`;
  }
  return null;
}

function etaSeconds(o: ResolvedTrainOptions, s: TrainerState): number | null {
  if (o.budget.seconds !== null) return Math.max(0, o.budget.seconds - s.elapsedS);
  return s.step > 0 && s.elapsedS > 0 ? ((o.horizon - s.step) * s.elapsedS) / s.step : null;
}

/** Writes config.json and tokenizer.json at the start of a run with a directory. */
export function writeRunFiles(runDir: string, config: Record<string, unknown>, tokenizer: Tokenizer | null): void {
  fs.mkdirSync(runDir, { recursive: true });
  writeJsonAtomic(path.join(runDir, CONFIG_FILE), { flashlm: flashlmVersion(), ...config });
  const save = (tokenizer as { save?: (f: string) => void } | null)?.save;
  if (tokenizer !== null && typeof save === 'function') save.call(tokenizer, path.join(runDir, TOKENIZER_FILE));
}

/** metrics.arrow's path: in the run directory, or a temp file for a run without one. */
export function metricsPath(runDir: string | null): string {
  if (runDir !== null) return path.join(runDir, METRICS_FILE);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-run-'));
  return path.join(dir, METRICS_FILE);
}
