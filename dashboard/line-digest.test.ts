import { describe, expect, it } from 'vitest';
import { sampleExport } from '../warehouse/bigquery/sample-export';
import type { ExportParam, ExportRow } from '../warehouse/warehouse';
import { rowLine } from '../warehouse/warehouse';
import { digestLine, digestRow } from './line-digest';

const text = (string_value: string): ExportParam['value'] => ({ string_value, int_value: null, float_value: null, double_value: null });

/** The reading without parsing must equal the reading of the parsed row. */
const same = (row: ExportRow): void => {
  const line = rowLine(row);
  expect(digestLine(line), line.slice(0, 200)).toEqual(digestRow(JSON.parse(line) as Partial<ExportRow>));
};

describe('digestLine', () => {
  const rows = sampleExport({ users: 200, seed: 3 });

  it('reads every row of the sample shop as JSON.parse does', () => {
    const names = new Set(rows.map((r) => r.event_name));
    expect(names.has('purchase') && names.has('view_item') && names.has('page_view')).toBe(true);
    for (const row of rows) same(row);
  });

  it('reads escaped text, promotions from the items, several items with params, user properties named like event params, missing records', () => {
    const base = rows.find((r) => r.event_name === 'purchase' && (r.items?.length ?? 0) > 0)!;
    const tricky: ExportRow = structuredClone(base);
    tricky.event_name = 'view_promotion';
    tricky.event_params = [
      ...tricky.event_params.filter((p) => p.key !== 'page_title'),
      { key: 'page_title', value: text('He said "buy" \\ now \u00e9\n{"key":"ga_session_id"}') },
      { key: 'engagement_time_msec', value: { string_value: null, int_value: 0, float_value: null, double_value: null } },
    ];
    tricky.user_properties = [{ key: 'promotion_id', value: { ...text('not-this'), set_timestamp_micros: 1 } }];
    const item = tricky.items[0]!;
    tricky.items = [
      { ...item, promotion_id: 'PROMO-7', item_name: 'Mug "Deluxe"', item_params: [{ key: 'item_name', value: text('x') }] },
      { ...item, item_id: 'SKU-2', item_name: 'Plate', promotion_id: 'PROMO-8' },
    ];
    same(tricky);
    expect(digestLine(rowLine(tricky))?.promotionId).toBe('PROMO-7');
    same({ ...tricky, event_name: 'purchase' });
    expect(digestLine(rowLine({ ...tricky, event_name: 'purchase' }))?.purchasedItems).toEqual(['Mug "Deluxe"', 'Plate']);
    same({ ...tricky, event_name: 'page_view' });
    same({ ...tricky, geo: null, device: null, items: [] }); // the records a row may lack
    same({ ...tricky, event_params: tricky.event_params.filter((p) => p.key !== 'ga_session_id') });
    expect(digestLine(rowLine({ ...tricky, event_params: tricky.event_params.filter((p) => p.key !== 'ga_session_id') }))).toBeNull();
  });
});
