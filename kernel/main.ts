// Kernel process entry: `node dist/kernel/main.js CONNECTION_FILE` (what the kernelspec runs). The working
// folder is the notebook's (Jupyter starts kernels there); imports in cells resolve from it.
import * as fs from 'node:fs';
import { Kernel } from './kernel';
import type { ConnectionInfo } from './protocol/sockets';

export async function runKernel(connectionFile: string): Promise<Kernel> {
  const conn = JSON.parse(fs.readFileSync(connectionFile, 'utf8')) as ConnectionInfo;
  const kernel = new Kernel(conn, process.cwd());
  await kernel.start();
  return kernel;
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node kernel/main.js CONNECTION_FILE');
    process.exit(2);
  }
  runKernel(file).catch((e) => {
    console.error(`[flashlm kernel] failed to start: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
}
