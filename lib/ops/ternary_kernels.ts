// Which ternary kernels ternaryLinear runs on: the native packed-ternary family (lib/native/ternary.ts:
// int8 × 2-bit and f32 × 2-bit products, input gradient) by default, or f32 GEMM on the dequantized
// weights — the same math, which tests switch to in order to compare the two paths.
import { native } from '../native';
import type { TernaryNative } from '../native/ternary';

/** The packed-ternary kernel surface ternaryLinear uses (weights (n = out, k = in), x (m, k)). */
export type TernaryKernelApi = Pick<
  TernaryNative,
  'ternaryPackedBytes' | 'ternaryPack' | 'i8TernaryLinear' | 'f32TernaryLinear' | 'ternaryLinearBackwardInput'
>;

let enabled = true;

/** The native ternary kernels, or null while they are switched off (setTernaryKernelsEnabled). */
export function ternaryKernels(): TernaryKernelApi | null {
  return enabled ? native : null;
}

/** Switches the native ternary kernels off (GEMM on dequantized weights) or back on; returns the old setting. */
export function setTernaryKernelsEnabled(on: boolean): boolean {
  const before = enabled;
  enabled = on;
  return before;
}
