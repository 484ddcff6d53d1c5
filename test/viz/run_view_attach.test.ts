// run.display() called right after train() (before the run is prepared) attaches the live view before the
// loop's onStart, so the progress display exists and reaches the final step; the view's cost is recorded.
// A stand-in kernel runtime records the displays (the real kernel path is test/viz/run_view.test.ts).
import * as flashlm from '../../lib';
import { options, runViewStats } from '../../lib/viz';

const KEY = Symbol.for('flashlm.kernel');
afterEach(() => { delete (globalThis as Record<symbol, unknown>)[KEY]; });

test('display() before the run starts: one progress display updated to the end, one figure', async () => {
  options({ png: false });
  const shown: { id: string; text: string; update: boolean }[] = [];
  let n = 0;
  (globalThis as Record<symbol, unknown>)[KEY] = {
    inKernel: true,
    display(v: unknown, o: { raw?: boolean } = {}) {
      const id = `d${n++}`;
      const text = (b: unknown, raw?: boolean) => String(raw ? (b as Record<string, string>)['text/plain'] : String(b));
      shown.push({ id, text: text(v, o.raw), update: false });
      return { id, update: (u: unknown, uo: { raw?: boolean } = {}) => void shown.push({ id, text: text(u, uo.raw ?? o.raw), update: true }) };
    },
  };
  const model = flashlm.models.create('bigram', flashlm.models.entry('bigram').testOverrides);
  const tokens = Int32Array.from({ length: 4000 }, (_, i) => (i * 7) % 64);
  const run = flashlm.train(model, { train: tokens }, { steps: 5, batchSize: 2, progress: 'none', evalEvery: 0 });
  run.display();
  await run;
  const ids = [...new Set(shown.map((s) => s.id))];
  expect(ids).toHaveLength(2); // progress and figure, each displayed once and then updated
  const progress = shown.filter((s) => s.text.includes('|'));
  expect(progress.at(-1)!.text).toMatch(/^bigram 100%\|█{20}\| 5\/5 /);
  const st = runViewStats()!;
  expect(st.progressRenders).toBeGreaterThan(0);
  expect(st.figureRedraws).toBe(2); // the first frame and the final one (no browser: no PNG)
  expect(st.spentMs).toBeGreaterThan(0);
});
