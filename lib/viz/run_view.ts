// The live view of a training run in the Jupyter kernel: one progress display (HTML <progress> bar and a
// tqdm-style line) and one loss figure, both replaced in place. Progress redraws at most every 500 ms and
// the figure only while its total cost, with one redraw kept for the end, stays within 0.7% of the wall time
// (LiveFigure), so the view costs about 1% of training at most (bench/run_view.ts measures it);
// runViewStats() reports what it actually cost. Registered with the trainer
// through lib/train/display_hook.ts (run.display(), and automatically when train() runs in the kernel).
import { setRunView } from '../train/display_hook';
import type { Observable } from '../train/events';
import { LiveFigure } from './live';
import { loss } from './plot';
import type { MetricsSource } from './plot';
import { Progress } from './progress';

export interface RunViewStats {
  /** Milliseconds spent in the view's callbacks (progress and figure redraws). */
  spentMs: number;
  /** Wall milliseconds since the view was attached. */
  wallMs: number;
  progressRenders: number;
  figureRedraws: number;
}

/**
 * The 1% is shared: the progress line (~0.5–1 ms a render, at most 2 a second: ≤ 0.2%) and the figure, which
 * gets 0.7% (LiveFigure keeps its own total, final redraw included, within that when its cost estimate
 * holds; the rest is margin for redraws that cost more than the last ones did).
 */
const FIGURE_BUDGET = 0.007;
const PROGRESS_INTERVAL_MS = 500;

/** Train-curve points per live redraw: a PNG of 13k points took ~1 s, of 1000 a fraction of that. */
const LIVE_POINTS = 1000;

let lastStats: (() => RunViewStats) | null = null;

/** What the most recent run view cost (for measuring the display overhead). */
export function runViewStats(): RunViewStats | null {
  return lastStats?.() ?? null;
}

/**
 * Shows `run`'s progress and loss curve, updating in place; returns a function that detaches the view.
 *
 * @example attachRunView(run, { total: 1000, label: 'bitnet-bench' });
 */
export function attachRunView(run: Observable & { metricsSource(): unknown }, o: { total: number | null; label: string; target?: 'kernel' | 'none' }): () => void {
  const start = performance.now();
  let spent = 0;
  let progress: Progress | null = null;
  const source = run.metricsSource() as MetricsSource;
  const timed = (fn: () => void) => {
    const t = performance.now();
    try {
      fn();
    } finally {
      spent += performance.now() - t;
    }
  };
  let figure!: LiveFigure; // its first frame is part of the view's cost too
  timed(() => {
    figure = new LiveFigure(() => loss(source, { title: `${o.label}: loss`, maxPoints: LIVE_POINTS }), { target: o.target ?? 'kernel', budget: FIGURE_BUDGET });
  });
  const off = run.observe({
    onStart: (e) => timed(() => {
      progress = new Progress({ total: e.totalSteps ?? o.total ?? 1, label: o.label, target: o.target === 'none' ? 'none' : 'kernel', minIntervalMs: PROGRESS_INTERVAL_MS });
    }),
    onStep: (e) => timed(() => {
      // attached mid-run (after onStart): start the progress display at the first step seen
      progress ??= new Progress({ total: o.total ?? e.step, label: o.label, target: o.target === 'none' ? 'none' : 'kernel', minIntervalMs: PROGRESS_INTERVAL_MS });
      progress.update(e.step, { loss: e.loss, tokensPerS: e.tokensPerS });
      figure.update();
    }),
    onEval: () => timed(() => figure.update()),
    onEnd: () => timed(() => {
      progress?.close();
      figure.close();
      off();
    }),
  });
  lastStats = () => ({ spentMs: spent, wallMs: performance.now() - start, progressRenders: progress?.renders ?? 0, figureRedraws: figure.redraws });
  return off;
}

setRunView((run, o) => attachRunView(run, o));
