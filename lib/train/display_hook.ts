// How a Run finds its live view without importing lib/viz (which imports the trainer's types): the viz
// module registers a view factory here when it loads; run.display() and train() in the kernel call it.
import type { Observable } from './events';

/** Attaches a live view to a run; returns a function that detaches it. */
export type RunViewFactory = (run: Observable & { metricsSource(): unknown }, options: { total: number | null; label: string }) => () => void;

let factory: RunViewFactory | null = null;

/** Registers the live view (lib/viz/run_view.ts does this). */
export function setRunView(f: RunViewFactory | null): void {
  factory = f;
}

export function runView(): RunViewFactory | null {
  return factory;
}
