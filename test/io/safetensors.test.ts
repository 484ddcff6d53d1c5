// safetensors: byte layout against hand-computed bytes (the reference writer's layout: 8-byte LE length,
// compact JSON padded with spaces to 8, widest dtype first), every dtype the reader decodes, and corrupt
// or truncated files that must give a FormatError naming the problem (never a crash or a huge allocation).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { Tensor } from '../../lib/tensor/tensor';
import { parseSafetensors, readSafetensors, readSafetensorsHeader, serializeSafetensors, writeSafetensors } from '../../lib/io/safetensors';

const concat = (chunks: Uint8Array[]) => new Uint8Array(Buffer.concat(chunks));
const ascii = (s: string) => [...Buffer.from(s, 'utf8')];
const le64 = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return [...b]; };

/** A file from a header object (or raw header text) and data bytes; pads the JSON like the reference. */
function craft(header: object | string, data: number[] = [], pad = true): Uint8Array {
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  if (pad) while (Buffer.byteLength(json) % 8) json += ' ';
  return Uint8Array.from([...le64(Buffer.byteLength(json)), ...ascii(json), ...data]);
}

const expectFormatError = (bytes: Uint8Array, re: RegExp) => {
  let err: unknown;
  try { parseSafetensors(bytes); } catch (e) { err = e; }
  expect(err).toBeDefined();
  expect((err as Error).name).toBe('FormatError');
  expect((err as Error).message).toMatch(re);
};

describe('writer: byte layout', () => {
  test('one f32 tensor: 64-byte header, no padding, then little-endian floats', () => {
    const out = concat(serializeSafetensors({ 'attn.0': Tensor.from([0, 1, 2, 3, 4, 5], [1, 2, 3]) }));
    const json = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).toBe(64);
    const floats = [0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, 0x80, 0x40, 0, 0, 0xa0, 0x40];
    expect([...out]).toEqual([64, 0, 0, 0, 0, 0, 0, 0, ...ascii(json), ...floats]);
  });
  test('a 65-byte JSON is padded with 7 spaces to 72 so the data stays 8-byte aligned', () => {
    const out = concat(serializeSafetensors({ attn0: Tensor.from([0, 1, 2, 3, 4, 5], [1, 1, 2, 3]) }));
    const json = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
    expect(json.length).toBe(65);
    expect([...out.subarray(0, 8 + 72)]).toEqual([72, 0, 0, 0, 0, 0, 0, 0, ...ascii(json + '       ')]);
  });
  test('empty file and metadata-only file', () => {
    expect([...concat(serializeSafetensors({}))]).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...ascii('{}      ')]);
    const m = concat(serializeSafetensors({}, { framework: 'pt' }));
    expect([...m]).toEqual([40, 0, 0, 0, 0, 0, 0, 0, ...ascii('{"__metadata__":{"framework":"pt"}}     ')]);
  });
  test('order: widest dtype first, then name; offsets contiguous', () => {
    const out = concat(serializeSafetensors({ a: Tensor.from([1], [1], 'u8'), z: Tensor.from([1.5]), m: Tensor.from([7], [1], 'i32'), b: Tensor.from([-1], [1], 'i8'), y: Tensor.from([2.5]) }));
    const h = readHeaderOf(out);
    expect(h.entries.map((e) => [e.name, e.dtype, e.begin, e.end])).toEqual([
      ['y', 'F32', 0, 4], ['z', 'F32', 4, 8], ['m', 'I32', 8, 12], ['b', 'I8', 12, 13], ['a', 'U8', 13, 14],
    ]);
  });
  test('rejects duplicate names, a tensor called __metadata__, and non-string metadata', () => {
    const t = Tensor.from([1]);
    expect(() => serializeSafetensors([['x', t], ['x', t]])).toThrow(/duplicate tensor name "x"/);
    expect(() => serializeSafetensors({ __metadata__: t })).toThrow(/reserved/);
    expect(() => serializeSafetensors({}, { a: 1 as unknown as string })).toThrow(/metadata\["a"\] must be a string/);
  });
});

function readHeaderOf(bytes: Uint8Array) {
  return parseSafetensors(bytes).header;
}

describe('reader', () => {
  test('round trip of every writable dtype, scalars and empty tensors, with metadata', () => {
    const tensors = {
      w: Tensor.from([1.5, -2.25, 3e-8, 65504], [2, 2]),
      ids: Tensor.from([0, -5, 2147483647], [3], 'i32'),
      codes: Tensor.from([-128, 0, 127], [3], 'i8'),
      bytes: Tensor.from([0, 255], [2], 'u8'),
      scalar: Tensor.scalar(4),
      empty: Tensor.zeros([0, 3]),
    };
    const f = parseSafetensors(concat(serializeSafetensors(tensors, { version: '1', note: 'é' })));
    expect(f.metadata).toEqual({ version: '1', note: 'é' });
    for (const [name, t] of Object.entries(tensors)) {
      const r = f.tensors.get(name)!;
      expect([r.dtype, r.shape]).toEqual([t.dtype, t.shape]);
      expect(r.toArray()).toEqual(t.toArray());
    }
  });
  test('decodes F16 (incl. subnormal, Inf), BF16, F64, I64, U16, BOOL; loads only the names asked', () => {
    const f16 = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7c00];
    const bf16 = [0x3f80, 0xbfc0];
    const f64 = Buffer.alloc(16); f64.writeDoubleLE(0.1, 0); f64.writeDoubleLE(-3, 8);
    const i64 = Buffer.alloc(16); i64.writeBigInt64LE(5n, 0); i64.writeBigInt64LE(-7n, 8);
    const u16 = [0xffff];
    const data = [
      ...f16.flatMap((h) => [h & 255, h >> 8]), ...bf16.flatMap((h) => [h & 255, h >> 8]), ...f64, ...i64, ...u16.flatMap((h) => [h & 255, h >> 8]), 1, 0,
    ];
    const header = {
      h: { dtype: 'F16', shape: [6], data_offsets: [0, 12] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [12, 16] },
      d: { dtype: 'F64', shape: [2], data_offsets: [16, 32] },
      l: { dtype: 'I64', shape: [2, 1], data_offsets: [32, 48] },
      u: { dtype: 'U16', shape: [1], data_offsets: [48, 50] },
      o: { dtype: 'BOOL', shape: [2], data_offsets: [50, 52] },
    };
    const f = parseSafetensors(craft(header, data));
    expect(f.tensors.get('h')!.toArray()).toEqual([1, -2, 0.5, 65504, 2 ** -24, Infinity]);
    expect(f.tensors.get('b')!.toArray()).toEqual([1, -1.5]);
    expect(f.tensors.get('d')!.toArray()).toEqual([Math.fround(0.1), -3]);
    expect(f.tensors.get('l')!.dtype).toBe('i32');
    expect(f.tensors.get('l')!.toArray()).toEqual([5, -7]);
    expect(f.tensors.get('u')!.toArray()).toEqual([65535]);
    expect(f.tensors.get('o')!.toArray()).toEqual([1, 0]);
    expect([...parseSafetensors(craft(header, data), { names: ['b'] }).tensors.keys()]).toEqual(['b']);
    expect(() => parseSafetensors(craft(header, data), { names: ['nope'] })).toThrow(/no tensor named "nope"/);
  });
  test('an I64 outside the i32 range and an F8 tensor are named, not truncated', () => {
    const big = Buffer.alloc(8); big.writeBigInt64LE(1n << 40n);
    expectFormatError(craft({ big: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, [...big]), /"big" \(I64\) element 0 = 1099511627776 does not fit in i32/);
    expectFormatError(craft({ q: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, [0]), /"q" has dtype F8_E4M3, which flashlm cannot load/);
  });
  test('files: atomic write (no temp left behind, overwrite), read back, header only', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'st-'));
    const file = path.join(dir, 'model.safetensors');
    writeSafetensors(file, new Map([['a', Tensor.from([1, 2])]]));
    writeSafetensors(file, new Map([['a', Tensor.from([3, 4, 5])]]), { step: '7' });
    expect(fs.readdirSync(dir)).toEqual(['model.safetensors']);
    const r = readSafetensors(file);
    expect(r.tensors.get('a')!.toArray()).toEqual([3, 4, 5]);
    expect(r.tensors.get('a')!.name).toBe('a');
    expect(readSafetensorsHeader(file).metadata).toEqual({ step: '7' });
    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 30));
    expect(() => readSafetensors(file)).toThrow(/model\.safetensors: header length \d+ but only \d+ bytes follow/);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('corrupt files give a FormatError naming the problem', () => {
  const ok = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'U8', shape: [4], data_offsets: [8, 12] } };
  const data = Array.from({ length: 12 }, (_, i) => i);
  test('the valid base file loads', () => {
    expect(parseSafetensors(craft(ok, data)).tensors.size).toBe(2);
  });
  test('lengths: short file, absurd header length, header past the end', () => {
    expectFormatError(Uint8Array.from([1, 2, 3]), /3 bytes, fewer than the 8-byte header length/);
    expectFormatError(Uint8Array.from([...Array(8).fill(255), ...ascii('{}')]), /header length 18446744073709551615 exceeds the 100000000-byte limit/);
    expectFormatError(Uint8Array.from([...le64(1000), ...ascii('{}')]), /header length 1000 but only 2 bytes follow/);
  });
  test('header text: not UTF-8, not an object, bad JSON, duplicate keys', () => {
    expectFormatError(Uint8Array.from([...le64(4), 0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8/);
    expectFormatError(craft('[1,2]'), /must start with '\{'/);
    expectFormatError(craft('{"a":'), /header JSON: unexpected end/);
    expectFormatError(craft('{"a":1,}'), /header JSON: expected a string key/);
    expectFormatError(craft('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', [0, 0]), /duplicate key "a"/);
    expectFormatError(craft('{"a":{"dtype":"U8","dtype":"I8","shape":[1],"data_offsets":[0,1]}}', [0]), /duplicate key "dtype"/);
    expectFormatError(craft('{} x'), /trailing characters/);
    expectFormatError(craft('{"a":' + '['.repeat(100) + ']'.repeat(100) + '}'), /nesting deeper than 32/);
  });
  test('entries: unknown dtype, bad shape, bad offsets, size mismatch, metadata types', () => {
    expectFormatError(craft({ a: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, Array(16).fill(0)), /tensor "a": unknown dtype "F128"/);
    expectFormatError(craft({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, Array(4).fill(0)), /tensor "a": shape must be an array of non-negative integers/);
    expectFormatError(craft({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, Array(4).fill(0)), /shape must be/);
    expectFormatError(craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, Array(4).fill(0)), /data_offsets must be \[begin, end\]/);
    expectFormatError(craft({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, Array(4).fill(0)), /end before they begin/);
    expectFormatError(craft({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, Array(8).fill(0)), /shape \[3\] × F32 \(4 bytes\) needs 12 bytes, data_offsets \[0, 8\] give 8/);
    expectFormatError(craft({ a: 5 }), /tensor "a": entry must be an object/);
    expectFormatError(craft({ __metadata__: { k: 1 } }), /__metadata__\["k"\] must be a string/);
  });
  test('absurd shapes are rejected before any allocation', () => {
    const huge = { a: { dtype: 'F64', shape: [2 ** 52, 2 ** 52, 2 ** 52], data_offsets: [0, 8] } };
    expectFormatError(craft(huge, Array(8).fill(0)), /needs [0-9]+ bytes, data_offsets \[0, 8\] give 8/);
    const claimsMuch = { a: { dtype: 'F32', shape: [2 ** 40], data_offsets: [0, 2 ** 42] } };
    expectFormatError(craft(claimsMuch, Array(8).fill(0)), /ends past the data section \(8 bytes\): the file is truncated/);
  });
  test('layout: overlap, gap, not starting at 0, truncated data, trailing bytes', () => {
    expectFormatError(craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, data), /tensor "b" \[4, 12\) overlaps tensor "a" \[0, 8\)/);
    expectFormatError(craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, data), /tensor "b" \[8, 12\) leaves a gap of 4 bytes after tensor "a"/);
    expectFormatError(craft({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, Array(8).fill(0)), /gap of 4 bytes after the start of the data/);
    expectFormatError(craft(ok, data.slice(0, 10)), /tensor "b" \[8, 12\) ends past the data section \(10 bytes\): the file is truncated/);
    expectFormatError(craft(ok, [...data, 0, 0]), /cover 12 data bytes but the file holds 14 after the header \(trailing bytes\)/);
  });
  test('every truncation of a valid file, and 3000 random byte flips, give a FormatError or a valid load', () => {
    const good = craft(ok, data);
    for (let n = 0; n < good.byteLength; n++) expect(() => parseSafetensors(good.subarray(0, n))).toThrow(expect.objectContaining({ name: 'FormatError' }));
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let errors = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const bad = Uint8Array.from(good);
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) bad[Math.floor(rand() * bad.byteLength)] = Math.floor(rand() * 256);
      try {
        parseSafetensors(bad).tensors.forEach((t) => t.dispose());
      } catch (e) {
        errors++;
        expect((e as Error).name).toBe('FormatError');
      }
    }
    expect(errors).toBeGreaterThan(100);
  });
});
