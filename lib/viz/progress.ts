// Progress: the live training line. In the Jupyter kernel it is ONE display (an HTML <progress> bar plus a
// tqdm-style text line; text/plain the same line) replaced in place through a display handle; in a terminal it is
// a cli-progress bar on stderr (noTTYOutput when stderr is not a TTY, so CI logs get periodic lines).
// Updates are throttled (default ≥ 250 ms apart) so the display costs far below 1% of training time; the last
// state is always shown by close(). The kernel is found via globalThis[Symbol.for('flashlm.kernel')].
import * as cliProgress from 'cli-progress';

import { escapeHtml } from './figure';

/** What the kernel worker installs on globalThis (kernel/executor/worker.ts). */
export interface KernelRuntime {
  display(value: unknown, opts?: { id?: string; raw?: boolean }): { id: string; update(value: unknown, opts?: { raw?: boolean }): void };
  inKernel: boolean;
}

/** The kernel runtime when running inside the flashlm Jupyter kernel, else null. */
export function kernelRuntime(): KernelRuntime | null {
  const k = (globalThis as Record<symbol, unknown>)[Symbol.for('flashlm.kernel')] as KernelRuntime | undefined;
  return k && typeof k.display === 'function' ? k : null;
}

export interface ProgressState { step: number; total: number; loss?: number; tokensPerS?: number; elapsedS: number; etaS: number | null }

export interface ProgressOptions {
  total: number;
  label?: string;
  /** Minimum milliseconds between redraws (default 250). */
  minIntervalMs?: number;
  /** 'kernel' | 'terminal' | 'none' (default: kernel when inside it, else terminal). */
  target?: 'kernel' | 'terminal' | 'none';
  /** Clock in ms (tests inject one). */
  now?: () => number;
  /** Terminal stream (default process.stderr). */
  stream?: NodeJS.WritableStream;
}

/** 75 → "01:15", 3725 → "1:02:05". */
export function formatDuration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '?';
  const t = Math.max(0, Math.round(s));
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), sec = t % 60;
  const mm = String(m).padStart(2, '0'), ss = String(sec).padStart(2, '0');
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

function rate(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '?';
  return v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v.toFixed(0);
}

/** tqdm-style: ` 45%|████▌     | 450/1000 [00:12<00:15] loss 2.310 · 36.1k tok/s`. */
export function progressLine(s: ProgressState, label = ''): string {
  const frac = s.total > 0 ? Math.min(1, s.step / s.total) : 0;
  const width = 20;
  const cells = frac * width;
  const full = Math.floor(cells);
  const partial = ' ▏▎▍▌▋▊▉'[Math.floor((cells - full) * 8)];
  const bar = '█'.repeat(full) + (full < width ? partial + ' '.repeat(width - full - 1) : '');
  const pct = `${Math.floor(frac * 100)}`.padStart(3) + '%';
  const loss = s.loss !== undefined && Number.isFinite(s.loss) ? ` loss ${s.loss.toFixed(3)}` : '';
  const tps = s.tokensPerS !== undefined ? ` · ${rate(s.tokensPerS)} tok/s` : '';
  return `${label ? label + ' ' : ''}${pct}|${bar}| ${s.step}/${s.total} [${formatDuration(s.elapsedS)}<${formatDuration(s.etaS)}]${loss}${tps}`;
}

export function progressBundle(s: ProgressState, label = ''): Record<string, string> {
  const line = progressLine(s, label);
  const html = `<div class="flashlm-progress" style="font-family:monospace;white-space:pre">` +
    `<progress value="${s.step}" max="${s.total}" style="width:30ch;vertical-align:middle"></progress> ${escapeHtml(line.replace(/^.*?\| /, ''))}</div>`;
  return { 'text/html': html, 'text/plain': line };
}

/**
 * A live progress display.
 *
 * @example
 * const p = new Progress({ total: 1000, label: 'train' });
 * for (let s = 1; s <= 1000; s++) p.update(s, { loss, tokensPerS });
 * p.close();
 */
export class Progress {
  readonly total: number;
  readonly label: string;
  readonly target: 'kernel' | 'terminal' | 'none';
  /** Redraws actually done (the rest were throttled away). */
  renders = 0;
  private readonly minInterval: number;
  private readonly now: () => number;
  private readonly start: number;
  private lastDraw = -Infinity;
  private state: ProgressState;
  private handle: ReturnType<KernelRuntime['display']> | null = null;
  private bar: cliProgress.SingleBar | null = null;
  private closed = false;

  constructor(o: ProgressOptions) {
    if (!(Number.isInteger(o.total) && o.total > 0)) throw new RangeError(`Progress: total must be a positive integer, got ${o.total}`);
    this.total = o.total;
    this.label = o.label ?? '';
    this.minInterval = o.minIntervalMs ?? 250;
    this.now = o.now ?? (() => performance.now());
    this.start = this.now();
    const k = kernelRuntime();
    this.target = o.target ?? (k ? 'kernel' : 'terminal');
    this.state = { step: 0, total: this.total, elapsedS: 0, etaS: null };
    if (this.target === 'kernel') {
      if (!k) throw new RangeError("Progress: target 'kernel' but not running inside the flashlm kernel");
      this.handle = k.display(progressBundle(this.state, this.label), { raw: true });
    } else if (this.target === 'terminal') {
      const stream = o.stream ?? process.stderr;
      this.bar = new cliProgress.SingleBar({
        format: `${this.label ? this.label + ' ' : ''}{percentage}% |{bar}| {value}/{total} [{duration_formatted}<{eta_formatted}] loss {loss} · {tps} tok/s`,
        stream, noTTYOutput: !(stream as NodeJS.WriteStream).isTTY, notTTYSchedule: 10_000, fps: 1000 / Math.max(this.minInterval, 50),
        hideCursor: false, etaBuffer: 50,
      }, cliProgress.Presets.shades_classic);
      this.bar.start(this.total, 0, { loss: '?', tps: '?' });
    }
  }

  /** Records step `step`; redraws at most once per minIntervalMs. Cheap when throttled (two clock reads). */
  update(step: number, o: { loss?: number; tokensPerS?: number } = {}): void {
    if (this.closed) return;
    const t = this.now();
    const elapsedS = (t - this.start) / 1000;
    const etaS = step > 0 ? (elapsedS / step) * Math.max(0, this.total - step) : null;
    this.state = { step, total: this.total, loss: o.loss ?? this.state.loss, tokensPerS: o.tokensPerS ?? this.state.tokensPerS, elapsedS, etaS };
    if (t - this.lastDraw < this.minInterval && step < this.total) return;
    this.lastDraw = t;
    this.draw();
  }

  private draw(): void {
    this.renders++;
    const s = this.state;
    if (this.handle) this.handle.update(progressBundle(s, this.label), { raw: true });
    else if (this.bar) this.bar.update(s.step, { loss: s.loss !== undefined ? s.loss.toFixed(3) : '?', tps: rate(s.tokensPerS) });
  }

  /** The current state (what the display shows after the next redraw). */
  get current(): ProgressState {
    return { ...this.state };
  }

  /** Draws the final state and releases the terminal bar. */
  close(): void {
    if (this.closed) return;
    this.draw();
    this.closed = true;
    this.bar?.stop();
  }
}
