// Native surface: the sampler's scans over a row of logits (native/src/bind/sampling.cc), so a 32K
// vocabulary costs the generate loop microseconds per token instead of a JS pass of ~100 µs.

export interface SamplingNative {
  /**
   * One pass over logits: out[0] = the index of the first NaN or +inf (−1 if none; the rest is then
   * meaningless), out[1] = how many are not −inf, out[2] = the argmax (lowest index on ties; −1 if none),
   * out[3] = the k-th largest finite logit counting ties (−inf when k is 0 or exceeds out[1]).
   * @example const out = new Float64Array(4); native.logitsScan(logits, 40, out);
   */
  logitsScan(logits: Float32Array, k: number, out: Float64Array): void;
  /**
   * idx[0 .. count) = the indices, ascending, of the finite logits ≥ low (compared in float64); returns count.
   * @example const n = native.logitsAtLeast(logits, threshold, idx);
   */
  logitsAtLeast(logits: Float32Array, low: number, idx: Int32Array): number;
}
