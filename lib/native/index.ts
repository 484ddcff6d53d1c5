// Loads the native addon (native/build/Release/flashlm.node) and gives it a type. The surface is
// declared per kernel family in lib/native/<family>.ts; this file only joins them.
import * as fs from 'node:fs';
import * as path from 'node:path';

import type { SystemNative } from './system';
import type { GemmNative } from './gemm';
import type { ElementwiseNative } from './elementwise';
import type { ReduceNative } from './reduce';
import type { SoftmaxNative } from './softmax';
import type { NormNative } from './norm';
import type { EmbeddingNative } from './embedding';
import type { AttentionNative } from './attention';
import type { ScanNative } from './scan';
import type { OptimNative } from './optim';
import type { RngNative } from './rng';
import type { TernaryNative } from './ternary';
import type { QuantNative } from './quant';
import type { DecodeNative } from './decode';
import type { SamplingNative } from './sampling';

/** Everything the addon exports. */
export type Native = SystemNative &
  GemmNative &
  ElementwiseNative &
  ReduceNative &
  SoftmaxNative &
  NormNative &
  EmbeddingNative &
  AttentionNative &
  ScanNative &
  OptimNative &
  RngNative &
  TernaryNative &
  QuantNative &
  DecodeNative &
  SamplingNative;

/** Absolute path of the built addon (workers load it by this path). */
export function addonPath(): string {
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
export const native: Native = require(addonPath()) as Native;
