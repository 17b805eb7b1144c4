import { describe, expect, it } from 'vitest';
import { EXPORT_SCHEMA } from '../ga4/export-schema';
import type { ExportRow } from './export-row';
import { compileLineWriter, rowLine } from './row-line';
import { sampleItem, sampleRow } from './test-fixtures';

/** What read_json sees: the row without its null fields (JSON.stringify drops what a replacer makes undefined). */
function withoutNulls(row: unknown): unknown {
  return JSON.parse(JSON.stringify(row, (_key, value: unknown) => (value === null ? undefined : value))) as unknown;
}

const tricky = sampleRow({
  event_name: 'say "hi"\\ \n\t\u0001 ✓ 😀',
  user_id: '\ud800 lone',
  event_value_in_usd: Number.NaN,
  event_params: [
    { key: 'a', value: { string_value: null, int_value: 3, float_value: null, double_value: null } },
    { key: 'b', value: { string_value: '</script>', int_value: null, float_value: null, double_value: -0 } },
  ],
  user_properties: [],
  items: [sampleItem({ price: 1e21, item_params: [] }), sampleItem({ item_id: null, item_name: null })],
  geo: null,
  app_info: null,
});

describe('rowLine', () => {
  it('writes the same JSON as JSON.stringify without the null fields, for full, sparse and hard-to-escape rows', () => {
    for (const row of [sampleRow(), tricky, sampleRow({ ecommerce: null, device: null, items: [], event_params: [] })]) {
      const line = rowLine(row);
      expect(JSON.parse(line)).toEqual(withoutNulls(row));
      expect(line).not.toContain('\n');
      // NaN is the one value written as null (as JSON.stringify writes it).
      if (row !== tricky) expect(line).not.toContain(':null');
    }
  });

  it('writes null list elements as null and an all-null record as {}', () => {
    const write = compileLineWriter([
      { name: 'list', type: 'RECORD', mode: 'REPEATED', fields: [{ name: 'x', type: 'INT64' }] },
      { name: 'flag', type: 'BOOL' },
      { name: 'rec', type: 'RECORD', fields: [{ name: 'y', type: 'STRING' }] },
    ]);
    const row = { list: [{ x: 1 }, null, { x: null }], flag: false, rec: { y: null } } as unknown as ExportRow;
    expect(write(row)).toBe('{"list":[{"x":1},null,{}],"flag":false,"rec":{}}');
  });

  it('covers every column of the export schema', () => {
    const line = JSON.parse(rowLine(sampleRow())) as Record<string, unknown>;
    const nonNull = Object.entries(sampleRow()).filter(([, v]) => v !== null).map(([k]) => k);
    expect(Object.keys(line).sort()).toEqual(nonNull.sort());
    expect(EXPORT_SCHEMA.map((f) => f.name).filter((n) => !(n in sampleRow()))).toEqual([]);
  });
});
