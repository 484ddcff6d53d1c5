// bench/common.ts option(): `--name value` and `--name=value` both work (a bench that silently ignored
// `--model v7` measured the default model instead), the last one given wins, the environment variable
// is the fallback, and a flag without a value is an error rather than a default.
import { option } from '../../bench/common';

function withArgv<T>(args: string[], fn: () => T): T {
  const before = process.argv;
  process.argv = ['node', 'bench.js', ...args];
  try {
    return fn();
  } finally {
    process.argv = before;
  }
}

describe('bench option()', () => {
  test('--name value and --name=value', () => {
    expect(withArgv(['--model', 'v7'], () => option('model'))).toBe('v7');
    expect(withArgv(['--model=v7'], () => option('model'))).toBe('v7');
    expect(withArgv(['--threads', '2', '--model', 'bitnet-bench'], () => [option('threads'), option('model')])).toEqual(['2', 'bitnet-bench']);
  });
  test('the last one given wins; a longer flag with the same prefix is another option', () => {
    expect(withArgv(['--model=a', '--model', 'b'], () => option('model'))).toBe('b');
    expect(withArgv(['--models', 'x'], () => option('model'))).toBeUndefined();
  });
  test('absent: the environment variable, else undefined', () => {
    process.env.FLASHLM_TEST_BENCH_OPTION = 'from-env';
    try {
      expect(withArgv([], () => option('model', 'FLASHLM_TEST_BENCH_OPTION'))).toBe('from-env');
      expect(withArgv(['--model', 'cli'], () => option('model', 'FLASHLM_TEST_BENCH_OPTION'))).toBe('cli');
    } finally {
      delete process.env.FLASHLM_TEST_BENCH_OPTION;
    }
    expect(withArgv([], () => option('model'))).toBeUndefined();
  });
  test('a flag with no value throws, naming it', () => {
    expect(() => withArgv(['--model'], () => option('model'))).toThrow(/--model needs a value/);
    expect(() => withArgv(['--model', '--threads', '2'], () => option('model'))).toThrow(/--model needs a value/);
  });
});
