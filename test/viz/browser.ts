// Shared by the viz suites: whether a Chromium-family browser is here. Under CI=true its absence FAILS the
// suites that need it (never a silent skip); elsewhere they are skipped with a notice.
import type { Page } from 'playwright-core';

import { findChromium } from '../../lib/viz';

export const chromium = findChromium();

export const describeBrowser: jest.Describe = chromium || process.env.CI ? describe : (() => {
  console.warn('viz export tests skipped: no Chromium (apt-get install chromium, or set FLASHLM_CHROMIUM)');
  return describe.skip;
})();

/** Fails loudly when the browser is missing (CI). */
export function requireChromium(): string {
  if (!chromium) throw new Error('no Chromium-family browser found: apt-get install chromium, or set FLASHLM_CHROMIUM');
  return chromium;
}

/** Red (trace) and non-white pixels of a PNG, counted in a canvas of the page. */
export async function pixelCounts(page: Page, png: Buffer): Promise<{ red: number; ink: number; total: number }> {
  return page.evaluate(async (b64) => {
    const w = globalThis as any; // DOM types are not in this project's lib
    const im = new w.Image();
    im.src = 'data:image/png;base64,' + b64;
    await im.decode();
    const c = w.document.createElement('canvas');
    c.width = im.width; c.height = im.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(im, 0, 0);
    const d: Uint8ClampedArray = ctx.getImageData(0, 0, c.width, c.height).data;
    let red = 0, ink = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] > 180 && d[i + 1] < 90 && d[i + 2] < 90) red++;
      if (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240) ink++;
    }
    return { red, ink, total: d.length / 4 };
  }, png.toString('base64'));
}
