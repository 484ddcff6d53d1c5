// Seeded random tensors from the native Philox4x32-10 counter stream (native/src/kernels/rng). A
// Generator is (seed, offset): each draw of n elements reads stream elements [offset, offset + n) and
// advances offset, so a run is reproducible for any thread count, and a checkpointed state resumes it.

import { native } from './native';
import type { Shape } from './tensor/shape';
import { Tensor } from './tensor/tensor';

/** What a checkpoint stores to resume a Generator exactly. */
export interface GeneratorState {
  seedLo: number;
  seedHi: number;
  offset: number;
}

const TWO32 = 2 ** 32;

/**
 * A reproducible source of random tensors. Values depend only on the seed and how many elements
 * were drawn before, never on the thread count or on how draws are chunked natively. After every draw
 * the offset is rounded up to a multiple of 4 (one Philox block), so two draws never share a block
 * (normal() pairs words inside a block).
 *
 * @example
 * const gen = new Generator(42);
 * const w = gen.normal([192, 8], 0, 0.02); // (C, K)
 * const u = gen.uniform([4]);              // values in [0, 1)
 */
export class Generator {
  private seedLo = 0;
  private seedHi = 0;
  /** Stream index of the next element drawn. */
  offset = 0;

  /** seed: an integer in [0, 2^53) or a bigint in [0, 2^64). */
  constructor(seed: number | bigint = 0) {
    this.manualSeed(seed);
  }

  /** Restarts the stream from `seed` (offset 0), as torch.manual_seed does. */
  manualSeed(seed: number | bigint): this {
    if (typeof seed === 'bigint') {
      if (seed < 0n || seed >= 1n << 64n) throw new RangeError(`Generator: seed must be in [0, 2^64), got ${seed}`);
      this.seedLo = Number(seed & 0xffffffffn);
      this.seedHi = Number(seed >> 32n);
    } else {
      if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`Generator: seed must be an integer in [0, 2^53), got ${seed}`);
      this.seedLo = seed % TWO32;
      this.seedHi = Math.floor(seed / TWO32);
    }
    this.offset = 0;
    return this;
  }

  get state(): GeneratorState {
    return { seedLo: this.seedLo, seedHi: this.seedHi, offset: this.offset };
  }

  set state(s: GeneratorState) {
    for (const k of ['seedLo', 'seedHi'] as const)
      if (!Number.isInteger(s[k]) || s[k] < 0 || s[k] >= TWO32) throw new RangeError(`Generator: state.${k} must be a 32-bit unsigned integer, got ${s[k]}`);
    if (!Number.isSafeInteger(s.offset) || s.offset < 0) throw new RangeError(`Generator: state.offset must be a non-negative integer, got ${s.offset}`);
    this.seedLo = s.seedLo;
    this.seedHi = s.seedHi;
    this.offset = s.offset;
  }

  /** Runs a native fill of n elements at the current offset, then advances past them (not on error). */
  private draw(n: number, fill: (offset: number) => void): void {
    fill(this.offset);
    this.offset = Math.ceil((this.offset + n) / 4) * 4;
  }

  /**
   * Uniform f32 tensor in [low, high) (24-bit resolution; with low/high other than 0/1, float
   * rounding of low + (high − low)·u can reach high).
   */
  uniform(shape: Shape, low = 0, high = 1): Tensor {
    if (!Number.isFinite(low) || !Number.isFinite(high) || !(low < high))
      throw new RangeError(`Generator.uniform: need finite low < high, got low ${low}, high ${high}`);
    const t = Tensor.empty(shape);
    const d = t.f32();
    this.draw(d.length, (o) => native.rngUniform(d, this.seedLo, this.seedHi, o));
    if (low !== 0 || high !== 1) {
      const span = high - low;
      for (let i = 0; i < d.length; i++) d[i] = low + span * d[i];
    }
    return t;
  }

  /** Normal f32 tensor, mean + std·N(0, 1) (Box–Muller; never Inf or NaN). */
  normal(shape: Shape, mean = 0, std = 1): Tensor {
    const t = Tensor.empty(shape);
    try {
      this.draw(t.size, (o) => native.rngNormal(t.f32(), this.seedLo, this.seedHi, o, mean, std));
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  /** u8 tensor of 1 with probability p, else 0 (dropout keep-masks). */
  bernoulli(shape: Shape, p: number): Tensor {
    const t = Tensor.empty(shape, 'u8');
    try {
      this.draw(t.size, (o) => native.rngBernoulli(t.data as Uint8Array, this.seedLo, this.seedHi, o, p));
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }

  /** i32 tensor of integers in [low, high) (sampling, shuffles). */
  randint(shape: Shape, low: number, high: number): Tensor {
    const t = Tensor.empty(shape, 'i32');
    try {
      this.draw(t.size, (o) => native.rngRandint(t.i32(), this.seedLo, this.seedHi, o, low, high));
    } catch (e) {
      t.dispose();
      throw e;
    }
    return t;
  }
}
