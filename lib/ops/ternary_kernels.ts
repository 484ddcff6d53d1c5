// Which ternary kernels ternaryLinear runs on: the native packed-ternary kernels (lib/native/ternary.ts,
// the int8 × 2-bit and f32 × 2-bit products) when the addon has them, else f32 GEMM on the dequantized
// weights — the same math, used until those kernels are built in and by tests that compare the two.
import { native } from '../native';

/** The packed-ternary kernel surface ternaryLinear uses (weights (n = out, k = in), x (m, k)). */
export interface TernaryKernelApi {
  ternaryPackedBytes(n: number, k: number): number;
  ternaryPack(codes: Int8Array, n: number, k: number, out: Uint8Array): void;
  /** out (m, n) = (x·codesᵀ)_int32 · xScale_i · wScale · alpha. */
  i8TernaryLinear(
    x: Int8Array, xScale: Float32Array, m: number, packed: Uint8Array, n: number, k: number,
    wScale: Float32Array, alpha: number, out: Float32Array,
  ): void;
  /** out (m, n) = x·(codes·wScale)ᵀ. */
  f32TernaryLinear(x: Float32Array, m: number, packed: Uint8Array, n: number, k: number, wScale: Float32Array, out: Float32Array): void;
  /** out (m, k) = gradOut·(codes·wScale)·alpha. */
  ternaryLinearBackwardInput(
    gradOut: Float32Array, m: number, packed: Uint8Array, n: number, k: number, wScale: Float32Array, alpha: number,
    out: Float32Array,
  ): void;
}

let enabled = true;

/** The native ternary kernels, or null when the addon lacks them (or they are switched off). */
export function ternaryKernels(): TernaryKernelApi | null {
  if (!enabled) return null;
  const n = native as unknown as Partial<TernaryKernelApi>;
  return typeof n.i8TernaryLinear === 'function' && typeof n.ternaryPack === 'function' ? (n as TernaryKernelApi) : null;
}

/** Switches the native ternary kernels off (GEMM on dequantized weights) or back on; returns the old setting. */
export function setTernaryKernelsEnabled(on: boolean): boolean {
  const before = enabled;
  enabled = on;
  return before;
}
