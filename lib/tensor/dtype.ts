// Element types a Tensor can hold and the typed array behind each. f32 is the only differentiable
// dtype; i32 holds token ids and targets; i8 and u8 hold quantised activations and 2-bit weight codes.

export type DType = 'f32' | 'i32' | 'i8' | 'u8';

export type TypedArrayFor<D extends DType> = D extends 'f32'
  ? Float32Array
  : D extends 'i32'
    ? Int32Array
    : D extends 'i8'
      ? Int8Array
      : Uint8Array;

export type AnyTypedArray = Float32Array | Int32Array | Int8Array | Uint8Array;

export const BYTES_PER_ELEMENT: Record<DType, number> = { f32: 4, i32: 4, i8: 1, u8: 1 };

export const DTYPES: readonly DType[] = ['f32', 'i32', 'i8', 'u8'];

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/** A typed-array view of `length` elements of `dtype` over `buffer`. */
export function viewOf(dtype: DType, buffer: ArrayBuffer, length: number): AnyTypedArray {
  switch (dtype) {
    case 'f32':
      return new Float32Array(buffer, 0, length);
    case 'i32':
      return new Int32Array(buffer, 0, length);
    case 'i8':
      return new Int8Array(buffer, 0, length);
    case 'u8':
      return new Uint8Array(buffer, 0, length);
  }
}

/** The dtype whose typed array `data` is, or undefined for other arrays. */
export function dtypeOfArray(data: unknown): DType | undefined {
  if (data instanceof Float32Array) return 'f32';
  if (data instanceof Int32Array) return 'i32';
  if (data instanceof Int8Array) return 'i8';
  if (data instanceof Uint8Array) return 'u8';
  return undefined;
}
