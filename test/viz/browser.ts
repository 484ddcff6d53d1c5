// Shared by the viz suites: whether a Chromium-family browser is here. Under CI=true its absence FAILS the
// suites that need it (never a silent skip); elsewhere they are skipped with a notice.
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
