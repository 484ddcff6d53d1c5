// Native surface: the embedding kernel family (native/src/bind/embedding.cc): gather rows of a (V, C)
// table by int32 ids and scatter-add the gradient back. Any V (no hard-coded vocabulary size).

export interface EmbeddingNative {
  /** out (N, C) = table (V, C)[ids (N)]. An id outside [0, V) throws a RangeError naming its position. */
  embeddingForward(table: Float32Array, ids: Int32Array, out: Float32Array, N: number, V: number, C: number): void;
  /**
   * dtable (V, C) += dout (N, C) rows at ids; repeated ids add up (in id order, for any thread count).
   * dtable is ACCUMULATED into, not overwritten.
   */
  embeddingBackward(dout: Float32Array, ids: Int32Array, dtable: Float32Array, N: number, V: number, C: number): void;
}
