// `flashlm bench NAME`: runs dist/bench/NAME.js in a child process (benchmarks print JSON lines).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export function benchDir(): string {
  return path.join(__dirname, '..', '..', 'bench');
}

export function listBenches(): string[] {
  if (!fs.existsSync(benchDir())) return [];
  return fs.readdirSync(benchDir()).filter((f) => f.endsWith('.js') && f !== 'common.js').map((f) => f.slice(0, -3)).sort();
}

export function bench(args: string[]): number {
  const [name, ...rest] = args;
  const available = listBenches();
  if (!name || !available.includes(name)) {
    console.error(`flashlm bench: ${name ? `unknown benchmark '${name}'` : 'name a benchmark'}; available: ${available.join(', ') || 'none (run npm run build)'}`);
    return 2;
  }
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(benchDir(), `${name}.js`), ...rest], { stdio: 'inherit' });
  return r.status ?? 1;
}
