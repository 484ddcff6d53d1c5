// Module.registerForwardHook: hooks see inputs and output after forward, may replace the output, run in
// registration order, and once removed leave the module running its own prototype forward again.
import { Linear } from '../../lib/nn/linear';
import { Module } from '../../lib/nn/module';
import { Generator } from '../../lib/random';
import { noGrad } from '../../lib/tensor/autograd';
import { Tensor } from '../../lib/tensor/tensor';

const g = new Generator(1);

describe('Module.registerForwardHook', () => {
  test('sees the module, inputs and output; removal restores the prototype forward', () => {
    const lin = new Linear(3, 2, { generator: g });
    const seen: [Module, unknown[], number[]][] = [];
    const off = lin.registerForwardHook((m, inputs, out: Tensor) => void seen.push([m, inputs, out.toArray()]));
    expect(Object.prototype.hasOwnProperty.call(lin, 'forward')).toBe(true);
    const x = Tensor.from([1, 2, 3], [1, 3]);
    const y = noGrad(() => lin.forward(x));
    expect(seen).toHaveLength(1);
    expect(seen[0][0]).toBe(lin);
    expect(seen[0][1][0]).toBe(x);
    expect(seen[0][2]).toEqual(y.toArray());
    off();
    off(); // idempotent
    expect(Object.prototype.hasOwnProperty.call(lin, 'forward')).toBe(false);
    noGrad(() => lin.forward(x));
    expect(seen).toHaveLength(1);
  });

  test('several hooks run in order; a returned value replaces the output; one removed, the other stays', () => {
    const lin = new Linear(2, 2, { generator: g });
    const order: string[] = [];
    const offA = lin.registerForwardHook(() => void order.push('a'));
    const offB = lin.registerForwardHook((_m, _i, out: Tensor) => (order.push('b'), Tensor.zeros(out.shape)));
    const y = noGrad(() => lin.forward(Tensor.ones([1, 2])));
    expect(order).toEqual(['a', 'b']);
    expect(y.toArray()).toEqual([0, 0]);
    offB();
    order.length = 0;
    const y2 = noGrad(() => lin.forward(Tensor.ones([1, 2])));
    expect(order).toEqual(['a']);
    expect(y2.toArray()).not.toEqual([0, 0]);
    offA();
  });

  test('a module without forward() and a non-function hook are refused by name', () => {
    class Bare extends Module {}
    expect(() => new Bare().registerForwardHook(() => undefined)).toThrow(/Bare.registerForwardHook: this module has no forward\(\) method/);
    expect(() => new Linear(1, 1, { generator: g }).registerForwardHook(5 as never)).toThrow(/hook must be a function, got number/);
  });
});
