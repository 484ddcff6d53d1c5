// Where this flashlm package is installed and its version (the kernelspec and kernel_info need both).
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The package root (the folder of flashlm's package.json). */
export function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (fs.existsSync(pj) && (JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === 'flashlm') return dir;
  }
  throw new Error(`flashlm kernel: cannot find flashlm's package.json above ${__dirname}`);
}

export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

