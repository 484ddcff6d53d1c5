// metrics.arrow: round trip, the Arrow file layout (footer blocks random-accessible), incremental reads
// while a run writes, row/time flush policy, crash truncation at every byte, torn footer, resume.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { RecordBatchFileReader, RecordBatchReader } from 'apache-arrow';

import { EVAL_COLUMNS, MetricsWriter, TRAIN_COLUMNS, readMetrics } from '../../lib/io/arrow-metrics';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metrics-'));
afterAll(() => fs.rmSync(dir, { recursive: true }));
let n = 0;
const fresh = () => path.join(dir, `run${n++}`, 'metrics.arrow');

const trainRow = (s: number) => ({ step: s, tokens: s * 4096, elapsed_s: s * 0.25, loss: 7 - s / 64, lr: 3e-4 * Math.min(1, s / 10), grad_norm: 1 + 1 / s, tokens_per_s: 16384 + s });

describe('metrics.arrow', () => {
  test('round trip: train and eval rows in one table, other kind null, extra columns, schema metadata', () => {
    const file = fresh();
    const m = MetricsWriter.create(file, { extraColumns: ['rss_mb'], metadata: { run: 'test' } });
    for (let s = 1; s <= 25; s++) m.logTrain({ ...trainRow(s), rss_mb: s === 5 ? 123.5 : undefined });
    m.logEval({ step: 25, tokens: 25 * 4096, elapsed_s: 7, eval_loss: 5.5, eval_ppl: Math.exp(5.5), eval_bits_per_token: 5.5 / Math.LN2, eval_bits_per_char: 1.9, eval_bits_per_byte: 1.8, eval_tokens: 10240 });
    m.logTrain({ ...trainRow(26), loss: NaN });
    m.close();
    m.close(); // idempotent
    const { table, status, note } = readMetrics(file);
    expect([status, note]).toEqual(['complete', null]);
    expect(table.numRows).toBe(27);
    expect(table.schema.fields.map((f) => f.name)).toEqual(['kind', 'step', 'tokens', 'elapsed_s', ...TRAIN_COLUMNS, ...EVAL_COLUMNS, 'rss_mb']);
    expect(table.schema.metadata.get('run')).toBe('test');
    expect(table.schema.metadata.get('flashlm.metrics')).toBe('1');
    const row = (i: number) => table.get(i)!.toJSON() as Record<string, unknown>;
    expect(row(0)).toMatchObject({ kind: 'train', ...trainRow(1), eval_loss: null, rss_mb: null });
    expect(row(4).rss_mb).toBe(123.5);
    expect(row(25)).toMatchObject({ kind: 'eval', step: 25, loss: null, lr: null, eval_loss: 5.5, eval_tokens: 10240 });
    expect(Number.isNaN(row(26).loss)).toBe(true);
    expect(Array.from(table.getChild('lr')!.toArray() as Float64Array).slice(0, 25)).toEqual(Array.from({ length: 25 }, (_, i) => trainRow(i + 1).lr));
  });

  test('file layout: ARROW1 at both ends, one footer block per flush, each readable by random access', () => {
    const file = fresh();
    const m = MetricsWriter.create(file, { flushEveryRows: 10 });
    for (let s = 1; s <= 35; s++) m.logTrain(trainRow(s));
    m.close();
    const bytes = fs.readFileSync(file);
    expect(bytes.subarray(0, 6).toString()).toBe('ARROW1');
    expect(bytes.subarray(bytes.length - 6).toString()).toBe('ARROW1');
    const reader = RecordBatchReader.from(new Uint8Array(bytes));
    expect(reader).toBeInstanceOf(RecordBatchFileReader);
    const fr = (reader as RecordBatchFileReader).open();
    expect(fr.numRecordBatches).toBe(4);
    expect([3, 0, 2, 1].map((i) => fr.readRecordBatch(i)!.numRows)).toEqual([5, 10, 10, 10]);
    expect(fr.readRecordBatch(3)!.get(0)!.toJSON().step).toBe(31);
  });

  test('incremental reads while writing see every flushed row (flush every 4 rows)', () => {
    const file = fresh();
    const m = MetricsWriter.create(file, { flushEveryRows: 4 });
    expect(readMetrics(file).table.numRows).toBe(0);
    for (let s = 1; s <= 14; s++) {
      m.logTrain(trainRow(s));
      const r = readMetrics(file);
      expect(r.status).toBe('in-progress');
      expect(r.table.numRows).toBe(Math.floor(s / 4) * 4);
      expect(r.table.numRows).toBe(m.rowsWritten);
    }
    m.logEval({ step: 14, tokens: 1, elapsed_s: 1, eval_loss: 3 }); // an eval flushes at once
    expect(readMetrics(file).table.numRows).toBe(15);
    m.close();
  });

  test('time-based flush: rows older than flushEverySeconds go out on the next log call', () => {
    let now = 0;
    const file = fresh();
    const m = MetricsWriter.create(file, { flushEveryRows: 1000, flushEverySeconds: 10, now: () => now });
    m.logTrain(trainRow(1));
    now = 5000;
    m.logTrain(trainRow(2));
    expect(readMetrics(file).table.numRows).toBe(0);
    now = 10_000;
    m.logTrain(trainRow(3));
    expect(readMetrics(file).table.numRows).toBe(3);
    m.close();
  });

  test('a file cut at any byte reads its complete batches and says what it dropped', () => {
    const file = fresh();
    const m = MetricsWriter.create(file, { flushEveryRows: 5, fsync: false });
    const ends: number[] = [fs.statSync(file).size]; // file size after the schema, then after each batch
    for (let s = 1; s <= 15; s++) {
      m.logTrain(trainRow(s));
      if (s % 5 === 0) ends.push(fs.statSync(file).size);
    }
    const full = fs.readFileSync(file);
    m.close();
    const cut = path.join(dir, 'cut.arrow');
    for (let len = 0; len <= full.length; len++) {
      fs.writeFileSync(cut, full.subarray(0, len));
      if (len < ends[0]) {
        expect(() => readMetrics(cut)).toThrow(len < 4 ? /not an Arrow IPC file/ : /no complete schema message|not an Arrow IPC file/);
        continue;
      }
      const r = readMetrics(cut);
      const whole = ends.filter((e) => e <= len).length - 1;
      expect(r.table.numRows).toBe(whole * 5);
      expect(r.status).toBe(ends.includes(len) ? 'in-progress' : 'truncated');
      expect(r.droppedBytes).toBe(len - ends[whole]);
      if (r.status === 'truncated') expect(r.note).toMatch(/cut off mid-write .*read \d+ rows from the complete batches and ignored the last \d+ bytes/);
    }
  });

  test('a torn footer still gives every row', () => {
    const file = fresh();
    const m = MetricsWriter.create(file);
    for (let s = 1; s <= 12; s++) m.logTrain(trainRow(s));
    m.close();
    const full = fs.readFileSync(file);
    const torn = path.join(dir, 'torn.arrow');
    fs.writeFileSync(torn, Buffer.concat([full.subarray(0, full.length - 20), Buffer.from('ARROW1')]));
    const r = readMetrics(torn);
    expect(r.table.numRows).toBe(12);
    expect(r.status).toBe('in-progress');
    expect(r.note).toMatch(/footer is missing or torn/);
  });

  test('resume keeps rows up to the checkpoint step and appends after them', () => {
    const file = fresh();
    const m = MetricsWriter.create(file, { flushEveryRows: 3 });
    for (let s = 1; s <= 10; s++) m.logTrain(trainRow(s)); // 9 rows on disk, then "crash"
    const crashed = path.join(path.dirname(file), 'crashed.arrow');
    fs.copyFileSync(file, crashed);
    m.close();
    const r = MetricsWriter.resume(crashed, { keepUpToStep: 6 });
    expect(r.rowsWritten).toBe(6);
    for (let s = 7; s <= 12; s++) r.logTrain(trainRow(s));
    r.close();
    const { table, status } = readMetrics(crashed);
    expect(status).toBe('complete');
    expect(Array.from(table.getChild('step')!.toArray() as Int32Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(() => MetricsWriter.resume(crashed, { extraColumns: ['x'] })).toThrow(/has columns .* expected/);
  });

  test('bad rows and files are named', () => {
    const file = fresh();
    const m = MetricsWriter.create(file);
    expect(() => m.logTrain({ ...trainRow(1), bogus: 1 })).toThrow(/unknown column 'bogus'/);
    expect(() => m.logTrain({ ...trainRow(1), eval_loss: 2 })).toThrow(/'eval_loss' is an eval column, not allowed on a train row/);
    expect(() => m.logEval({ step: 1, tokens: 1, elapsed_s: 1, loss: 2 })).toThrow(/'loss' is a train column, not allowed on an eval row/);
    expect(() => m.logTrain({ ...trainRow(1), step: -1 })).toThrow(/step must be an integer/);
    expect(() => m.logTrain({ step: 1, elapsed_s: 1 } as never)).toThrow(/'tokens' is required/);
    expect(() => m.logTrain({ ...trainRow(1), loss: '3' as unknown as number })).toThrow(/'loss' must be a number or null/);
    m.close();
    expect(() => m.logTrain(trainRow(1))).toThrow(/is closed/);
    expect(() => MetricsWriter.create(fresh(), { extraColumns: ['loss'] })).toThrow(/extra column 'loss' is already a column/);
    const junk = path.join(dir, 'junk.arrow');
    fs.writeFileSync(junk, 'hello world');
    expect(() => readMetrics(junk)).toThrow(/not an Arrow IPC file/);
  });
});
