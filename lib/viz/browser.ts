// Static rendering of plotly.js figures (SVG, PNG, PDF) through a system Chromium driven by playwright-core.
// The hard part: a MIME bundle is built synchronously ([Symbol.for("Jupyter.display")]() returns a value, not
// a promise), yet Playwright is async. So one worker thread owns the browser and ONE warm page (plotly.js
// injected once), and callers block on it with Atomics.wait + receiveMessageOnPort: a synchronous call into a
// live async world. The worker is unref'd; the browser is closed on process exit (or closeBrowser()).
import * as fs from 'node:fs';
import { MessageChannel, MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';

import { checkInterrupt } from '../interrupt';

/** Where Chromium-family browsers usually live (Debian, Ubuntu snaps, Google Chrome, Fedora). */
export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium', '/usr/bin/chromium-browser', '/snap/bin/chromium', '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable', '/opt/google/chrome/chrome', '/usr/lib/chromium/chromium', '/usr/bin/microsoft-edge',
];

export const INSTALL_HINT =
  'install a Chromium-family browser (Debian/Ubuntu: `apt-get install chromium`) or set FLASHLM_CHROMIUM to its executable';

/**
 * The browser executable to use: $FLASHLM_CHROMIUM if set (it must exist), else the first usual location found.
 *
 * @example
 * const exe = findChromium(); // '/usr/bin/chromium' or null
 */
export function findChromium(): string | null {
  const env = process.env.FLASHLM_CHROMIUM;
  if (env) return fs.existsSync(env) ? env : null;
  return CHROMIUM_CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

/** Raised when a static export is asked for and no browser can be found or started. */
export class BrowserUnavailableError extends Error {
  override name = 'BrowserUnavailableError';
}

export type ImageFormat = 'svg' | 'png' | 'pdf';
export interface RenderRequest { figure: unknown; format: ImageFormat; width: number; height: number; scale: number }

// The worker: plain JS (an eval worker needs no TS loader, under jest or from dist/). One page, reused.
const WORKER_SOURCE = `
const { workerData } = require('worker_threads');
const { chromium } = require(workerData.playwright);
const fs = require('fs');
let browser = null, page = null, launches = 0, pages = 0;
// One opening at a time: a warm-up and a render may arrive together (the handler is async).
let opening = null;
function ready() {
  if (page) return Promise.resolve(page);
  if (!opening) opening = open().finally(() => { opening = null; });
  return opening;
}
async function open() {
  if (!browser) {
    const b = await chromium.launch({ executablePath: workerData.executable, args: ['--headless', '--no-sandbox',
      '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'] });
    b.on('disconnected', () => { browser = null; page = null; }); // a crashed browser restarts on the next call
    browser = b;
    launches++;
  }
  const p = await browser.newPage();
  pages++;
  await p.setContent('<!doctype html><html><head><style>@page{margin:0}html,body{margin:0;padding:0}</style></head><body><div id="g"></div></body></html>');
  await p.addScriptTag({ content: fs.readFileSync(workerData.plotly, 'utf8') });
  page = p; // only a page with plotly.js loaded is reused
  return p;
}
async function render(r) {
  const p = await ready();
  const fig = r.figure;
  if (r.format !== 'pdf') {
    const url = await p.evaluate(([f, o]) => Plotly.toImage(f, o), [fig, { format: r.format, width: r.width, height: r.height, scale: r.scale }]);
    const comma = url.indexOf(',');
    const body = url.slice(comma + 1);
    return url.slice(0, comma).endsWith(';base64') ? body : Buffer.from(decodeURIComponent(body), 'utf8').toString('base64');
  }
  await p.evaluate(async ([f, w, h]) => {
    const g = document.getElementById('g');
    Plotly.purge(g);
    g.style.width = w + 'px'; g.style.height = h + 'px';
    await Plotly.newPlot(g, f.data, Object.assign({}, f.layout, { width: w, height: h }), Object.assign({}, f.config, { staticPlot: true }));
  }, [fig, r.width, r.height]);
  const pdf = await p.pdf({ width: r.width + 'px', height: r.height + 'px', printBackground: true, pageRanges: '1' });
  return Buffer.from(pdf).toString('base64');
}
workerData.port.on('message', async (m) => {
  let reply;
  try {
    if (m.op === 'close') { if (browser) await browser.close(); browser = null; page = null; reply = { ok: true, value: '' }; }
    else if (m.op === 'warm') { await ready(); reply = { ok: true, value: '' }; }
    else reply = { ok: true, value: await render(m.request) };
  } catch (e) {
    reply = { ok: false, error: String(e && e.message || e) };
  }
  reply.id = m.id; reply.launches = launches; reply.pages = pages;
  workerData.port.postMessage(reply);
  Atomics.store(workerData.flag, 0, 1);
  Atomics.notify(workerData.flag, 0);
});
`;

interface Reply { id: number; ok: boolean; value?: string; error?: string; launches: number; pages: number }

class SyncRenderer {
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private nextId = 0;
  constructor(readonly executable: string) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { executable, playwright: require.resolve('playwright-core'), plotly: plotlyPath(), port: port2, flag: this.flag },
      transferList: [port2],
      stdout: true, // keep Chromium/Playwright chatter out of the user's output
      stderr: true,
    });
    this.worker.unref();
    this.port.unref();
  }

  /**
   * Sends one request and blocks until its reply, waking every 50 ms to honour a kernel interrupt (the
   * render then finishes in the background and its late reply is recognised by id and dropped).
   */
  call(msg: Record<string, unknown>, timeoutMs: number): string {
    const id = ++this.nextId;
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage({ ...msg, id });
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      Atomics.wait(this.flag, 0, 0, 50);
      Atomics.store(this.flag, 0, 0);
      for (let got = receiveMessageOnPort(this.port); got; got = receiveMessageOnPort(this.port)) {
        const reply = got.message as Reply;
        this.note(reply);
        if (reply.id !== id) continue; // a warm-up's reply, or an interrupted earlier call's
        if (!reply.ok) throw new BrowserUnavailableError(`static export through ${this.executable} failed: ${reply.error}`);
        return reply.value ?? '';
      }
      checkInterrupt();
      if (performance.now() > deadline) {
        throw new BrowserUnavailableError(`static export: no answer from the browser (${this.executable}) within ${timeoutMs} ms`);
      }
    }
  }

  /** Whether a page with plotly.js is known to be up (a render or warm-up has answered). */
  warm = false;
  private warmId = -1;

  /** Starts the browser in the worker without waiting; the reply is read by settled() or skipped by call(). */
  warmUp(): void {
    if (this.warm || this.warmId > 0) return;
    this.warmId = ++this.nextId;
    this.port.postMessage({ op: 'warm', id: this.warmId });
  }

  /** Whether the warm-up has answered (ok or not); reads pending replies without blocking. */
  settled(): boolean {
    for (let got = receiveMessageOnPort(this.port); got; got = receiveMessageOnPort(this.port)) this.note(got.message as Reply);
    return this.warm || this.warmId < 0;
  }

  private note(reply: Reply): void {
    if (reply.id === this.warmId) this.warmId = -1;
    if (reply.ok) this.warm = true;
    stats.launches = reply.launches;
    stats.pages = reply.pages;
  }

  close(): void {
    try {
      this.call({ op: 'close' }, 5000);
    } catch {
      // closing is best effort: the worker dies with the process and Chromium with its pipe
    }
    void this.worker.terminate();
  }
}

let renderer: SyncRenderer | null = null;
/** Browser launches and pages (with plotly.js loaded) of the current renderer, and renders asked of it. */
const stats = { launches: 0, pages: 0, renders: 0 };

/** How the warm browser has been used: one launch and one page serve every figure until it is closed. */
export function exportStats(): { launches: number; pages: number; renders: number } {
  return { ...stats };
}
let exitHooked = false;

/** The path of the pinned plotly.js bundle (it cannot be require()d in Node: it expects a browser's `self`). */
export function plotlyPath(): string {
  return require.resolve('plotly.js-dist-min/plotly.min.js');
}

/** Whether a static render can be attempted (a browser executable was found). */
export function browserAvailable(): boolean {
  return findChromium() !== null;
}

/**
 * Renders a figure JSON to base64 bytes (svg: the SVG text's UTF-8 bytes), blocking until done. The first call
 * starts Chromium and loads plotly.js (~3–4 s); later calls reuse the warm page.
 *
 * @example
 * const b64 = renderSync({ figure: fig.toJSON(), format: 'png', width: 700, height: 450, scale: 2 });
 */
export function renderSync(request: RenderRequest, timeoutMs = 120_000): string {
  const r = getRenderer(); // a new renderer resets the stats
  stats.renders++;
  return r.call({ op: 'render', request }, timeoutMs);
}

/**
 * Starts Chromium and loads plotly.js in the background and returns at once, so that a later render (a live
 * figure's first PNG) does not block for the ~3 s cold start. Does nothing without a browser.
 *
 * @example warmBrowser(); // before a long loop that will display figures
 */
export function warmBrowser(): void {
  if (!browserAvailable()) return;
  getRenderer().warmUp();
}

/** Whether a render now would find the browser started (true after warmBrowser() has finished, or failed). */
export function browserReady(): boolean {
  return renderer === null ? false : renderer.settled();
}

function getRenderer(): SyncRenderer {
  const exe = findChromium();
  if (!exe) {
    const env = process.env.FLASHLM_CHROMIUM;
    throw new BrowserUnavailableError(
      env ? `static export: FLASHLM_CHROMIUM=${env} does not exist; ${INSTALL_HINT}` : `static export needs a browser and none was found (looked in ${CHROMIUM_CANDIDATES.join(', ')}); ${INSTALL_HINT}`,
    );
  }
  if (renderer && renderer.executable !== exe) closeBrowser();
  if (!renderer) {
    renderer = new SyncRenderer(exe);
    Object.assign(stats, { launches: 0, pages: 0, renders: 0 });
    if (!exitHooked) {
      exitHooked = true;
      process.on('exit', closeBrowser);
    }
  }
  return renderer;
}

/** Closes the warm browser (it restarts on the next render). Called on process exit. */
export function closeBrowser(): void {
  const r = renderer;
  renderer = null;
  r?.close();
}
