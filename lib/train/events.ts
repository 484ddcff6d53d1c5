// What a training run tells its observers as it goes: the live display (lib/viz), the CLI progress bar
// and user code subscribe through `run.observe(observer)`. Kept apart from the trainer so the views
// depend only on these shapes.
import type { EvalMetrics } from '../eval/metrics';

export interface RunStartEvent {
  /** The run directory (checkpoints, metrics.arrow), or null for an in-memory run. */
  runDir: string | null;
  /** Registry name of the model. */
  model: string;
  /** Step the run starts at (0, or the resumed step). */
  startStep: number;
  /** Planned total optimizer steps when known (step or token budget), else null (time budget). */
  totalSteps: number | null;
  /** Tokens per optimizer step (batch · T · accumulation). */
  tokensPerStep: number;
}

export interface StepEvent {
  /** Optimizer steps done so far (1 after the first). */
  step: number;
  totalSteps: number | null;
  /** Tokens trained on so far. */
  tokens: number;
  /** Mean training loss of this step, nats. */
  loss: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Training throughput (evaluation time excluded). */
  tokensPerS: number;
  /** Seconds of training so far (evaluation excluded). */
  elapsedS: number;
  /** Estimated seconds left, or null when unknown. */
  etaS: number | null;
}

export interface EvalEvent {
  step: number;
  tokens: number;
  elapsedS: number;
  metrics: EvalMetrics;
}

/** completed: the budget is spent; stopped-at: options.stopAt; stopped: run.stop(); interrupted: kernel stop / Ctrl-C. */
export type RunEndReason = 'completed' | 'stopped-at' | 'stopped' | 'interrupted' | 'non-finite' | 'error';

export interface RunEndEvent {
  reason: RunEndReason;
  step: number;
  tokens: number;
  elapsedS: number;
  /** The error for 'non-finite' and 'error'. */
  error?: Error;
}

/** Subscribe with `run.observe(observer)`; every callback is optional and must not throw. */
export interface RunObserver {
  onStart?(e: RunStartEvent): void;
  onStep?(e: StepEvent): void;
  onEval?(e: EvalEvent): void;
  onEnd?(e: RunEndEvent): void;
}

/** Anything runs can be observed on (the Run class implements it). */
export interface Observable {
  /** Adds an observer; returns a function that removes it. */
  observe(observer: RunObserver): () => void;
}
