// Atomic writes: the destination holds the old bytes or the new ones, never a mix, and a failed write
// leaves no temporary file behind (the last good checkpoint stays intact).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { writeFileAtomic } from '../../lib/io/atomic';

describe('writeFileAtomic', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
  afterAll(() => fs.rmSync(dir, { recursive: true }));
  const file = path.join(dir, 'ckpt.bin');

  test('writes chunks in order, or bytes streamed by a callback, replacing the old file', () => {
    writeFileAtomic(file, [Buffer.from('ab'), Buffer.from('cd')]);
    expect(fs.readFileSync(file, 'utf8')).toBe('abcd');
    writeFileAtomic(file, (write) => { write(Buffer.from('x')); write(Buffer.from('yz')); });
    expect(fs.readFileSync(file, 'utf8')).toBe('xyz');
    expect(fs.readdirSync(dir)).toEqual(['ckpt.bin']);
  });

  test('a write that fails midway keeps the old file and removes its temporary file', () => {
    expect(() => writeFileAtomic(file, (write) => { write(Buffer.from('partial')); throw new Error('disk full'); })).toThrow('disk full');
    expect(fs.readFileSync(file, 'utf8')).toBe('xyz');
    expect(fs.readdirSync(dir)).toEqual(['ckpt.bin']);
  });

  test('a missing directory is an error naming the path', () => {
    expect(() => writeFileAtomic(path.join(dir, 'no', 'such', 'f.bin'), [Buffer.from('a')])).toThrow(/no[\\/]such/);
  });
});
