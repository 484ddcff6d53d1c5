// Figure: a plotly.js figure object ({data, layout, config}) that displays in Jupyter and saves for papers.
// Default MIME bundle: application/vnd.plotly.v1+json + image/png (only when a browser renders it) + text/plain.
// No text/html by default: JupyterLab without the plotly extension would rank it first and show a blank div
// (research/ecosystem.md §1). viz.mode("html") inlines plotly.js once per session, then emits HTML figures
// whose <img> PNG fallback shows wherever scripts do not run.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { writeFileAtomic } from '../io/atomic';
import { BrowserUnavailableError, ImageFormat, browserAvailable, plotlyPath, renderSync } from './browser';

export type Trace = Record<string, unknown>;
export type Layout = Record<string, unknown>;
export type Config = Record<string, unknown>;
export type MimeBundle = Record<string, unknown>;
export interface FigureJSON { data: Trace[]; layout: Layout; config: Config }
export interface SaveOptions { width?: number; height?: number; scale?: number }

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';
const DISPLAY = Symbol.for('Jupyter.display');

export type VizMode = 'default' | 'html';
/** Session-wide display settings (`viz.mode`, `viz.options`). */
const state = { mode: 'default' as VizMode, plotlyInlined: false, png: true, pngScale: 2 };

/**
 * Switches how figures display: 'default' (plotly JSON + PNG + text) or 'html' (plotly.js inlined once per
 * session, then text/html figures with an <img> fallback, for nbconvert/classic notebook interactivity).
 *
 * @example
 * flashlm.viz.mode('html');
 */
export function mode(m?: VizMode): VizMode {
  if (m !== undefined) {
    if (m !== 'default' && m !== 'html') throw new RangeError(`viz.mode: expected 'default' or 'html', got ${JSON.stringify(m)}`);
    state.mode = m;
  }
  return state.mode;
}

/**
 * Display options: `png` (render a PNG into bundles when a browser exists; default true) and `pngScale` (2).
 *
 * @example
 * flashlm.viz.options({ png: false }); // no browser start when displaying figures
 */
export function options(o: { png?: boolean; pngScale?: number } = {}): { png: boolean; pngScale: number } {
  if (o.png !== undefined) state.png = !!o.png;
  if (o.pngScale !== undefined) {
    if (!(o.pngScale > 0 && o.pngScale <= 8)) throw new RangeError(`viz.options: pngScale must be in (0, 8], got ${o.pngScale}`);
    state.pngScale = o.pngScale;
  }
  return { png: state.png, pngScale: state.pngScale };
}

/** Forgets that plotly.js was inlined (a new notebook in the same process, or tests). */
export function resetSession(): void {
  state.plotlyInlined = false;
}

const DEFAULT_W = 700;
const DEFAULT_H = 450;

function checkSize(fn: string, name: string, v: number, max: number): number {
  if (!Number.isFinite(v) || v <= 0 || v > max) throw new RangeError(`${fn}: ${name} must be a number in (0, ${max}], got ${v}`);
  return v;
}

export class Figure {
  data: Trace[];
  layout: Layout;
  config: Config;

  constructor(data: Trace[] = [], layout: Layout = {}, config: Config = {}) {
    this.data = data;
    this.layout = layout;
    this.config = { responsive: true, displaylogo: false, ...config };
  }

  /** The title text ('' when none). */
  get title(): string {
    const t = this.layout.title;
    if (typeof t === 'string') return t;
    if (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string') return (t as { text: string }).text;
    return '';
  }

  /** A plain plotly.js figure object (deep copy: JSON round trip). */
  toJSON(): FigureJSON {
    return JSON.parse(JSON.stringify({ data: this.data, layout: this.layout, config: this.config })) as FigureJSON;
  }

  toString(): string {
    return `<Figure: ${this.title || 'untitled'}, ${this.data.length} trace${this.data.length === 1 ? '' : 's'}>`;
  }

  /** Width/height for static output: explicit options, else the layout's, else 700×450. */
  private size(fn: string, o: SaveOptions): { width: number; height: number; scale: number } {
    const lw = typeof this.layout.width === 'number' ? this.layout.width : DEFAULT_W;
    const lh = typeof this.layout.height === 'number' ? this.layout.height : DEFAULT_H;
    return {
      width: checkSize(fn, 'width', o.width ?? lw, 10000),
      height: checkSize(fn, 'height', o.height ?? lh, 10000),
      scale: checkSize(fn, 'scale', o.scale ?? 1, 8),
    };
  }

  /**
   * The figure as image bytes (svg: UTF-8 text). Needs a Chromium-family browser.
   *
   * @example
   * const png = fig.toImage('png', { scale: 2 });
   */
  toImage(format: ImageFormat, o: SaveOptions = {}): Buffer {
    if (format !== 'svg' && format !== 'png' && format !== 'pdf') throw new RangeError(`Figure.toImage: format must be 'svg', 'png' or 'pdf', got ${JSON.stringify(format)}`);
    const size = this.size('Figure.toImage', o);
    return Buffer.from(renderSync({ figure: this.toJSON(), format, ...size }), 'base64');
  }

  /**
   * Writes the figure to `file` (atomically); the format comes from the extension (.svg, .png, .pdf).
   * PDF is vector (Chromium's print path); `scale` multiplies the PNG's pixel size.
   *
   * @example
   * fig.save('loss.pdf', { width: 600, height: 400 });
   */
  save(file: string, o: SaveOptions = {}): void {
    const ext = path.extname(file).slice(1).toLowerCase();
    if (ext !== 'svg' && ext !== 'png' && ext !== 'pdf') {
      throw new RangeError(`Figure.save: '${file}': the extension must be .svg, .png or .pdf`);
    }
    const dir = path.dirname(path.resolve(file));
    if (!fs.existsSync(dir)) throw new RangeError(`Figure.save: '${file}': folder ${dir} does not exist`);
    writeFileAtomic(file, [this.toImage(ext, o)]);
  }

  /** A PNG (base64) for the display bundle, or null without a browser (the figure still displays). */
  private pngForDisplay(): string | null {
    if (!state.png || !browserAvailable()) return null;
    try {
      return this.toImage('png', { scale: state.pngScale }).toString('base64');
    } catch (e) {
      if (e instanceof BrowserUnavailableError) return null;
      throw e;
    }
  }

  /** The MIME bundle for Jupyter (see the file header for what each mode emits). */
  [DISPLAY](): MimeBundle {
    return this.bundle();
  }

  /**
   * The display bundle; `{ png: false }` leaves the PNG out whatever viz.options says (a live figure's
   * first, empty frame: not worth a browser render).
   *
   * @example kernel.display(fig.bundle({ png: false }), { raw: true });
   */
  bundle(o: { png?: boolean } = {}): MimeBundle {
    const fig = this.toJSON();
    const png = o.png === false ? null : this.pngForDisplay();
    const bundle: MimeBundle = { [PLOTLY_MIME]: fig };
    if (state.mode === 'html') {
      bundle['text/html'] = this.toHTML(png, !state.plotlyInlined);
      state.plotlyInlined = true;
    } else if (png) {
      bundle['image/png'] = png;
    }
    bundle['text/plain'] = this.toString();
    return bundle;
  }

  /**
   * A self-contained-or-not HTML fragment: a div holding the PNG fallback, replaced by an interactive plot when
   * window.Plotly exists. `withPlotly` prepends plotly.js itself (≈4.8 MB).
   */
  toHTML(png: string | null = null, withPlotly = false): string {
    const id = 'flashlm-fig-' + crypto.randomUUID();
    const { width, height } = this.size('Figure.toHTML', {});
    const json = JSON.stringify(this.toJSON()).replace(/</g, '\\u003c');
    const img = png ? `<img alt="${escapeHtml(this.toString())}" style="max-width:100%" src="data:image/png;base64,${png}">` : '';
    const lib = withPlotly
      ? `<script>window.PlotlyConfig={MathJaxConfig:'local'};</script><script>${fs.readFileSync(plotlyPath(), 'utf8').replace(/<\/script/gi, '<\\/script')}</script>`
      : '';
    return `${lib}<div id="${id}" class="flashlm-figure" style="width:${width}px;max-width:100%;min-height:${png ? 0 : height}px">${img}</div>` +
      `<script>(function(){var d=document.getElementById(${JSON.stringify(id)});if(!d||!window.Plotly)return;var f=${json};` +
      `d.innerHTML='';Plotly.newPlot(d,f.data,f.layout,f.config);})();</script>`;
  }
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
