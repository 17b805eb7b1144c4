import { describe, expect, it } from 'vitest';
import { EXPORT_SCHEMA } from '../ga4/export-schema';
import { checkRow, duckdbType, ExportRowError } from './duckdb-types';
import { sampleRow } from './test-fixtures';

describe('duckdbType', () => {
  it('maps scalars, records and repeated records onto DuckDB types', () => {
    expect(duckdbType({ name: 's', type: 'STRING' })).toBe('VARCHAR');
    expect(duckdbType({ name: 'i', type: 'INT64' })).toBe('BIGINT');
    expect(duckdbType({ name: 'f', type: 'FLOAT64' })).toBe('DOUBLE');
    expect(duckdbType({ name: 'b', type: 'BOOL' })).toBe('BOOLEAN');
    expect(
      duckdbType({ name: 'r', type: 'RECORD', mode: 'REPEATED', fields: [{ name: 'key', type: 'STRING' }, { name: 'v', type: 'RECORD', fields: [{ name: 'x', type: 'INT64' }] }] }),
    ).toBe('STRUCT("key" VARCHAR, "v" STRUCT("x" BIGINT))[]');
  });
});

describe('checkRow', () => {
  it('accepts a complete row', () => {
    expect(() => checkRow(EXPORT_SCHEMA, sampleRow())).not.toThrow();
  });

  it('names a missing nested field', () => {
    const row = sampleRow();
    const device: Record<string, unknown> = { ...row.device };
    delete device.web_info;
    expect(() => checkRow(EXPORT_SCHEMA, { ...row, device })).toThrow(new ExportRowError('device.web_info', 'missing (use null for an empty value)'));
  });

  it('refuses null inside a repeated field and a non-array in its place', () => {
    expect(() => checkRow(EXPORT_SCHEMA, { ...sampleRow(), items: [null] })).toThrow('items[0]: a REPEATED field cannot hold null');
    expect(() => checkRow(EXPORT_SCHEMA, { ...sampleRow(), items: null })).toThrow('items: expected an array (REPEATED), got null');
  });
});
