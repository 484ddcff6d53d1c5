// The metrics log of a run: one Apache Arrow table in `metrics.arrow`, streamed as the run goes.
// Layout: the Arrow IPC *file* format (Feather v2; pandas.read_feather, pyarrow.ipc.open_file) written
// incrementally — magic, schema message, one record batch per flush, and on close the footer. Until
// close the file is magic + an IPC stream (pyarrow.ipc.open_stream reads it from byte 8); readMetrics
// reads every complete batch of such a file and says what it dropped (research/ecosystem.md §3).
// One schema holds both kinds of row: `kind` is 'train' or 'eval'; the other kind's columns are null.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { AsyncByteQueue, Field, Float64, Int32, Message, MessageHeader, MetadataVersion, RecordBatch, RecordBatchStreamWriter, Schema, Struct, Table, Utf8, makeData, tableFromIPC, vectorFromArray } from 'apache-arrow';
import { FileBlock, Footer } from 'apache-arrow/ipc/metadata/file';

import { FormatError } from '../errors';
import { writeFileAtomic } from './atomic';

/** Columns every row has. `tokens` is float64 (exact below 2^53) so JS reads plain numbers, not bigints. */
export const COMMON_COLUMNS = ['kind', 'step', 'tokens', 'elapsed_s'] as const;
/** Per-step columns (null on eval rows). */
export const TRAIN_COLUMNS = ['loss', 'lr', 'grad_norm', 'tokens_per_s'] as const;
/** Per-evaluation columns (null on train rows); names follow lib/eval/metrics (spec S10). */
export const EVAL_COLUMNS = ['eval_loss', 'eval_ppl', 'eval_bits_per_token', 'eval_bits_per_char', 'eval_bits_per_byte', 'eval_tokens'] as const;
/** Schema metadata key and version: a reader can tell a flashlm metrics table and its layout. */
export const METRICS_VERSION_KEY = 'flashlm.metrics';
export const METRICS_VERSION = '1';

const MAGIC = Uint8Array.from([0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]); // "ARROW1"

export type MetricsValue = number | null | undefined;
export type TrainRow = { step: number; tokens: number; elapsed_s: number } & Partial<Record<(typeof TRAIN_COLUMNS)[number], MetricsValue>> & Record<string, MetricsValue>;
export type EvalRow = { step: number; tokens: number; elapsed_s: number } & Partial<Record<(typeof EVAL_COLUMNS)[number], MetricsValue>> & Record<string, MetricsValue>;

export interface MetricsWriterOptions {
  /** More float64 columns (nullable), after the standard ones: e.g. 'aux_loss', 'rss_mb'. */
  extraColumns?: readonly string[];
  /** Flush after this many buffered rows (default 100)… */
  flushEveryRows?: number;
  /** …or when the oldest buffered row is this old, checked on each log call (default 10 s). */
  flushEverySeconds?: number;
  /** fsync after every flush (default true): a crash then loses at most the unflushed rows. */
  fsync?: boolean;
  /** Schema metadata (string → string), e.g. the run's name and flashlm version. */
  metadata?: Record<string, string>;
  /** Milliseconds clock for the time-based flush (tests inject one). */
  now?: () => number;
}

/** Collects the bytes the Arrow writer emits, synchronously (the writer's default sink is async). */
class CaptureSink extends AsyncByteQueue {
  chunks: Uint8Array[] = [];
  override write(value: Uint8Array | ArrayBufferView | ArrayBuffer): void {
    const u8 = value instanceof Uint8Array ? value : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value);
    if (u8.byteLength > 0) this.chunks.push(u8.slice());
  }
  take(): Uint8Array {
    const out = Buffer.concat(this.chunks);
    this.chunks = [];
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
}

/** The schema for a set of extra columns. */
export function metricsSchema(extraColumns: readonly string[] = [], metadata: Record<string, string> = {}): Schema {
  const names = new Set<string>([...COMMON_COLUMNS, ...TRAIN_COLUMNS, ...EVAL_COLUMNS]);
  for (const c of extraColumns) {
    if (names.has(c)) throw new RangeError(`metricsSchema: extra column '${c}' is already a column`);
    names.add(c);
  }
  const fields = [
    new Field('kind', new Utf8(), false),
    new Field('step', new Int32(), false),
    new Field('tokens', new Float64(), false),
    new Field('elapsed_s', new Float64(), false),
    ...[...TRAIN_COLUMNS, ...EVAL_COLUMNS, ...extraColumns].map((c) => new Field(c, new Float64(), true)),
  ];
  return new Schema(fields, new Map(Object.entries({ ...metadata, [METRICS_VERSION_KEY]: METRICS_VERSION })));
}

type Row = { kind: 'train' | 'eval' } & Record<string, unknown>;

/**
 * Streams metrics rows to an Arrow file. Rows are buffered and written as one record batch per flush
 * (every N rows or T seconds; eval rows at once), appended with a single write and fsynced.
 *
 * @example
 * const m = MetricsWriter.create('runs/a/metrics.arrow');
 * m.logTrain({ step: 1, tokens: 4096, elapsed_s: 0.5, loss: 6.9, lr: 3e-4, grad_norm: 1.2, tokens_per_s: 8192 });
 * m.logEval({ step: 1, tokens: 4096, elapsed_s: 0.7, eval_loss: 6.8 });
 * m.close(); // writes the footer: the file is now a complete Arrow/Feather file
 */
export class MetricsWriter {
  readonly schema: Schema;
  private readonly writer = new RecordBatchStreamWriter();
  private readonly sink = new CaptureSink();
  private readonly blocks: FileBlock[] = [];
  private pending: Row[] = [];
  private pendingSince = 0;
  private fd: number | null;
  private bytes: number;
  private readonly opts: Required<Omit<MetricsWriterOptions, 'extraColumns' | 'metadata'>>;
  /** Rows written to disk so far. */
  rowsWritten = 0;

  private constructor(readonly file: string, schema: Schema, options: MetricsWriterOptions, initialRows: Row[]) {
    this.schema = schema;
    this.opts = { flushEveryRows: options.flushEveryRows ?? 100, flushEverySeconds: options.flushEverySeconds ?? 10, fsync: options.fsync ?? true, now: options.now ?? Date.now };
    if (!(Number.isSafeInteger(this.opts.flushEveryRows) && this.opts.flushEveryRows >= 1)) throw new RangeError(`MetricsWriter: flushEveryRows must be an integer >= 1, got ${this.opts.flushEveryRows}`);
    if (!(this.opts.flushEverySeconds >= 0)) throw new RangeError(`MetricsWriter: flushEverySeconds must be >= 0, got ${this.opts.flushEverySeconds}`);
    // magic + padding + schema (+ the carried-over rows of a resumed run), written atomically
    this.writer.reset(this.sink, schema);
    const head = concatBytes([MAGIC, new Uint8Array(2), this.sink.take()]);
    const first = initialRows.length > 0 ? this.encode(initialRows, head.byteLength) : new Uint8Array(0);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, [head, first]);
    this.rowsWritten = initialRows.length;
    this.bytes = head.byteLength + first.byteLength;
    this.fd = fs.openSync(file, 'r+');
  }

  /** Starts a new metrics file at `file` (replacing any file there). */
  static create(file: string, options: MetricsWriterOptions = {}): MetricsWriter {
    return new MetricsWriter(file, metricsSchema(options.extraColumns, options.metadata), options, []);
  }

  /**
   * Continues the metrics of a resumed run: keeps the complete rows of the existing file whose step is
   * at most `keepUpToStep` (the checkpoint's step; later rows are re-logged by the resumed run), rewrites
   * them atomically, and appends from there. The existing file's columns must match `extraColumns`.
   */
  static resume(file: string, options: MetricsWriterOptions & { keepUpToStep?: number } = {}): MetricsWriter {
    const { table } = readMetrics(file);
    const schema = metricsSchema(options.extraColumns, options.metadata);
    const have = table.schema.fields.map((f) => f.name).join(', ');
    const want = schema.fields.map((f) => f.name).join(', ');
    if (have !== want) throw new FormatError(`MetricsWriter.resume: ${file} has columns (${have}), expected (${want})`);
    const keep: Row[] = [];
    for (let i = 0; i < table.numRows; i++) {
      const r = table.get(i)!.toJSON() as Row;
      if (options.keepUpToStep === undefined || (r.step as number) <= options.keepUpToStep) keep.push(r);
    }
    return new MetricsWriter(file, schema, options, keep);
  }

  logTrain(row: TrainRow): void {
    this.log('train', row);
  }

  /** Logs an evaluation and flushes at once (evaluations are rare and worth keeping). */
  logEval(row: EvalRow): void {
    this.log('eval', row);
    this.flush();
  }

  private log(kind: 'train' | 'eval', row: Record<string, MetricsValue>): void {
    if (this.fd === null) throw new Error(`MetricsWriter: ${this.file} is closed`);
    const allowed = kind === 'train' ? EVAL_COLUMNS : TRAIN_COLUMNS;
    for (const [k, v] of Object.entries(row)) {
      if (this.schema.fields.findIndex((f) => f.name === k) < 0 || k === 'kind') throw new RangeError(`MetricsWriter.log: unknown column '${k}' (declare it in extraColumns)`);
      if ((allowed as readonly string[]).includes(k) && v != null) throw new RangeError(`MetricsWriter.log: '${k}' is ${kind === 'train' ? 'an eval' : 'a train'} column, not allowed on ${kind === 'train' ? 'a train' : 'an eval'} row`);
      if (v != null && typeof v !== 'number') throw new TypeError(`MetricsWriter.log: '${k}' must be a number or null, got ${typeof v}`);
    }
    if (!Number.isSafeInteger(row.step) || (row.step as number) < 0 || (row.step as number) > 0x7fffffff) throw new RangeError(`MetricsWriter.log: step must be an integer in [0, 2^31), got ${row.step}`);
    for (const k of ['tokens', 'elapsed_s'] as const) if (typeof row[k] !== 'number') throw new TypeError(`MetricsWriter.log: '${k}' is required (a number), got ${row[k]}`);
    if (this.pending.length === 0) this.pendingSince = this.opts.now();
    this.pending.push({ ...row, kind });
    if (this.pending.length >= this.opts.flushEveryRows || this.opts.now() - this.pendingSince >= this.opts.flushEverySeconds * 1000) this.flush();
  }

  /** Writes buffered rows as one record batch (appended, then fsynced unless disabled). */
  flush(): void {
    if (this.fd === null || this.pending.length === 0) return;
    const bytes = this.encode(this.pending, this.bytes);
    writeAllSync(this.fd, bytes, this.bytes);
    if (this.opts.fsync) fs.fsyncSync(this.fd);
    this.bytes += bytes.byteLength;
    this.rowsWritten += this.pending.length;
    this.pending = [];
  }

  /** Encodes rows as one record batch message and records its block for the footer. */
  private encode(rows: Row[], fileOffset: number): Uint8Array {
    const children = this.schema.fields.map((f) => {
      const values = rows.map((r) => (r[f.name] === undefined ? null : r[f.name]));
      return (f.name === 'step' ? vectorFromArray(Int32Array.from(values as number[])) : vectorFromArray(values, f.type)).data[0];
    });
    const batch = new RecordBatch(this.schema, makeData({ type: new Struct(this.schema.fields), length: rows.length, nullCount: 0, children }));
    this.writer.write(batch);
    const bytes = this.sink.take();
    // encapsulated message: 0xFFFFFFFF, int32 metadata length (padded), metadata, then the body
    const metaDataLength = 8 + new DataView(bytes.buffer, bytes.byteOffset).getInt32(4, true);
    this.blocks.push(new FileBlock(metaDataLength, bytes.byteLength - metaDataLength, fileOffset));
    return bytes;
  }

  /** Flushes, then writes the end-of-stream marker, the footer and the closing magic. Idempotent. */
  close(): void {
    if (this.fd === null) return;
    this.flush();
    const footer = Footer.encode(new Footer(this.schema, MetadataVersion.V5, this.blocks, []));
    const len = new Uint8Array(4);
    new DataView(len.buffer).setInt32(0, footer.byteLength, true);
    const tail = concatBytes([Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]), footer, len, MAGIC]);
    writeAllSync(this.fd, tail, this.bytes);
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = null;
  }
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const b = Buffer.concat(parts);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

function writeAllSync(fd: number, bytes: Uint8Array, position: number): void {
  let off = 0;
  while (off < bytes.byteLength) off += fs.writeSync(fd, bytes, off, bytes.byteLength - off, position + off);
}

export interface MetricsReadResult {
  table: Table;
  /**
   * 'complete': closed with its footer. 'in-progress': no footer yet but every batch is whole (a run
   * still writing, or one that stopped between flushes). 'truncated': cut mid-message (a crash while
   * writing); the partial message was dropped.
   */
  status: 'complete' | 'in-progress' | 'truncated';
  /** Bytes at the end that were not read (a partial message, a torn footer). */
  droppedBytes: number;
  /** What happened, in words, when status is not 'complete'. */
  note: string | null;
}

/**
 * Reads a metrics file (or any Arrow IPC file or stream) into a Table, recovering every complete
 * record batch of a file that is still being written or was cut off by a crash.
 *
 * @example
 * const { table, status } = readMetrics('runs/a/metrics.arrow');
 * const losses = table.getChild('loss')!.toArray();
 */
export function readMetrics(file: string): MetricsReadResult {
  const bytes = new Uint8Array(fs.readFileSync(file));
  const n = bytes.byteLength;
  const hasMagicAt = (at: number) => at >= 0 && at + 6 <= n && MAGIC.every((b, i) => bytes[at + i] === b);
  let streamStart: number;
  if (hasMagicAt(0)) {
    if (n >= 18 && hasMagicAt(n - 6)) {
      try {
        return { table: tableFromIPC(bytes), status: 'complete', droppedBytes: 0, note: null };
      } catch {
        // a torn footer: fall back to reading the stream after the magic
      }
    }
    streamStart = 8;
  } else if (n >= 4 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff) {
    streamStart = 0; // the plain stream format (.arrows)
  } else {
    throw new FormatError(`${file}: not an Arrow IPC file (no ARROW1 magic, no stream continuation marker)`);
  }
  // Walk the encapsulated messages; stop at end of stream, end of file, or the first incomplete one.
  const dv = new DataView(bytes.buffer, bytes.byteOffset, n);
  let pos = streamStart;
  let sawSchema = false;
  let status: MetricsReadResult['status'] = 'in-progress';
  let why = '';
  for (;;) {
    if (pos === n) break;
    if (pos + 8 > n) { status = 'truncated'; why = 'a message prefix is cut off'; break; }
    if (dv.getInt32(pos, true) !== -1) { status = 'truncated'; why = `no continuation marker at byte ${pos}`; break; }
    const metaLen = dv.getInt32(pos + 4, true);
    if (metaLen === 0) { why = 'end-of-stream marker found but the footer is missing or torn'; break; }
    if (metaLen < 0 || pos + 8 + metaLen > n) { status = 'truncated'; why = 'a message header is cut off'; break; }
    let msg: Message;
    try {
      msg = Message.decode(bytes.subarray(pos + 8, pos + 8 + metaLen));
    } catch {
      status = 'truncated';
      why = `unreadable message header at byte ${pos}`;
      break;
    }
    const body = Number(msg.bodyLength);
    if (!(body >= 0) || pos + 8 + metaLen + body > n) { status = 'truncated'; why = 'a record batch body is cut off'; break; }
    if (msg.headerType === MessageHeader.Schema) sawSchema = true;
    pos += 8 + metaLen + body;
  }
  if (!sawSchema) throw new FormatError(`${file}: no complete schema message (the file is cut off at ${n} bytes, or is not a metrics file)`);
  const stream = concatBytes([bytes.subarray(streamStart, pos), Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])]);
  const table = tableFromIPC(stream);
  const droppedBytes = n - pos;
  const note = status === 'truncated'
    ? `${file}: cut off mid-write (${why}); read ${table.numRows} rows from the complete batches and ignored the last ${droppedBytes} bytes`
    : `${file}: no footer (${why || 'still being written, or the run stopped before closing it'}); read ${table.numRows} rows from the complete batches`;
  return { table, status, droppedBytes, note };
}
