// lib/viz: rich display and figures (design §7). Importing it installs [Symbol.for("Jupyter.display")] on
// Tensor, Module and Arrow Table; `viz` holds the display settings, `plot` the figure catalogue.
import { installDisplay } from './displayables';

installDisplay();

export { Figure, mode, options, resetSession, PLOTLY_MIME } from './figure';
export type { FigureJSON, SaveOptions, Trace, Layout, Config, MimeBundle, VizMode } from './figure';
export { findChromium, browserAvailable, browserReady, warmBrowser, closeBrowser, exportStats, BrowserUnavailableError, CHROMIUM_CANDIDATES } from './browser';
export type { ImageFormat } from './browser';
export { tensorBundle, moduleBundle, tableBundle, tensorStats, textHistogram, summarize, humanCount, installDisplay } from './displayables';
export type { ModuleDescription, ModuleSummary, TensorStats } from './displayables';
export { LiveFigure } from './live';
export type { LiveFigureOptions } from './live';
export { Progress, progressLine, progressBundle, kernelRuntime, formatDuration } from './progress';
export type { ProgressOptions, ProgressState, KernelRuntime } from './progress';
export { attachRunView, runViewStats } from './run_view';
export type { RunViewStats } from './run_view';
