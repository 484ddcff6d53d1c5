// Embedding lookup with autograd: gather rows of a (V, C) table by int32 ids; the backward scatter-adds
// into a zeroed (V, C) gradient. Kernels: native/src/kernels/embedding (any V; repeated ids add up in id
// order, the same bits for any thread count).
import { DTypeError, ShapeError, formatShape } from '../errors';
import { native } from '../native';
import { record } from '../tensor/autograd';
import { Tensor } from '../tensor/tensor';

/**
 * out[…, :] = table[ids[…], :]. An id outside [0, V) throws a RangeError naming its position.
 *
 * @example
 * const h = embedding(wte, ids); // (V, C) table, (B, T) int32 ids -> (B, T, C)
 */
export function embedding(table: Tensor, ids: Tensor): Tensor {
  const op = 'embedding';
  if (!(table instanceof Tensor)) throw new DTypeError(`${op}: table must be a Tensor, got ${typeof table}`);
  if (table.dtype !== 'f32') throw new DTypeError(`${op}: table must be f32, got ${table.dtype}`);
  if (!(ids instanceof Tensor)) throw new DTypeError(`${op}: ids must be a Tensor, got ${typeof ids}`);
  if (ids.dtype !== 'i32') throw new DTypeError(`${op}: ids must be i32, got ${ids.dtype}`);
  if (table.ndim !== 2) throw new ShapeError(`${op}: table must be (V, C), got ${formatShape(table.shape)}`);
  const [V, C] = table.shape;
  const N = ids.size;
  const out = Tensor.empty([...ids.shape, C]);
  native.embeddingForward(table.f32(), ids.i32(), out.f32(), N, V, C);
  return record(out, [table], (g) => {
    const dt = Tensor.zeros([V, C]);  // the kernel accumulates
    native.embeddingBackward(g.f32(), ids.i32(), dt.f32(), N, V, C);
    return [dt];
  }, op);
}
