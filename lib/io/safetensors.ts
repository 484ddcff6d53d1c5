// safetensors read/write (huggingface/safetensors README + safetensors/src/tensor.rs): an 8-byte
// little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}, "__metadata__":
// {string: string}}, then the data. The reader treats every file as hostile: it validates the whole
// header against the file size before allocating anything, so a corrupt file gives a FormatError naming
// what is wrong and never a crash or an absurd allocation. The writer is byte-identical to the reference.
import * as fs from 'node:fs';
import * as os from 'node:os';

import { FormatError } from '../errors';
import { DType } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { writeFileAtomic } from './atomic';
import { parseStrictJson } from './strict-json';
import type { JsonValue } from './strict-json';

/** Every dtype of the format, in the reference's enum order (the writer sorts by it, descending). */
export const SAFETENSORS_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64'] as const;
export type SafetensorsDType = (typeof SAFETENSORS_DTYPES)[number];

const ELEMENT_BYTES: Record<SafetensorsDType, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

/** The reference refuses headers over 100 MB (a JSON bomb guard); so do we. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor's entry; begin/end are byte offsets into the data section (after the header). */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** Entries in data order. */
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** N, the JSON header's length in bytes. */
  headerBytes: number;
  /** File offset of the data section (8 + N). */
  dataStart: number;
}

/** Random access to the bytes of a file or a buffer. */
interface ByteSource {
  readonly size: number;
  read(offset: number, into: Uint8Array): void;
}

function bufferSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.byteLength, read: (offset, into) => into.set(bytes.subarray(offset, offset + into.byteLength)) };
}

function fileSource(fd: number, file: string): ByteSource {
  const size = fs.fstatSync(fd).size;
  return {
    size,
    read(offset, into) {
      let done = 0;
      while (done < into.byteLength) {
        const n = fs.readSync(fd, into, done, into.byteLength - done, offset + done);
        if (n === 0) throw new FormatError(`${file}: file shrank while reading (expected ${into.byteLength} bytes at ${offset})`);
        done += n;
      }
    },
  };
}

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads and validates the header of `src`; `where` prefixes every message (the file name). */
function readHeader(src: ByteSource, where: string): SafetensorsHeader {
  const bad = (msg: string): never => {
    throw new FormatError(`${where}: ${msg}`);
  };
  if (src.size < 8) bad(`file has ${src.size} bytes, fewer than the 8-byte header length (truncated or not a safetensors file)`);
  const prefix = new Uint8Array(8);
  src.read(0, prefix);
  const n64 = new DataView(prefix.buffer).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) bad(`header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
  const n = Number(n64);
  if (8 + n > src.size) bad(`header length ${n} but only ${src.size - 8} bytes follow the length field (truncated file)`);
  if (n < 2) bad(`header length ${n} is too small for a JSON object`);
  const raw = new Uint8Array(n);
  src.read(8, raw);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch {
    return bad('header is not valid UTF-8');
  }
  if (text[0] !== '{') bad(`header must start with '{', got ${JSON.stringify(text.slice(0, 8))}`);
  const json = parseStrictJson(text, `${where}: header JSON`);
  if (!isObject(json)) return bad('header is not a JSON object');

  const metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const name of Object.keys(json)) {
    const info = json[name];
    if (name === '__metadata__') {
      if (!isObject(info)) bad('__metadata__ must be an object of string values');
      for (const [k, v] of Object.entries(info as object)) {
        if (typeof v !== 'string') bad(`__metadata__[${JSON.stringify(k)}] must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v as string;
      }
      continue;
    }
    const t = `tensor ${JSON.stringify(name)}`;
    if (!isObject(info)) bad(`${t}: entry must be an object {dtype, shape, data_offsets}`);
    const { dtype, shape, data_offsets: offs } = info as { [k: string]: JsonValue };
    if (typeof dtype !== 'string' || !(SAFETENSORS_DTYPES as readonly string[]).includes(dtype))
      bad(`${t}: unknown dtype ${JSON.stringify(dtype)} (known: ${SAFETENSORS_DTYPES.join(', ')})`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0))
      bad(`${t}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && (o as number) >= 0))
      bad(`${t}: data_offsets must be [begin, end] with non-negative integers, got ${JSON.stringify(offs)}`);
    const [begin, end] = offs as number[];
    if (end < begin) bad(`${t}: data_offsets [${begin}, ${end}] end before they begin`);
    // element count × size in BigInt: a hostile shape must not overflow into a plausible size
    const bytes = (shape as number[]).reduce((a, d) => a * BigInt(d), 1n) * BigInt(ELEMENT_BYTES[dtype as SafetensorsDType]);
    if (bytes !== BigInt(end - begin))
      bad(`${t}: shape [${(shape as number[]).join(', ')}] × ${dtype} (${ELEMENT_BYTES[dtype as SafetensorsDType]} bytes) needs ${bytes} bytes, data_offsets [${begin}, ${end}] give ${end - begin}`);
    entries.push({ name, dtype: dtype as SafetensorsDType, shape: shape as number[], begin, end });
  }

  // The data section must be covered exactly: sorted by offsets, each tensor starts where the previous
  // ended (no gap, no overlap), and the last ends at the end of the file (tensor.rs: validate()).
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataBytes = src.size - 8 - n;
  let pos = 0;
  let prev: SafetensorsEntry | null = null;
  for (const e of entries) {
    const who = `tensor ${JSON.stringify(e.name)} [${e.begin}, ${e.end})`;
    if (e.begin < pos) bad(`${who} overlaps ${prev ? `tensor ${JSON.stringify(prev.name)} [${prev.begin}, ${prev.end})` : 'the previous tensor'}`);
    if (e.begin > pos) bad(`${who} leaves a gap of ${e.begin - pos} bytes after ${prev ? `tensor ${JSON.stringify(prev.name)}` : 'the start of the data'}`);
    if (e.end > dataBytes) bad(`${who} ends past the data section (${dataBytes} bytes): the file is truncated`);
    pos = e.end;
    prev = e;
  }
  if (pos !== dataBytes) bad(`the tensors cover ${pos} data bytes but the file holds ${dataBytes} after the header (trailing bytes)`);
  return { entries, metadata, headerBytes: n, dataStart: 8 + n };
}

/** The flashlm dtype a safetensors dtype loads as; F16/BF16/F64 widen or round to f32. */
function loadDtypeOf(d: SafetensorsDType): DType | null {
  switch (d) {
    case 'F32': case 'F16': case 'BF16': case 'F64': return 'f32';
    case 'I32': case 'I64': case 'U32': case 'U64': case 'I16': case 'U16': return 'i32';
    case 'I8': return 'i8';
    case 'U8': case 'BOOL': return 'u8';
    default: return null; // F8 variants: valid in the format, no flashlm dtype
  }
}

function f16ToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** Converts raw little-endian bytes of `e` into the tensor `t` (already allocated, right size). */
function decodeInto(e: SafetensorsEntry, raw: Uint8Array, t: Tensor, where: string): void {
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = t.data;
  const n = t.size;
  const intRange = (v: bigint | number, i: number) => {
    if (v < -2147483648 || v > 2147483647) throw new FormatError(`${where}: tensor ${JSON.stringify(e.name)} (${e.dtype}) element ${i} = ${v} does not fit in i32`);
    return Number(v);
  };
  switch (e.dtype) {
    case 'F16': for (let i = 0; i < n; i++) out[i] = f16ToF32(dv.getUint16(2 * i, true)); return;
    case 'BF16': {
      const f = new Float32Array(1);
      const u = new Uint32Array(f.buffer);
      for (let i = 0; i < n; i++) { u[0] = dv.getUint16(2 * i, true) << 16; out[i] = f[0]; }
      return;
    }
    case 'F64': for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true); return;
    case 'I64': for (let i = 0; i < n; i++) out[i] = intRange(dv.getBigInt64(8 * i, true), i); return;
    case 'U64': for (let i = 0; i < n; i++) out[i] = intRange(dv.getBigUint64(8 * i, true), i); return;
    case 'U32': for (let i = 0; i < n; i++) out[i] = intRange(dv.getUint32(4 * i, true), i); return;
    case 'I16': for (let i = 0; i < n; i++) out[i] = dv.getInt16(2 * i, true); return;
    case 'U16': for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, true); return;
    default: new Uint8Array(out.buffer, out.byteOffset, raw.byteLength).set(raw); // same layout
  }
}

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
  header: SafetensorsHeader;
}

function readAll(src: ByteSource, where: string, names?: readonly string[]): SafetensorsFile {
  const header = readHeader(src, where);
  const wanted = names === undefined ? null : new Set(names);
  if (wanted) for (const w of wanted) if (!header.entries.some((e) => e.name === w)) throw new FormatError(`${where}: no tensor named ${JSON.stringify(w)}`);
  const tensors = new Map<string, Tensor>();
  try {
    for (const e of header.entries) {
      if (wanted && !wanted.has(e.name)) continue;
      const dt = loadDtypeOf(e.dtype);
      if (dt === null) throw new FormatError(`${where}: tensor ${JSON.stringify(e.name)} has dtype ${e.dtype}, which flashlm cannot load`);
      const t = Tensor.empty(e.shape, dt);
      tensors.set(e.name, t);
      const direct = e.dtype === 'F32' || e.dtype === 'I32' || e.dtype === 'I8' || e.dtype === 'U8' || e.dtype === 'BOOL';
      const raw = direct ? new Uint8Array(t.data.buffer, t.data.byteOffset, e.end - e.begin) : new Uint8Array(e.end - e.begin);
      src.read(header.dataStart + e.begin, raw);
      if (!direct) decodeInto(e, raw, t, where);
      t.name = e.name;
    }
  } catch (err) {
    for (const t of tensors.values()) t.dispose();
    throw err;
  }
  return { tensors, metadata: header.metadata, header };
}

function checkHost(): void {
  if (os.endianness() !== 'LE') throw new FormatError('safetensors: this reader/writer needs a little-endian host');
}

/**
 * Reads a safetensors file (or only `names`) into tensors by name, validating the header first.
 * F16/BF16/F64 load as f32, integer types as i32 (an out-of-range I64 is an error), I8 as i8, U8/BOOL as u8.
 *
 * @example
 * const { tensors, metadata } = readSafetensors('run/model.safetensors');
 * model.loadStateDict(tensors);
 */
export function readSafetensors(file: string, options: { names?: readonly string[] } = {}): SafetensorsFile {
  checkHost();
  const fd = fs.openSync(file, 'r');
  try {
    return readAll(fileSource(fd, file), file, options.names);
  } finally {
    fs.closeSync(fd);
  }
}

/** The validated header of a file, without reading any tensor data. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  const fd = fs.openSync(file, 'r');
  try {
    return readHeader(fileSource(fd, file), file);
  } finally {
    fs.closeSync(fd);
  }
}

/** Like readSafetensors, from bytes in memory. */
export function parseSafetensors(bytes: Uint8Array, options: { names?: readonly string[]; where?: string } = {}): SafetensorsFile {
  checkHost();
  return readAll(bufferSource(bytes), options.where ?? 'safetensors', options.names);
}

const WRITE_DTYPE: Record<DType, SafetensorsDType> = { f32: 'F32', i32: 'I32', i8: 'I8', u8: 'U8' };
const dtypeRank = (d: SafetensorsDType) => SAFETENSORS_DTYPES.indexOf(d);

type TensorsIn = Map<string, Tensor> | Record<string, Tensor> | Iterable<[string, Tensor]>;

/**
 * The header and data chunks of a safetensors file, laid out as the reference serialize() does:
 * tensors sorted by dtype (widest first, so each stays aligned) then name (UTF-8 bytes), metadata
 * first with sorted keys, and the JSON padded with spaces to a multiple of 8 bytes.
 */
export function serializeSafetensors(tensors: TensorsIn, metadata: Record<string, string> = {}): Uint8Array[] {
  checkHost();
  const list: [string, Tensor][] = tensors instanceof Map ? [...tensors] : Symbol.iterator in Object(tensors) ? [...(tensors as Iterable<[string, Tensor]>)] : Object.entries(tensors);
  const names = new Set<string>();
  for (const [name, t] of list) {
    if (names.has(name)) throw new FormatError(`serializeSafetensors: duplicate tensor name ${JSON.stringify(name)}`);
    if (name === '__metadata__') throw new FormatError('serializeSafetensors: "__metadata__" is reserved and cannot name a tensor');
    names.add(name);
    if (!(t instanceof Tensor)) throw new TypeError(`serializeSafetensors: ${JSON.stringify(name)} is not a Tensor`);
  }
  for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new TypeError(`serializeSafetensors: metadata[${JSON.stringify(k)}] must be a string`);
  const byteKey = (s: string) => Buffer.from(s, 'utf8');
  list.sort(([an, a], [bn, b]) => dtypeRank(WRITE_DTYPE[b.dtype]) - dtypeRank(WRITE_DTYPE[a.dtype]) || Buffer.compare(byteKey(an), byteKey(bn)));
  const header: Record<string, unknown> = {};
  const metaKeys = Object.keys(metadata).sort();
  if (metaKeys.length > 0) header.__metadata__ = Object.fromEntries(metaKeys.map((k) => [k, metadata[k]]));
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of list) {
    const d = t.data;
    const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    header[name] = { dtype: WRITE_DTYPE[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.byteLength] };
    offset += bytes.byteLength;
    chunks.push(bytes);
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.byteLength % 8)) % 8;
  if (pad > 0) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  return [prefix, json, ...chunks];
}

/**
 * Writes tensors (f32, i32, i8, u8) and string metadata to `file` atomically (temp file, fsync, rename).
 *
 * @example
 * writeSafetensors('run/model.safetensors', model.stateDict(), { format: 'pt' });
 */
export function writeSafetensors(file: string, tensors: TensorsIn, metadata: Record<string, string> = {}): void {
  writeFileAtomic(file, serializeSafetensors(tensors, metadata));
}
