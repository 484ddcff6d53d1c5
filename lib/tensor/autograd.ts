// Reverse-mode autograd on a tape. Each op calls record() with the backward of its forward, written
// right beside it in lib/ops/; backward() walks the recorded graph in reverse topological order,
// accumulating gradients of intermediates in a map and of leaves into `.grad`.
import { DTypeError, ShapeError, formatShape } from '../errors';
import { native } from '../native';
import { shapesEqual } from './shape';
import { untracked } from './scope';
import { Tensor } from './tensor';

/** The recorded backward of one op: the inputs it read and how to map its output gradient to theirs. */
export interface GradFn {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly backward: (gradOutput: Tensor) => (Tensor | null)[];
}

let gradEnabled = true;

/** Whether ops currently record their backward. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs fn without recording gradients (evaluation, generation, optimizer updates).
 *
 * @example
 * const logits = noGrad(() => model.forward(ids));
 */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Whether an op's backward should compute the gradient of `t`. */
export function needsGrad(t: Tensor): boolean {
  return t.requiresGrad;
}

/**
 * Attaches `backward` to `output` when grad mode is on and some input requires a gradient, and
 * returns `output`. `backward` returns one gradient per input (null where not needed), each with
 * that input's shape.
 */
export function record(
  output: Tensor,
  inputs: readonly Tensor[],
  backward: (gradOutput: Tensor) => (Tensor | null)[],
  op = 'op',
): Tensor {
  if (!gradEnabled || !inputs.some((t) => t.requiresGrad)) return output;
  if (output.dtype !== 'f32') throw new DTypeError(`${op}: a differentiable op must produce f32, got ${output.dtype}`);
  output.requiresGrad = true;
  output.gradFn = { op, inputs: [...inputs], backward };
  return output;
}

/** Tensors reachable from `root` through gradFn edges, in topological order (inputs first). */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative DFS: graphs of deep models are far deeper than JS's recursion limit allows.
  const stack: Array<[Tensor, number]> = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, next] = top;
    const inputs = t.gradFn?.inputs ?? [];
    if (next < inputs.length) {
      top[1]++;
      const child = inputs[next];
      if (child.gradFn !== null && !visited.has(child)) {
        visited.add(child);
        stack.push([child, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  return order;
}

/** dst += src, elementwise, in place (one native pass). */
function accumulateInto(dst: Tensor, src: Tensor): void {
  const d = dst.f32();
  native.binary('add', d, [d.length], d, [1], src.f32(), [1]);
}

/**
 * Back-propagates from `root`. Without `gradient`, root must have one element and its gradient is 1.
 * Leaf gradients accumulate into `.grad` (allocated outside any tidy() scope so they persist).
 * Intermediate gradients are disposed as soon as they have been used; the graph is freed unless
 * `retainGraph`.
 */
export function backward(root: Tensor, gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
  if (!root.requiresGrad) {
    throw new TypeError('backward: the tensor does not require grad (no input of the ops that made it requires grad)');
  }
  let seed: Tensor;
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new ShapeError(`backward: root has shape ${formatShape(root.shape)}; pass a gradient for non-scalar roots`);
    }
    seed = Tensor.full(root.shape, 1);
  } else {
    if (!shapesEqual(gradient.shape, root.shape)) {
      throw new ShapeError(`backward: gradient shape ${formatShape(gradient.shape)} must equal root shape ${formatShape(root.shape)}`);
    }
    seed = gradient.clone();
  }

  if (root.gradFn === null) {
    accumulateLeaf(root, seed);
    seed.dispose();
    return;
  }

  // Gradients of non-leaf tensors, each owning its memory exclusively so in-place accumulation is safe.
  const pending = new Map<Tensor, Tensor>([[root, seed]]);
  const order = topologicalOrder(root);
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i];
    const g = pending.get(t);
    const fn = t.gradFn;
    if (g === undefined || fn === null) continue;
    pending.delete(t);
    const grads = fn.backward(g);
    if (grads.length !== fn.inputs.length) {
      throw new Error(`backward: ${fn.op} returned ${grads.length} gradients for ${fn.inputs.length} inputs`);
    }
    const consumed = new Set<Tensor>([g]);
    for (let j = 0; j < grads.length; j++) {
      const input = fn.inputs[j];
      const gi = grads[j];
      if (gi === null || !input.requiresGrad) continue;
      if (!shapesEqual(gi.shape, input.shape)) {
        throw new ShapeError(`backward: ${fn.op} produced a gradient of shape ${formatShape(gi.shape)} for an input of shape ${formatShape(input.shape)}`);
      }
      if (input.gradFn === null) {
        accumulateLeaf(input, gi);
        consumed.add(gi);
        continue;
      }
      const existing = pending.get(input);
      if (existing !== undefined) {
        accumulateInto(existing, gi);
        consumed.add(gi);
      } else if (sharesMemory(gi, consumed, pending)) {
        // The op passed a gradient through (or a view of one): store a private copy.
        pending.set(input, gi.clone());
        consumed.add(gi);
      } else {
        pending.set(input, gi);
      }
    }
    for (const c of consumed) c.dispose();
    if (!options.retainGraph) t.gradFn = null;
  }
  for (const g of pending.values()) g.dispose();
}

function sharesMemory(t: Tensor, consumed: Set<Tensor>, pending: Map<Tensor, Tensor>): boolean {
  for (const c of consumed) if (t.sharesStorageWith(c)) return true;
  for (const p of pending.values()) if (t.sharesStorageWith(p)) return true;
  return false;
}

function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  if (leaf.grad === null) {
    leaf.grad = untracked(() => g.clone());
  } else {
    accumulateInto(leaf.grad, g);
  }
}
