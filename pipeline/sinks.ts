/**
 * File writers for the datasets: CSV through csv-stringify (RFC 4180: quotes, doubled quotes, CRLF-safe fields)
 * and Parquet through hyparquet-writer, one row group at a time. Both are Node Transform streams from batches of
 * row arrays to bytes, so that a pipeline ending in a file write stream pauses the query whenever the disk falls behind.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { ByteWriter, ParquetWriter, schemaFromColumnData } from 'hyparquet-writer';
import type { JsonValue } from '../warehouse/warehouse';
import type { DatasetColumn } from './datasets';

export type FileFormat = 'csv' | 'parquet';
export const FORMATS = ['csv', 'parquet'] as const;

/**
 * CSV with a header row. Missing values are empty fields; booleans `true`/`false` (csv-stringify's default would
 * write `1` and an empty field, which reads back as missing); numbers as JavaScript prints them (shortest
 * round-trip form). Line ends are `\n` (RFC 4180 allows readers to take either; every CSV reader in use does).
 * Each incoming batch of rows (one DuckDB chunk or BigQuery page) is encoded by csv-stringify in one call and
 * pushed as one buffer: a stream step per row cost more than the encoding itself.
 */
export function csvSink(columns: readonly DatasetColumn[]): Transform {
  const options = {
    cast: { boolean: (value: boolean) => (value ? 'true' : 'false'), object: (value: object) => JSON.stringify(value) },
  };
  let header = true;
  return new Transform({
    writableObjectMode: true,
    writableHighWaterMark: 4,
    transform(batch: JsonValue[][], _encoding, callback: TransformCallback) {
      try {
        const text = stringify(batch, { ...options, header, columns: columns.map((c) => c.name) });
        header = false;
        callback(null, text === '' ? undefined : Buffer.from(text));
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      // An empty dataset is still a file with its header.
      callback(null, header ? Buffer.from(stringify([], { header: true, columns: columns.map((c) => c.name) })) : undefined);
    },
  });
}

/** Rows per Parquet row group: large enough for good compression and column statistics, small enough for flat memory. */
export const PARQUET_ROW_GROUP = 16_384;

const PARQUET_TYPES = { string: 'STRING', int64: 'INT64', double: 'DOUBLE', boolean: 'BOOLEAN' } as const;

type ColumnValues = (string | bigint | number | boolean | null)[];

function parquetValue(value: JsonValue, column: DatasetColumn): string | bigint | number | boolean | null {
  if (value === null) return null;
  switch (column.type) {
    case 'int64':
      return BigInt(value as number | string);
    case 'double':
      return Number(value);
    case 'boolean':
      return Boolean(value);
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/**
 * Parquet, every column OPTIONAL (NULL is a missing value), snappy-compressed. Rows are gathered into columns until
 * a row group is full, then that group is encoded and its bytes pushed downstream; only one group is ever held.
 */
export function parquetSink(columns: readonly DatasetColumn[], rowGroupSize = PARQUET_ROW_GROUP): Transform {
  const bytes = new ByteWriter();
  const schema = schemaFromColumnData({
    columnData: columns.map((c) => ({ name: c.name, data: [], type: PARQUET_TYPES[c.type], nullable: true })),
  });
  const writer = new ParquetWriter({ writer: bytes, schema, createdBy: 'shoplab transform (hyparquet-writer)' });
  let group: ColumnValues[] = columns.map(() => []);
  let rows = 0;
  const takeBytes = (): Buffer => {
    const out = Buffer.from(bytes.getBytes());
    bytes.index = 0;
    return out;
  };
  const writeGroup = (): void => {
    if (rows === 0) return;
    void writer.write({ columnData: columns.map((c, i) => ({ name: c.name, data: group[i] ?? [] })), rowGroupSize: rows });
    group = columns.map(() => []);
    rows = 0;
  };
  return new Transform({
    writableObjectMode: true,
    writableHighWaterMark: 4,
    transform(batch: JsonValue[][], _encoding, callback: TransformCallback) {
      try {
        let out: Buffer | undefined;
        for (const row of batch) {
          for (let i = 0; i < columns.length; i++) group[i]!.push(parquetValue(row[i] ?? null, columns[i]!));
          rows++;
          if (rows >= rowGroupSize) {
            writeGroup();
            const bytesNow = takeBytes();
            out = out ? Buffer.concat([out, bytesNow]) : bytesNow;
          }
        }
        callback(null, out);
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        writeGroup();
        void writer.finish();
        callback(null, takeBytes());
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

export function sinkFor(format: FileFormat, columns: readonly DatasetColumn[]): Transform {
  return format === 'csv' ? csvSink(columns) : parquetSink(columns);
}

/** Passes bytes through unchanged while hashing and counting them, for the manifest. */
export class HashTap extends Transform {
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    callback(null, chunk);
  }

  /** `sha256:<hex>` of everything that went through; call once, after the stream ended. */
  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}
