// Tensor construction, views, dispose and pooling, tidy scopes, and the autograd engine (on ops
// written here in plain JS, so the engine is tested apart from the native kernels).
import { DTypeError, DisposedError, ShapeError } from '../../lib/errors';
import { Tensor } from '../../lib/tensor/tensor';
import { needsGrad, noGrad, record } from '../../lib/tensor/autograd';
import { keep, scopeDepth, tidy } from '../../lib/tensor/scope';
import { memoryStats } from '../../lib/tensor/storage';
import { native } from '../../lib/native';
import { gradcheck, randomTensor } from '../gradcheck';

// Plain-JS ops for engine tests only.
function mulJs(a: Tensor, b: Tensor): Tensor {
  const out = Tensor.empty(a.shape);
  const o = out.f32(), x = a.f32(), y = b.f32();
  for (let i = 0; i < o.length; i++) o[i] = x[i] * y[i];
  return record(out, [a, b], (g) => [needsGrad(a) ? mulJs(g, b) : null, needsGrad(b) ? mulJs(g, a) : null], 'mulJs');
}
function addJs(a: Tensor, b: Tensor): Tensor {
  const out = Tensor.empty(a.shape);
  const o = out.f32(), x = a.f32(), y = b.f32();
  for (let i = 0; i < o.length; i++) o[i] = x[i] + y[i];
  return record(out, [a, b], (g) => [g, g], 'addJs');
}
function sumJs(a: Tensor): Tensor {
  const out = Tensor.scalar(a.f32().reduce((s, v) => s + v, 0));
  return record(out, [a], (g) => [Tensor.full(a.shape, g.item())], 'sumJs');
}

describe('Tensor', () => {
  test('constructors set shape, dtype and contents', () => {
    const t = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('f32');
    expect(t.size).toBe(6);
    expect(t.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Tensor.zeros([3], 'i32').toArray()).toEqual([0, 0, 0]);
    expect(Tensor.full([2], 7, 'u8').data).toBeInstanceOf(Uint8Array);
    expect(Tensor.from(new Int8Array([-1, 0, 1])).dtype).toBe('i8');
    expect(Tensor.scalar(3).item()).toBe(3);
  });

  test('storage is 64-byte aligned native memory', () => {
    expect(native.alignment).toBe(64);
    const buf = native.alloc(100);
    expect(buf.byteLength).toBe(100);
  });

  test('bad shapes and dtypes are rejected with clear errors', () => {
    expect(() => Tensor.from([1, 2, 3], [2, 2])).toThrow(ShapeError);
    expect(() => Tensor.zeros([2, -1])).toThrow(/non-negative integers/);
    expect(() => Tensor.zeros([2], 'f64' as never)).toThrow(DTypeError);
    expect(() => Tensor.zeros([2], 'i32').f32()).toThrow(/expected dtype f32, got i32/);
    expect(() => Tensor.zeros([6]).reshape([4, -1])).toThrow(/cannot reshape 6 elements/);
  });

  test('reshape shares memory and infers -1', () => {
    const t = Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]);
    const r = t.reshape([3, -1]);
    expect(r.shape).toEqual([3, 2]);
    r.f32()[0] = 42;
    expect(t.f32()[0]).toBe(42);
    expect(r.sharesStorageWith(t)).toBe(true);
  });

  test('use after dispose throws; dispose is idempotent; views keep memory alive', () => {
    const t = Tensor.from([1, 2, 3, 4]);
    const v = t.reshape([2, 2]);
    t.dispose();
    t.dispose();
    expect(() => t.data).toThrow(DisposedError);
    expect(v.toArray()).toEqual([1, 2, 3, 4]);
    v.dispose();
  });

  test('disposed memory is reused by the next allocation of the same size', () => {
    const a = Tensor.empty([1234]);
    const before = memoryStats();
    a.dispose();
    const mid = memoryStats();
    expect(mid.liveBytes).toBe(before.liveBytes - 1234 * 4);
    expect(mid.pooledBytes).toBe(before.pooledBytes + 1234 * 4);
    const b = Tensor.empty([1234]);
    expect(memoryStats().pooledBytes).toBe(before.pooledBytes);
    b.dispose();
  });
});

describe('tidy', () => {
  test('disposes intermediates and keeps returned tensors', () => {
    let inner!: Tensor;
    const kept = Tensor.zeros([2]);
    const out = tidy(() => {
      inner = Tensor.ones([2]);
      keep(kept);
      return { result: Tensor.full([2], 3) };
    });
    expect(inner.isDisposed).toBe(true);
    expect(out.result.isDisposed).toBe(false);
    expect(kept.isDisposed).toBe(false);
    expect(scopeDepth()).toBe(0);
  });

  test('nested scopes hand results to the enclosing scope', () => {
    let fromInner!: Tensor;
    tidy(() => {
      fromInner = tidy(() => Tensor.ones([1]));
      expect(fromInner.isDisposed).toBe(false);
    });
    expect(fromInner.isDisposed).toBe(true);
  });

  test('rejects async functions', () => {
    expect(() => tidy((async () => 1) as never)).toThrow(/synchronous/);
  });
});

describe('autograd engine', () => {
  test('product rule, shared inputs and accumulation', () => {
    const x = Tensor.from([1, 2, 3]).requiresGrad_();
    const y = Tensor.from([4, 5, 6]).requiresGrad_();
    // L = Σ (x*y + x*x)  →  dL/dx = y + 2x, dL/dy = x
    tidy(() => sumJs(addJs(mulJs(x, y), mulJs(x, x))).backward());
    expect(x.grad!.toArray()).toEqual([6, 9, 12]);
    expect(y.grad!.toArray()).toEqual([1, 2, 3]);
    // A second backward accumulates, like PyTorch.
    tidy(() => sumJs(mulJs(x, y)).backward());
    expect(x.grad!.toArray()).toEqual([10, 14, 18]);
  });

  test('pass-through gradients to two inputs are not aliased', () => {
    const x = Tensor.from([1, 1]).requiresGrad_();
    // z = (x + x) * x  →  dz/dx = 4x
    tidy(() => sumJs(mulJs(addJs(x, x), x)).backward());
    expect(x.grad!.toArray()).toEqual([4, 4]);
  });

  test('gradient flows through reshape', () => {
    const x = Tensor.from([1, 2, 3, 4]).requiresGrad_();
    const w = Tensor.from([1, 0, 0, 2], [2, 2]);
    tidy(() => sumJs(mulJs(x.reshape([2, 2]), w)).backward());
    expect(x.grad!.shape).toEqual([4]);
    expect(x.grad!.toArray()).toEqual([1, 0, 0, 2]);
  });

  test('noGrad records nothing', () => {
    const x = Tensor.from([1, 2]).requiresGrad_();
    const y = noGrad(() => mulJs(x, x));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
  });

  test('backward of a non-scalar needs a gradient; of a constant is an error', () => {
    const x = Tensor.from([1, 2]).requiresGrad_();
    expect(() => mulJs(x, x).backward()).toThrow(ShapeError);
    expect(() => Tensor.from([1]).backward()).toThrow(/does not require grad/);
  });

  test('deep graphs do not overflow the stack', () => {
    const x = Tensor.from([1]).requiresGrad_();
    const one = Tensor.from([1]);
    tidy(() => {
      let y = x;
      for (let i = 0; i < 20000; i++) y = mulJs(y, one);
      sumJs(y).backward();
    });
    expect(x.grad!.toArray()).toEqual([1]);
  });

  test('gradcheck accepts a correct gradient and rejects a wrong one', () => {
    const a = randomTensor([3, 4], 1).requiresGrad_();
    const b = randomTensor([3, 4], 2).requiresGrad_();
    gradcheck(mulJs, [a, b]);
    const wrong = (p: Tensor, q: Tensor): Tensor => {
      const out = mulJs(p, q);
      out.gradFn = { op: 'wrong', inputs: [p, q], backward: (g) => [g, g] };
      return out;
    };
    expect(() => gradcheck(wrong, [a, b])).toThrow(/analytic .* numeric/);
  });
});
