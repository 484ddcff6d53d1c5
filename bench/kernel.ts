// Question: how fast does the Jupyter kernel answer? p50/p95 round trip (ms) of executing `1+1` (200 times,
// request sent -> execute_reply received) and of a completion request (`flashlm.ops.ma|`), both measured from
// Python with Debian's jupyter_client (test/kernel/py/driver.py), the client the numbers used
// (Deno 3.5 ms, tslab 6.9 ms, ipykernel 7.4 ms p50 execute). Targets: <= 5 ms execute, <= 50 ms completion.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installKernel } from '../kernel/install';
import { packageRoot } from '../kernel/package';

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] * 100) / 100;
}

const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'flashlm-bench-jp-'));
try {
  installKernel(['--prefix', prefix, '--name', 'flashlm-bench']);
  const driver = path.join(packageRoot(), 'test', 'kernel', 'py', 'driver.py');
  const r = spawnSync('/usr/bin/python3', [driver], {
    input: JSON.stringify({ id: 1, scenario: 'bench', args: { n: 200 } }) + '\n',
    encoding: 'utf8', cwd: prefix,
    env: { ...process.env, JUPYTER_PATH: path.join(prefix, 'share', 'jupyter'), KERNEL_NAME: 'flashlm-bench', NOTEBOOK_DIR: prefix },
  });
  if (r.status !== 0) throw new Error(`bench kernel: the jupyter_client driver failed (is jupyter-client installed?)\n${r.stderr}`);
  const resp = JSON.parse(r.stdout.trim().split('\n')[0]) as { ok: boolean; result: { execute_ms: number[]; complete_ms: number[] }; error?: string };
  if (!resp.ok) throw new Error(`bench kernel: ${resp.error}`);
  const { execute_ms: ex, complete_ms: co } = resp.result;
  console.log(JSON.stringify({
    bench: 'kernel', client: 'jupyter_client (python3)', node: process.version,
    execute_1plus1: { n: ex.length, p50_ms: pct(ex, 50), p95_ms: pct(ex, 95), target_p50_ms: 5 },
    complete: { n: co.length, request: 'flashlm.ops.ma|', p50_ms: pct(co, 50), p95_ms: pct(co, 95), target_p50_ms: 50 },
  }));
} finally {
  fs.rmSync(prefix, { recursive: true, force: true });
}
