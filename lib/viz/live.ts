// LiveFigure: a figure that redraws in place while training runs (the loss curve of run.display()). A redraw
// costs ~0.1–0.3 s (building the figure + its PNG through Chromium), far more than a progress line, so it is
// paced by a time budget rather than a fixed interval: a redraw happens only while the display's total cost,
// plus one more redraw kept in reserve for close(), stays within `budget` (default 1%) of the wall time
// since start; close() always draws the final state. The first frame (before any data) goes out without a
// PNG while Chromium starts in the background (~3 s cold), and PNG redraws wait until it has started, so the
// cold start never blocks training.
import { browserAvailable, browserReady, warmBrowser } from './browser';
import { options, type Figure } from './figure';
import { KernelRuntime, kernelRuntime } from './progress';

export interface LiveFigureOptions {
  /** Largest share of wall time the redraws may take (default 0.01). */
  budget?: number;
  /** Minimum milliseconds between redraws, whatever the budget (default 1000). */
  minIntervalMs?: number;
  /** 'kernel' (default inside it) or 'none' (a terminal has no figures). */
  target?: 'kernel' | 'none';
  /** Clock in ms (tests inject one). */
  now?: () => number;
}

/**
 * A figure rebuilt by `build()` and replaced in place in the kernel, within a time budget.
 *
 * @example
 * const live = new LiveFigure(() => flashlm.plot.loss(run));
 * for (...) { step(); live.update(); }
 * live.close();
 */
export class LiveFigure {
  readonly target: 'kernel' | 'none';
  /** Milliseconds spent building and displaying, in total. */
  spentMs = 0;
  redraws = 0;
  private readonly budget: number;
  private readonly minInterval: number;
  private readonly now: () => number;
  private readonly start: number;
  private last = -Infinity;
  private handle: ReturnType<KernelRuntime['display']> | null = null;
  private closed = false;
  /** Milliseconds and count of the full (PNG) redraws: what the next one is expected to cost. */
  private fullMs = 0;
  private fullDraws = 0;
  private lastMs = 0;
  /** What the first full redraw is assumed to cost: a warm PNG of the live loss figure took 0.2–0.4 s here
   * (2 busy cores); guessing high only delays the first redraw. */
  private readonly firstGuessMs: number;
  /** Whether redraws render a PNG and so need the browser up first. */
  private readonly needsBrowser: boolean;

  constructor(private readonly build: () => Figure, o: LiveFigureOptions = {}) {
    this.budget = o.budget ?? 0.01;
    if (!(this.budget > 0 && this.budget <= 1)) throw new RangeError(`LiveFigure: budget must be in (0, 1], got ${this.budget}`);
    this.minInterval = o.minIntervalMs ?? 1000;
    this.now = o.now ?? (() => performance.now());
    const k = kernelRuntime();
    this.target = o.target ?? (k ? 'kernel' : 'none');
    if (this.target === 'kernel' && !k) throw new RangeError("LiveFigure: target 'kernel' but not running inside the flashlm kernel");
    this.start = this.now();
    this.needsBrowser = this.target === 'kernel' && options().png && browserAvailable();
    this.firstGuessMs = this.needsBrowser ? 400 : 0;
    if (this.target === 'kernel') {
      const t0 = this.now();
      if (this.needsBrowser) warmBrowser();
      this.handle = k!.display(this.build().bundle({ png: false }), { raw: true });
      this.spentMs += this.now() - t0;
      this.redraws++;
    }
  }

  /** Redraws if the budget and the minimum interval allow (or `force`); returns whether it did. */
  update(force = false): boolean {
    if (this.closed || this.target === 'none') return false;
    const t = this.now();
    if (!force) {
      if (t - this.last < this.minInterval) return false;
      // this redraw is expected to cost what the previous full ones did (the mean, or the last if higher:
      // the figure grows and the machine's load changes); one more is kept for close()
      const expected = this.fullDraws ? Math.max(this.fullMs / this.fullDraws, this.lastMs) : this.firstGuessMs;
      if (this.spentMs + 2 * expected > this.budget * (t - this.start)) return false;
      if (this.needsBrowser && !browserReady()) return false;
    }
    this.draw((fig) => this.handle!.update(fig, { raw: false }));
    return true;
  }

  /** Draws the final state. */
  close(): void {
    if (this.closed) return;
    this.update(true);
    this.closed = true;
  }

  /** Share of wall time spent on redraws so far. */
  get overhead(): number {
    const wall = this.now() - this.start;
    return wall > 0 ? this.spentMs / wall : 0;
  }

  private draw(show: (fig: Figure) => void): void {
    const t0 = this.now();
    show(this.build());
    const t1 = this.now();
    this.spentMs += t1 - t0;
    this.fullMs += t1 - t0;
    this.lastMs = t1 - t0;
    this.fullDraws++;
    this.redraws++;
    this.last = t1;
  }
}
