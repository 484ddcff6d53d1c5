// The addon is context-aware: it loads in worker_threads Workers (the Jupyter kernel runs user code
// in one), several at once, and a Worker may exit and be re-created while the shared thread pool
// lives on (design §11: an unloaded addon under live pool threads would segfault the process).
import { Worker } from 'node:worker_threads';
import { addonPath } from '../../lib/native';

// The worker runs plain JS: it loads the addon by path and runs multi-threaded GEMMs on the pool.
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const n = require(workerData.addon);
n.setThreads(2);
const M = 96, K = 64, N = 80;
const a = new Float32Array(M * K).map((_, i) => (i % 7) - 3);
const b = new Float32Array(K * N).map((_, i) => (i % 5) - 2);
const c = new Float32Array(M * N);
let checksum = 0;
for (let r = 0; r < 20; r++) { n.gemm(false, false, 1, M, N, K, a, 0, b, 0, c, 0); }
for (const v of c) checksum += v;
parentPort.postMessage({ isa: n.info().isa, checksum });
`;

function runWorker(): Promise<{ isa: string; checksum: number }> {
  return new Promise((resolve, reject) => {
    const w = new Worker(workerSource, { eval: true, workerData: { addon: addonPath() } });
    let result: { isa: string; checksum: number } | undefined;
    w.on('message', (m) => (result = m));
    w.on('error', reject);
    w.on('exit', (code) => (code === 0 && result ? resolve(result) : reject(new Error(`worker exited with ${code}`))));
  });
}

describe('addon in worker threads', () => {
  test('loads in a worker, and workers can exit and be re-created repeatedly', async () => {
    const first = await runWorker();
    for (let i = 0; i < 5; i++) {
      const again = await runWorker();
      expect(again).toEqual(first);
    }
    // Give pool threads time to run after the last worker is gone: a crash would kill jest here.
    await new Promise((r) => setTimeout(r, 200));
  });

  test('several workers use the addon at the same time', async () => {
    const results = await Promise.all([runWorker(), runWorker(), runWorker()]);
    expect(new Set(results.map((r) => r.checksum)).size).toBe(1);
  });
});
