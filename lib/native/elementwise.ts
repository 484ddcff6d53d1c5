// Native surface: the elementwise kernel family (native/src/bind/elementwise.cc): broadcast binary
// arithmetic over strided operands, unary activations forward/backward, fused SwiGLU.

export type BinaryOpName = 'add' | 'sub' | 'mul' | 'div' | 'maximum' | 'minimum';
export type UnaryOpName =
  | 'silu' | 'gelu' | 'sigmoid' | 'tanh' | 'relu' | 'relu2' | 'exp' | 'log'
  | 'neg' | 'sqrt' | 'rsqrt' | 'square' | 'affine';

export interface ElementwiseNative {
  /**
   * out (contiguous, `shape`, rank <= 8) = a op b, where element i0..ik of a is read at
   * a[Σ i_d·aStrides[d]] (stride 0 broadcasts that dimension); likewise b. maximum/minimum propagate
   * NaN. out may be a (or b) itself only when that operand is read contiguously.
   * @example native.binary('add', out, [B, T, C], x, [T*C, C, 1], bias, [0, 0, 1]);
   */
  binary(
    op: BinaryOpName, out: Float32Array, shape: number[],
    a: Float32Array, aStrides: number[], b: Float32Array, bStrides: number[],
  ): void;
  /**
   * out[i] = f(x[i]) for i < x.length; out may be x. `affine` is alpha·x + beta (alpha, beta unused
   * otherwise). gelu is the exact erf form; silu(-inf) = gelu(-inf) = -0.
   */
  unaryForward(op: UnaryOpName, x: Float32Array, out: Float32Array, alpha?: number, beta?: number): void;
  /**
   * gradIn[i] = gradOut[i]·f'(·) for i < gradOut.length. `src` is the forward's input x or output y,
   * as unaryBackwardSource[op] says (null is fine for 'none': neg, affine). gradIn may be gradOut.
   */
  unaryBackward(op: UnaryOpName, src: Float32Array | null, gradOut: Float32Array, gradIn: Float32Array, alpha?: number): void;
  /** Which forward tensor each unary backward reads: its input x, its output y, or none. */
  readonly unaryBackwardSource: Readonly<Record<UnaryOpName, 'x' | 'y' | 'none'>>;
  /** out = silu(gate)·up, elementwise (the SwiGLU FFN's hidden activation). */
  swigluForward(gate: Float32Array, up: Float32Array, out: Float32Array): void;
  /**
   * gradGate = gradOut·up·silu'(gate), gradUp = gradOut·silu(gate), in one pass. Each output may be
   * one of the inputs (in place) but not the other output.
   */
  swigluBackward(gate: Float32Array, up: Float32Array, gradOut: Float32Array, gradGate: Float32Array, gradUp: Float32Array): void;
}
