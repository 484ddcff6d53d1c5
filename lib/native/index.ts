// Loads the native addon (native/build/Release/flashlm.node) and gives it a type. The surface is
// declared per kernel family in lib/native/<family>.ts; this file only joins them.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { SystemNative } from './system';
import type { GemmNative } from './gemm';

/** Everything the addon exports. */
export type Native = SystemNative & GemmNative;

function findAddon(): string {
  // Works from lib/ (ts-jest) and from dist/lib/ (compiled): walk up to the package root.
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'native', 'build', 'Release', 'flashlm.node');
    if (fs.existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  throw new Error(
    'flashlm: the native addon is not built (native/build/Release/flashlm.node is missing). ' +
      'HINT: run `npm install` (or `npm run build:native`) in the flashlm package folder; it needs g++ or clang.',
  );
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const native: Native = require(findAddon()) as Native;
