// Samplers: (x, y) are (B, T) i32 with y = x shifted by one; seeded runs repeat exactly; 'windows' covers
// every window once per epoch; 'sequential' walks in order and wraps; state resumes mid-run.
import { BatchSampler, randomWindows, sequentialWindows, shuffledWindows, type Batch } from '../../lib/data';

const tokens = Uint16Array.from({ length: 1000 }, (_, i) => i % 60000);

function take(s: BatchSampler, n: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const { x, y } = s.next();
    out.push([...x.i32(), ...y.i32()]);
    x.dispose();
    y.dispose();
  }
  return out;
}

function checkShift(b: Batch, B: number, T: number, src: ArrayLike<number>): number[] {
  expect(b.x.shape).toEqual([B, T]);
  expect(b.y.shape).toEqual([B, T]);
  expect(b.x.dtype).toBe('i32');
  const x = b.x.i32();
  const y = b.y.i32();
  const starts: number[] = [];
  for (let r = 0; r < B; r++) {
    const o = x[r * T]; // tokens[i] = i, so the value is the offset
    starts.push(o);
    for (let t = 0; t < T; t++) {
      expect(x[r * T + t]).toBe(src[o + t]);
      expect(y[r * T + t]).toBe(src[o + t + 1]);
    }
  }
  return starts;
}

test.each(['random', 'windows', 'sequential'] as const)('%s: shapes, shift by one, reproducible by seed', (kind) => {
  const s = new BatchSampler(tokens, kind, { batchSize: 4, blockSize: 16, seed: 5 });
  const b = s.next();
  checkShift(b, 4, 16, tokens);
  b.x.dispose();
  b.y.dispose();
  const a1 = take(new BatchSampler(tokens, kind, { batchSize: 4, blockSize: 16, seed: 5 }), 30);
  const a2 = take(new BatchSampler(tokens, kind, { batchSize: 4, blockSize: 16, seed: 5 }), 30);
  expect(a2).toEqual(a1);
  if (kind !== 'sequential') expect(take(new BatchSampler(tokens, kind, { batchSize: 4, blockSize: 16, seed: 6 }), 30)).not.toEqual(a1);
});

test('random: offsets cover [0, N − T − 1], including both ends', () => {
  const small = Uint16Array.from({ length: 40 }, (_, i) => i);
  const s = randomWindows(small, { batchSize: 8, blockSize: 8, seed: 1 });
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const b = s.next();
    for (const o of checkShift(b, 8, 8, small)) seen.add(o);
    b.x.dispose();
    b.y.dispose();
  }
  expect([...seen].sort((p, q) => p - q)).toEqual(Array.from({ length: 32 }, (_, i) => i));
});

test('windows: every window exactly once per epoch, a new order each epoch, tail dropped', () => {
  const src = Uint16Array.from({ length: 16 * 10 + 1 + 5 }, (_, i) => i); // 10 windows of stride 16
  const s = shuffledWindows(src, { batchSize: 3, blockSize: 16, seed: 2 });
  expect(s.windowCount).toBe(10);
  expect(s.batchesPerEpoch).toBe(3);
  const epochs: number[][] = [[], []];
  for (let e = 0; e < 2; e++)
    for (let i = 0; i < 3; i++) {
      expect(s.epoch).toBe(e === 1 && i === 0 ? 0 : e);
      epochs[e].push(...s.nextOffsets());
    }
  for (const ep of epochs) {
    expect(new Set(ep).size).toBe(9);
    ep.forEach((o) => expect(o % 16).toBe(0));
  }
  expect(epochs[1]).not.toEqual(epochs[0]);
  expect(s.epoch).toBe(1);
  const disjoint = shuffledWindows(src, { batchSize: 2, blockSize: 16, stride: 17, seed: 2 });
  expect(disjoint.windowCount).toBe(9);
  disjoint.nextOffsets().forEach((o) => expect(o % 17).toBe(0));
});

test('sequential: windows in order, wrapping around (v6.1-C)', () => {
  const src = Uint16Array.from({ length: 5 * 8 + 1 }, (_, i) => i);
  const s = sequentialWindows(src, { batchSize: 3, blockSize: 8 });
  expect(s.windowCount).toBe(5);
  expect(s.nextOffsets()).toEqual([0, 8, 16]);
  expect(s.nextOffsets()).toEqual([24, 32, 0]);
  expect(s.epoch).toBe(1);
  expect(s.nextOffsets()).toEqual([8, 16, 24]);
});

test.each(['random', 'windows', 'sequential'] as const)('%s: state resumes exactly', (kind) => {
  const o = { batchSize: 5, blockSize: 8, seed: 11 };
  const a = new BatchSampler(tokens, kind, o);
  take(a, 27);
  const st = JSON.parse(JSON.stringify(a.state));
  const rest = take(a, 40);
  const b = new BatchSampler(tokens, kind, o);
  b.state = st;
  expect(take(b, 40)).toEqual(rest);
});

test('a shard works as a source; bad options are clear errors', () => {
  const shard = { tokens, vocabSize: 60000 } as never;
  expect(new BatchSampler(shard, 'random', { batchSize: 1, blockSize: 4 }).windowCount).toBe(996);
  expect(() => randomWindows(tokens.subarray(0, 8), { batchSize: 1, blockSize: 8 })).toThrow(/8 tokens cannot fill one window of blockSize \+ 1 = 9/);
  expect(() => shuffledWindows(tokens.subarray(0, 30), { batchSize: 4, blockSize: 8 })).toThrow(/3 windows of 9 tokens cannot fill one batch of 4/);
  expect(() => randomWindows(tokens, { batchSize: 0, blockSize: 8 })).toThrow(/batchSize must be a positive integer, got 0/);
  expect(() => new BatchSampler(tokens, 'zigzag' as never, { batchSize: 1, blockSize: 8 })).toThrow(/kind must be/);
});
