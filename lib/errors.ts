// The error types flashlm throws. Messages name the function, the argument, what was expected and
// what came ("matmul: b.shape[0] must equal a.shape[1] (384), got 256"), plus a HINT when a call fixes it.

/** A tensor had the wrong shape (rank, a dimension, or incompatible shapes). */
export class ShapeError extends RangeError {
  override name = 'ShapeError';
}

/** A tensor or argument had the wrong dtype or type. */
export class DTypeError extends TypeError {
  override name = 'DTypeError';
}

/** A file is not what it claims to be (bad magic, header, offsets). */
export class FormatError extends Error {
  override name = 'FormatError';
}

/** A tensor was used after dispose(). */
export class DisposedError extends Error {
  override name = 'DisposedError';
}

/** Formats a shape for messages: [2, 3] -> "(2, 3)". */
export function formatShape(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}
