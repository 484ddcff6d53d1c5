// Reads one text column of a parquet file row group by row group (hyparquet, pure JS), so memory stays at
// about one row group however large the file (FineWeb-Edu shards are ~2 GB), from a local file or over
// HTTP range requests (download.ts remoteBuffer). Snappy is built into
// hyparquet; zstd, gzip, brotli and lz4 come from hyparquet-compressors.
import { FormatError } from '../../errors';
import { loadCompressors, loadHyparquet } from './esm';

/** Row count per row group and the columns of a parquet file. */
export interface ParquetInfo {
  rows: number;
  rowGroups: number[];
  columns: string[];
}

/** A local path, or a random-access buffer (remoteBuffer) with a label for messages. */
export type ParquetSource = string | { label: string; buffer: AsyncBufferLike };

/** hyparquet's AsyncBuffer. */
export interface AsyncBufferLike {
  byteLength: number;
  slice(start: number, end?: number): ArrayBuffer | Promise<ArrayBuffer>;
}

async function open(source: ParquetSource) {
  const hp = await loadHyparquet();
  const file = typeof source === 'string' ? source : source.label;
  const buf = typeof source === 'string' ? await hp.asyncBufferFromFile(source) : source.buffer;
  let metadata;
  try {
    metadata = await hp.parquetMetadataAsync(buf);
  } catch (e) {
    throw new FormatError(`${file}: not a readable parquet file (${(e as Error).message}); expected a parquet file with a text column`);
  }
  return { hp, buf, metadata, file };
}

/** Reads a parquet file's footer. @example (await parquetInfo('x.parquet')).rows */
export async function parquetInfo(source: ParquetSource): Promise<ParquetInfo> {
  const { metadata } = await open(source);
  return {
    rows: Number(metadata.num_rows),
    rowGroups: metadata.row_groups.map((g) => Number(g.num_rows)),
    columns: metadata.schema.slice(1).map((s) => s.name),
  };
}

/**
 * Yields the strings of `column`, one row group read at a time.
 *
 * @example
 * for await (const text of parquetTexts('000_00000.parquet')) ...
 */
export async function* parquetTexts(source: ParquetSource, column = 'text'): AsyncGenerator<string> {
  const { hp, buf, metadata, file } = await open(source);
  const names = metadata.schema.slice(1).map((s) => s.name);
  if (!names.includes(column)) throw new FormatError(`${file}: no column '${column}' in this parquet file; it has ${names.join(', ')}`);
  const { compressors } = await loadCompressors();
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await new Promise<unknown[][]>((resolve, reject) => {
      hp.parquetRead({ file: buf, metadata, columns: [column], rowStart, rowEnd, compressors, onComplete: resolve }).catch(reject);
    });
    for (const row of rows) {
      const v = row[0];
      if (typeof v === 'string') yield v;
      else if (v !== null && v !== undefined) throw new FormatError(`${file}: column '${column}' holds ${typeof v} values; expected strings`);
    }
    rowStart = rowEnd;
  }
}
