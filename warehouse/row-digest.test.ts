import { describe, expect, it } from 'vitest';
import { sampleExport } from './bigquery/sample-export';
import type { ExportParam, ExportRow } from './export-row';
import { digestLines, digestRow, packDigest, unpackDigests } from './row-digest';
import { rowLine } from './row-line';

const text = (string_value: string): ExportParam['value'] => ({ string_value, int_value: null, float_value: null, double_value: null });

/** Packed and unpacked, a row's digest must equal the digest of the row. */
const same = (row: ExportRow): void => {
  const d = digestRow(row);
  expect(unpackDigests(packDigest(d)), rowLine(row).slice(0, 200)).toEqual(d === null ? [] : [d]);
};

describe('packDigest / unpackDigests', () => {
  const rows = sampleExport({ users: 200, seed: 3 });

  it('carry every row of the sample shop unchanged, one line a row', () => {
    const names = new Set(rows.map((r) => r.event_name));
    expect(names.has('purchase') && names.has('view_item') && names.has('page_view')).toBe(true);
    for (const row of rows) same(row);
    const packed = rows.map((r) => packDigest(digestRow(r))).join('\n');
    expect(packed.split('\n')).toHaveLength(rows.length);
    expect(unpackDigests(packed)).toEqual(rows.map(digestRow).filter((d) => d !== null));
    // Far smaller than the lines they stand for: what the worker thread hands over beside them.
    expect(packed.length).toBeLessThan(rows.map(rowLine).join('\n').length / 4);
  });

  it('carry escaped text, promotions from the items, several items, missing records and rows without a digest', () => {
    const base = rows.find((r) => r.event_name === 'purchase' && (r.items?.length ?? 0) > 0)!;
    const tricky: ExportRow = structuredClone(base);
    tricky.event_name = 'view_promotion';
    tricky.event_params = [
      ...tricky.event_params.filter((p) => p.key !== 'page_title'),
      { key: 'page_title', value: text('He said "buy" \\ now \u00e9\n{"key":"ga_session_id"}') },
      { key: 'engagement_time_msec', value: { string_value: null, int_value: 0, float_value: null, double_value: null } },
    ];
    const item = tricky.items[0]!;
    tricky.items = [
      { ...item, promotion_id: 'PROMO-7', item_name: 'Mug "Deluxe"\nlarge' },
      { ...item, item_id: 'SKU-2', item_name: 'Plate', promotion_id: 'PROMO-8' },
    ];
    same(tricky);
    expect(unpackDigests(packDigest(digestRow(tricky)))[0]?.promotionId).toBe('PROMO-7');
    same({ ...tricky, event_name: 'purchase' });
    expect(unpackDigests(packDigest(digestRow({ ...tricky, event_name: 'purchase' })))[0]?.purchasedItems).toEqual(['Mug "Deluxe"\nlarge', 'Plate']);
    same({ ...tricky, event_name: 'page_view' });
    same({ ...tricky, geo: null, device: null, items: [] });
    const noSession = { ...tricky, event_params: tricky.event_params.filter((p) => p.key !== 'ga_session_id') };
    expect(digestRow(noSession)).toBeNull();
    expect(packDigest(null)).toBe('null');
    const notNumber = { ...tricky, event_params: [...noSession.event_params, { key: 'ga_session_id', value: text('abc') }] };
    expect(unpackDigests(packDigest(digestRow(notNumber)))[0]?.session).toBeNaN();
    // A row without a digest keeps its line, so the others stay in order.
    expect(unpackDigests([tricky, noSession, base].map((r) => packDigest(digestRow(r))).join('\n')).map((d) => d.name)).toEqual(['view_promotion', 'purchase']);
  });

  it('read from the lines, parsed whole, gives the same digests (the fallback), skipping what is not JSON', () => {
    const some = rows.slice(0, 300);
    expect(digestLines([...some.map(rowLine), 'not json'])).toEqual(some.map(digestRow).filter((d) => d !== null));
  });
});
