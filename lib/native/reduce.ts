// Native surface: the reduce kernel family (native/src/bind/reduce.cc). Axis reductions view the
// input as (outer, n, inner) and reduce the middle; sums accumulate in float64 and no result depends
// on the thread count.

export interface ReduceNative {
  /** Σ x in float64 (returned as a JS number). */
  sumAll(x: Float32Array): number;
  /**
   * out (outer, inner) = sum | mean | max of x (outer, n, inner) over n. For 'max', `indices`
   * (outer·inner) receives the argmax (first on ties; a NaN wins) and n must be >= 1.
   * @example native.reduceAxis('sum', x, B*T, C, 1, out); // sum of each row
   */
  reduceAxis(op: 'sum' | 'mean' | 'max', x: Float32Array, outer: number, n: number, inner: number, out: Float32Array, indices?: Int32Array): void;
  /** gradIn (outer, n, inner) = scale·gradOut (outer, inner) along n: the backward of sum (1) and mean (1/n). */
  expandAxis(gradOut: Float32Array, outer: number, n: number, inner: number, scale: number, gradIn: Float32Array): void;
  /** gradIn (outer, n, inner) = 0 except gradOut at each argmax from reduceAxis('max'). */
  maxBackward(gradOut: Float32Array, indices: Int32Array, outer: number, n: number, inner: number, gradIn: Float32Array): void;
  /**
   * out (outShape) = x (xShape) summed over the dimensions where broadcasting expanded outShape to
   * xShape (right-aligned; each out dim 1 or equal): the backward of a broadcast binary op.
   */
  sumToShape(x: Float32Array, xShape: number[], out: Float32Array, outShape: number[]): void;
}
