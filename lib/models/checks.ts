// Input checks shared by every model's forward() and decode(), so that a wrong dtype, shape, length or
// token id is a clear error naming the model and argument instead of a native RangeError deep inside.
import { DTypeError, ShapeError, formatShape } from '../errors';
import { Tensor } from '../tensor/tensor';
import type { DecodeState, LanguageModel } from './language_model';

/** tokens must be (B, T) i32 with 1 ≤ T ≤ contextLength (or within the decode state's capacity). */
export function checkTokens(model: LanguageModel, tokens: Tensor, fn: string, state?: DecodeState): void {
  const where = `${model.name}.${fn}`;
  if (!(tokens instanceof Tensor)) throw new DTypeError(`${where}: tokens must be a Tensor, got ${typeof tokens}`);
  if (tokens.dtype !== 'i32') throw new DTypeError(`${where}: tokens must be i32, got ${tokens.dtype}`);
  if (tokens.ndim !== 2 || tokens.shape[0] < 1 || tokens.shape[1] < 1)
    throw new ShapeError(`${where}: tokens must be (B, T) with B, T >= 1, got ${formatShape(tokens.shape)}`);
  const [B, T] = tokens.shape;
  if (state === undefined) {
    if (T > model.config.contextLength)
      throw new ShapeError(`${where}: T (${T}) exceeds the model's contextLength (${model.config.contextLength})`);
  } else {
    if (B !== state.batch) throw new ShapeError(`${where}: tokens has batch ${B}, the decode state was made for ${state.batch}`);
    if (state.position + T > state.capacity)
      throw new RangeError(`${where}: ${state.position} + ${T} tokens exceed the decode state's capacity (${state.capacity})`);
  }
}
