// Native surface: the rng kernel family (native/src/bind/rng.cc): Philox4x32-10 counter-based
// streams. Element i of a fill is a function of (seed, offset + i) only, so results are the same for
// any thread count and for any split of a fill into several calls with consecutive offsets.
// seedLo/seedHi are the seed's two 32-bit words; offset + out.length must be <= 2^53.

export interface RngNative {
  /** Raw 32-bit words: element e is lane e % 4 of philox(counter = e / 4, key = seed). */
  rngRaw(out: Uint32Array, seedLo: number, seedHi: number, offset: number): void;
  /**
   * Uniform in [0, 1) with 24-bit resolution (never exactly 1).
   * @example native.rngUniform(new Float32Array(10), 42, 0, 0)
   */
  rngUniform(out: Float32Array, seedLo: number, seedHi: number, offset: number): void;
  /** mean + std·N(0,1) by Box–Muller in float64 (never Inf/NaN; |N| <= 6.66). */
  rngNormal(out: Float32Array, seedLo: number, seedHi: number, offset: number, mean?: number, std?: number): void;
  /** 1 with probability p, else 0 (dropout masks). */
  rngBernoulli(out: Uint8Array, seedLo: number, seedHi: number, offset: number, p: number): void;
  /** Integers in [low, high), high − low <= 2^32 (multiply-shift; bias <= (high−low)/2^32). */
  rngRandint(out: Int32Array, seedLo: number, seedHi: number, offset: number, low: number, high: number): void;
  /** One Philox4x32-10 block: out[0..4) = philox(counter[0..4), key[0..2)); for known-answer tests. */
  philox4x32(out: Uint32Array, counter: Uint32Array, key: Uint32Array): void;
}
