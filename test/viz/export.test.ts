// Static export through the system Chromium: SVG/PNG/PDF files valid and of the requested size; the display
// bundle's PNG; the error without a browser. Under CI=true a missing Chromium fails (test/viz/browser.ts).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { setInterruptFlag } from '../../lib/interrupt';
import { Figure, PLOTLY_MIME, browserReady, closeBrowser, exportStats, options, warmBrowser } from '../../lib/viz';
import { describeBrowser, requireChromium } from './browser';

const D = Symbol.for('Jupyter.display');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vizexport-'));
afterAll(() => { closeBrowser(); fs.rmSync(dir, { recursive: true, force: true }); });

const fig = () => new Figure(
  [{ type: 'scatter', mode: 'lines', name: 'train', x: [1, 2, 3, 4], y: [4, 3, 2.5, 2.2] }, { type: 'bar', name: 'n', x: [1, 2], y: [1, 2] }],
  { title: { text: 'Export' } },
);

/** PNG: signature, then the IHDR chunk's width and height. */
function pngSize(b: Buffer): { width: number; height: number } {
  expect(b.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(b.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

describeBrowser('static export (Chromium)', () => {
  beforeAll(() => { requireChromium(); });

  test('PNG: valid, IHDR size = size × scale', () => {
    const f = path.join(dir, 'a.png');
    fig().save(f, { width: 640, height: 400, scale: 2 });
    expect(pngSize(fs.readFileSync(f))).toEqual({ width: 1280, height: 800 });
    expect(fs.readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]); // atomic: no temp left
  });

  test('SVG: parses as one <svg> of the requested size with the title text', () => {
    const f = path.join(dir, 'a.svg');
    fig().save(f, { width: 500, height: 300 });
    const s = fs.readFileSync(f, 'utf8');
    const root = s.match(/^<svg [^>]*>/)![0];
    expect(root).toMatch(/ width="500"/);
    expect(root).toMatch(/ height="300"/);
    expect(s.trim().endsWith('</svg>')).toBe(true);
    expect(s).toContain('>Export<');
  });

  test('PDF: one vector page of the requested size (px → pt)', () => {
    const f = path.join(dir, 'a.pdf');
    fig().save(f, { width: 600, height: 400 });
    const b = fs.readFileSync(f);
    expect(b.toString('latin1', 0, 5)).toBe('%PDF-');
    expect(b.toString('latin1').trimEnd().endsWith('%%EOF')).toBe(true);
    const boxes = [...b.toString('latin1').matchAll(/\/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)];
    expect(boxes.length).toBe(1);
    expect(Number(boxes[0][1])).toBeCloseTo(450, 0);
    expect(Number(boxes[0][2])).toBeCloseTo(300, 0);
  });

  test('default display bundle carries a PNG (scale 2 of the 700×450 default)', () => {
    options({ png: true });
    const b = (fig() as unknown as Record<symbol, () => Record<string, unknown>>)[D]();
    expect(Object.keys(b).sort()).toEqual(['image/png', PLOTLY_MIME, 'text/plain'].sort());
    expect(pngSize(Buffer.from(b['image/png'] as string, 'base64'))).toEqual({ width: 1400, height: 900 });
  });

  test('one browser launch and one warm page served every figure above; closeBrowser() starts afresh', () => {
    expect(exportStats()).toEqual({ launches: 1, pages: 1, renders: 4 });
    closeBrowser();
    fig().toImage('svg');
    expect(exportStats()).toEqual({ launches: 1, pages: 1, renders: 1 });
  });

  test('warmBrowser() starts Chromium in the background; a render meanwhile shares the one launch', async () => {
    closeBrowser();
    expect(browserReady()).toBe(false);
    warmBrowser();
    fig().toImage('svg'); // arrives while the warm-up is opening the browser: waits for the same page
    expect(exportStats()).toEqual({ launches: 1, pages: 1, renders: 1 });
    const t0 = Date.now();
    while (!browserReady() && Date.now() - t0 < 30000) await new Promise((r) => setTimeout(r, 20));
    expect(browserReady()).toBe(true);
    warmBrowser(); // already warm: nothing to do
    fig().toImage('svg');
    expect(exportStats()).toEqual({ launches: 1, pages: 1, renders: 2 });
  });

  test('a kernel interrupt stops a waiting render (KeyboardInterrupt); its late reply is dropped', () => {
    closeBrowser(); // a cold start: seconds to wait, so the interrupt lands while waiting
    const word = new Int32Array(new SharedArrayBuffer(4));
    setInterruptFlag(word);
    try {
      Atomics.store(word, 0, 1);
      let err: unknown;
      try { fig().toImage('svg', { width: 700 }); } catch (e) { err = e; }
      expect((err as Error).name).toBe('KeyboardInterrupt');
      Atomics.store(word, 0, 0);
      const svg = fig().toImage('svg', { width: 321, height: 123 }).toString('utf8');
      expect(svg.match(/^<svg [^>]*>/)![0]).toMatch(/ width="321"/);
    } finally {
      setInterruptFlag(null);
    }
  });
});

describe('without a browser', () => {
  const saved = process.env.FLASHLM_CHROMIUM;
  afterEach(() => { if (saved === undefined) delete process.env.FLASHLM_CHROMIUM; else process.env.FLASHLM_CHROMIUM = saved; });

  test('figures still display (no PNG); save() says how to install one', () => {
    process.env.FLASHLM_CHROMIUM = path.join(dir, 'no-such-chromium');
    options({ png: true });
    const b = (fig() as unknown as Record<symbol, () => Record<string, unknown>>)[D]();
    expect(Object.keys(b).sort()).toEqual([PLOTLY_MIME, 'text/plain'].sort());
    expect(() => fig().save(path.join(dir, 'x.png'))).toThrow(/FLASHLM_CHROMIUM=.*does not exist; install a Chromium-family browser \(Debian\/Ubuntu: `apt-get install chromium`\)/);
    expect(fs.existsSync(path.join(dir, 'x.png'))).toBe(false);
  });
});
