// Elementwise ops with autograd: add/sub/mul/div with NumPy/PyTorch broadcasting (scalars allowed),
// unary activations (silu, gelu, sigmoid, tanh, relu, relu2, exp, log, neg, sqrt, rsqrt, square,
// mulScalar, addScalar) and fused swiglu. Kernels: native/src/kernels/elementwise (reference + SIMD);
// broadcast gradients are reduced back to each input's shape with native.sumToShape.
import { DTypeError, ShapeError, formatShape } from '../errors';
import { native } from '../native';
import type { BinaryOpName, UnaryOpName } from '../native/elementwise';
import { needsGrad, record } from '../tensor/autograd';
import { broadcastShapes, broadcastStrides, Shape, shapesEqual } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';

function requireF32(t: Tensor, op: string, name: string): void {
  if (!(t instanceof Tensor)) throw new DTypeError(`${op}: ${name} must be a Tensor or a number, got ${typeof t}`);
  if (t.dtype !== 'f32') throw new DTypeError(`${op}: ${name} must be f32, got ${t.dtype}`);
}

// ---- non-recording helpers (also for other ops' backward functions) ---------------------------

/** a op b with broadcasting, outside autograd. */
function binaryRaw(op: BinaryOpName, a: Tensor, b: Tensor, name = op): Tensor {
  const shape = broadcastShapes(a.shape, b.shape, name);
  const out = Tensor.empty(shape);
  native.binary(op, out.f32(), shape, a.f32(), broadcastStrides(a.shape, shape), b.f32(), broadcastStrides(b.shape, shape));
  return out;
}

function unaryRaw(op: UnaryOpName, x: Tensor, alpha = 1, beta = 0): Tensor {
  const out = Tensor.empty(x.shape);
  native.unaryForward(op, x.f32(), out.f32(), alpha, beta);
  return out;
}

/**
 * Sums a gradient of a broadcast result back to an input's `shape` (outside autograd): the backward
 * half of broadcasting. Returns `g` itself when the shapes already match.
 *
 * @example
 * const gBias = sumTo(gOut, bias.shape); // (B, T, C) -> (C)
 */
export function sumTo(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const out = Tensor.empty(shape);
  native.sumToShape(g.f32(), [...g.shape], out.f32(), [...shape]);
  return out;
}

// ---- binary ----------------------------------------------------------------------------------

type Operand = Tensor | number;

function binary(op: 'add' | 'sub' | 'mul' | 'div', a: Operand, b: Operand): Tensor {
  if (typeof b === 'number') {
    if (!Number.isFinite(b)) throw new RangeError(`${op}: the scalar operand must be finite, got ${b}`);
    requireF32(a as Tensor, op, 'a');
    const x = a as Tensor;
    // Tensor op scalar is an affine map alpha*x + beta (division multiplies by 1/b, as PyTorch's CPU kernel does).
    if (op === 'add') return affine(x, 1, b, op);
    if (op === 'sub') return affine(x, 1, -b, op);
    if (op === 'mul') return affine(x, b, 0, op);
    return affine(x, 1 / b, 0, op);
  }
  if (typeof a === 'number') {
    if (!Number.isFinite(a)) throw new RangeError(`${op}: the scalar operand must be finite, got ${a}`);
    requireF32(b, op, 'b');
    if (op === 'add') return affine(b, 1, a, op);
    if (op === 'mul') return affine(b, a, 0, op);
    if (op === 'sub') return affine(b, -1, a, op);
    return binary('div', Tensor.scalar(a), b); // scalar / tensor: a 0-d operand that needs no gradient
  }
  requireF32(a, op, 'a');
  requireF32(b, op, 'b');
  const out = binaryRaw(op, a, b);
  return record(out, [a, b], (g) => {
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (op === 'add' || op === 'sub') {
      if (needsGrad(a)) ga = sumTo(g, a.shape);
      if (needsGrad(b)) gb = op === 'add' ? sumTo(g, b.shape) : sumTo(unaryRaw('neg', g), b.shape);
    } else if (op === 'mul') {
      if (needsGrad(a)) ga = sumTo(binaryRaw('mul', g, b), a.shape);
      if (needsGrad(b)) gb = sumTo(binaryRaw('mul', g, a), b.shape);
    } else {
      if (needsGrad(a)) ga = sumTo(binaryRaw('div', g, b), a.shape);
      if (needsGrad(b)) {
        // d(a/b)/db = -(a/b)/b = -out/b
        const t = binaryRaw('div', binaryRaw('mul', g, out), b);
        native.unaryForward('neg', t.f32(), t.f32());
        gb = sumTo(t, b.shape);
      }
    }
    return [ga, gb];
  }, op);
}

/**
 * a + b with broadcasting (either may be a number).
 * @example const y = add(x, bias); // (B, T, C) + (C)
 */
export function add(a: Operand, b: Operand): Tensor {
  return binary('add', a, b);
}

/** a − b with broadcasting. @example const d = sub(x, mean); */
export function sub(a: Operand, b: Operand): Tensor {
  return binary('sub', a, b);
}

/** a · b with broadcasting. @example const y = mul(x, gate); // (B, T, C) * (B, 1, C) */
export function mul(a: Operand, b: Operand): Tensor {
  return binary('mul', a, b);
}

/** a / b with broadcasting. @example const y = div(x, norm); */
export function div(a: Operand, b: Operand): Tensor {
  return binary('div', a, b);
}

// ---- unary -----------------------------------------------------------------------------------

function unary(op: UnaryOpName, x: Tensor, name: string, alpha = 1, beta = 0): Tensor {
  requireF32(x, name, 'x');
  const out = unaryRaw(op, x, alpha, beta);
  const source = native.unaryBackwardSource[op];
  return record(out, [x], (g) => {
    const gi = Tensor.empty(x.shape);
    native.unaryBackward(op, source === 'x' ? x.f32() : source === 'y' ? out.f32() : null, g.f32(), gi.f32(), alpha);
    return [gi];
  }, name);
}

function affine(x: Tensor, alpha: number, beta: number, name: string): Tensor {
  return unary('affine', x, name, alpha, beta);
}

/** x·sigmoid(x) (SiLU / swish). @example const h = silu(x); */
export const silu = (x: Tensor): Tensor => unary('silu', x, 'silu');
/** x·Φ(x), the exact erf GELU (PyTorch's default). @example const h = gelu(x); */
export const gelu = (x: Tensor): Tensor => unary('gelu', x, 'gelu');
/** 1/(1+e^−x). @example const p = sigmoid(logits); */
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x, 'sigmoid');
/** tanh(x). @example const y = tanh(x); */
export const tanh = (x: Tensor): Tensor => unary('tanh', x, 'tanh');
/** max(x, 0); the gradient at exactly 0 is 0. @example const h = relu(x); */
export const relu = (x: Tensor): Tensor => unary('relu', x, 'relu');
/** relu(x)², the squared ReLU of FlashLM v5. @example const h = relu2(x); */
export const relu2 = (x: Tensor): Tensor => unary('relu2', x, 'relu2');
/** e^x. @example const y = exp(x); */
export const exp = (x: Tensor): Tensor => unary('exp', x, 'exp');
/** Natural log (NaN for x < 0, −inf at 0). @example const y = log(p); */
export const log = (x: Tensor): Tensor => unary('log', x, 'log');
/** −x. @example const y = neg(x); */
export const neg = (x: Tensor): Tensor => unary('neg', x, 'neg');
/** √x. @example const r = sqrt(v); */
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x, 'sqrt');
/** 1/√x (a true division, not an estimate). @example const r = rsqrt(v); */
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x, 'rsqrt');
/** x². @example const y = square(x); */
export const square = (x: Tensor): Tensor => unary('square', x, 'square');

/** s·x for a number s. @example const y = mulScalar(x, 0.5); */
export function mulScalar(x: Tensor, s: number): Tensor {
  if (!Number.isFinite(s)) throw new RangeError(`mulScalar: s must be finite, got ${s}`);
  return affine(x, s, 0, 'mulScalar');
}

/** x + s for a number s. @example const y = addScalar(x, 1); */
export function addScalar(x: Tensor, s: number): Tensor {
  if (!Number.isFinite(s)) throw new RangeError(`addScalar: s must be finite, got ${s}`);
  return affine(x, 1, s, 'addScalar');
}

/**
 * silu(gate)·up in one pass (the SwiGLU FFN hidden activation); gate and up have the same shape.
 *
 * @example
 * const h = swiglu(linear(x, wGate), linear(x, wUp)); // (B, T, F)
 */
export function swiglu(gate: Tensor, up: Tensor): Tensor {
  requireF32(gate, 'swiglu', 'gate');
  requireF32(up, 'swiglu', 'up');
  if (!shapesEqual(gate.shape, up.shape)) {
    throw new ShapeError(`swiglu: up must have gate's shape ${formatShape(gate.shape)}, got ${formatShape(up.shape)}`);
  }
  const out = Tensor.empty(gate.shape);
  native.swigluForward(gate.f32(), up.f32(), out.f32());
  return record(out, [gate, up], (g) => {
    const gg = Tensor.empty(gate.shape), gu = Tensor.empty(up.shape);
    native.swigluBackward(gate.f32(), up.f32(), g.f32(), gg.f32(), gu.f32());
    if (!needsGrad(gate)) gg.dispose();
    if (!needsGrad(up)) gu.dispose();
    return [needsGrad(gate) ? gg : null, needsGrad(up) ? gu : null];
  }, 'swiglu');
}
