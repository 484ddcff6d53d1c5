// `flashlm bench NAME [options]`: the same as `npm run bench -- NAME`, via bench/run.js.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export function bench(args: string[]): number {
  const runner = path.join(__dirname, '..', '..', '..', 'bench', 'run.js');
  const r = spawnSync(process.execPath, [runner, ...args], { stdio: 'inherit' });
  return r.status ?? 1;
}
