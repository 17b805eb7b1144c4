import { describe, expect, it } from 'vitest';
import type { MpRequest } from '../ga4/measurement-protocol';
import { checkRow } from '../warehouse/duckdb-types';
import { EXPORT_SCHEMA } from '../ga4/export-schema';
import { FirstTouchStore } from './first-touch';
import { locationFromGeoHeader } from './geo-header';
import { eventDate, mpToRows, type MpContext } from './mp-to-rows';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const WINDOWS_CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const IPAD = 'Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.0 Mobile/15E148 Safari/604.1';
const RECEIVED = 1_709_294_400_000_000; // 2024-03-01T12:00:00Z
const ctx: MpContext = { receivedAtMicros: RECEIVED, streamId: '1000000001', userAgent: WINDOWS_CHROME, hostname: 'origin.example' };

function one(req: MpRequest, context: MpContext = ctx) {
  const [row] = mpToRows(req, context);
  if (!row) throw new Error('no row');
  return row;
}

function param(row: ReturnType<typeof one>, key: string) {
  return row.event_params.find((p) => p.key === key)?.value;
}

const purchase: MpRequest = {
  client_id: '111.222',
  user_id: 'user-7',
  events: [
    {
      name: 'purchase',
      params: {
        currency: 'USD',
        value: 37.5,
        transaction_id: 'T-9',
        shipping: 4.99,
        tax: 3,
        coupon: 'SPRING',
        item_list_name: 'Search results',
        page_location: 'https://shop.example/checkout/?utm_source=newsletter&utm_medium=email&gclid=abc',
        items: [
          { item_id: 'SKU-1', item_name: 'Mug', price: 12.5, quantity: 2, index: 3, discount: 1.5, color: 'blue', size: 2 },
          { item_id: 'SKU-2', item_name: 'Tea', price: 12.5, item_list_name: 'Own list' },
        ],
      },
    },
  ],
};

describe('mpToRows', () => {
  it('makes rows that fit the export schema exactly', () => {
    for (const row of mpToRows(purchase, ctx)) expect(() => checkRow(EXPORT_SCHEMA, row)).not.toThrow();
  });

  it('takes the time from the event, else the request, else the time of receipt', () => {
    const rows = mpToRows(
      { client_id: 'c', timestamp_micros: 1_709_251_200_000_000, events: [{ name: 'a', timestamp_micros: 1_709_337_599_999_999 }, { name: 'b' }] },
      ctx,
    );
    expect(rows.map((r) => [r.event_timestamp, r.event_date])).toEqual([
      [1_709_337_599_999_999, '20240301'],
      [1_709_251_200_000_000, '20240301'],
    ]);
    expect(one({ client_id: 'c', events: [{ name: 'a' }] }).event_timestamp).toBe(RECEIVED);
    expect(eventDate(1_709_337_600_000_000)).toBe('20240302');
  });

  it('renames and types the session params as the export does', () => {
    const row = one({
      client_id: 'c',
      events: [{ name: 'page_view', params: { session_id: '1709294000', session_number: 2, engagement_time_msec: 120.7, shoplab_run_id: 'run-1', page_title: 'Home', ratio: 0.5, flag: true, empty: null } }],
    });
    expect(row.event_params).toEqual([
      { key: 'ga_session_id', value: { string_value: null, int_value: 1_709_294_000, float_value: null, double_value: null } },
      { key: 'ga_session_number', value: { string_value: null, int_value: 2, float_value: null, double_value: null } },
      { key: 'engagement_time_msec', value: { string_value: null, int_value: 120, float_value: null, double_value: null } },
      { key: 'shoplab_run_id', value: { string_value: 'run-1', int_value: null, float_value: null, double_value: null } },
      { key: 'page_title', value: { string_value: 'Home', int_value: null, float_value: null, double_value: null } },
      { key: 'ratio', value: { string_value: null, int_value: null, float_value: null, double_value: 0.5 } },
      { key: 'flag', value: { string_value: 'true', int_value: null, float_value: null, double_value: null } },
    ]);
  });

  it('keeps integers beyond 2^53 as doubles instead of corrupting INT64', () => {
    const row = one({ client_id: 'c', events: [{ name: 'e', params: { big: 1e20 } }] });
    expect(param(row, 'big')).toEqual({ string_value: null, int_value: null, float_value: null, double_value: 1e20 });
  });

  it('fills the ecommerce record of a purchase and keeps its params as event params too', () => {
    const row = one(purchase);
    expect(row.ecommerce).toEqual({
      total_item_quantity: 3,
      purchase_revenue_in_usd: 37.5,
      purchase_revenue: 37.5,
      refund_value_in_usd: null,
      refund_value: null,
      shipping_value_in_usd: 4.99,
      shipping_value: 4.99,
      tax_value_in_usd: 3,
      tax_value: 3,
      unique_items: 2,
      transaction_id: 'T-9',
    });
    expect(row.event_value_in_usd).toBe(37.5);
    expect(row.event_params.map((p) => p.key)).toEqual(['currency', 'value', 'transaction_id', 'shipping', 'tax', 'coupon', 'item_list_name', 'page_location']);
  });

  it('maps items: standard fields to columns, index to item_list_index, the rest to item_params', () => {
    const [mug, tea] = one(purchase).items;
    expect(mug).toMatchObject({
      item_id: 'SKU-1',
      item_name: 'Mug',
      price: 12.5,
      price_in_usd: 12.5,
      quantity: 2,
      item_revenue: 25,
      item_revenue_in_usd: 25,
      item_refund: null,
      item_list_index: '3',
      item_list_name: 'Search results', // inherited from the event
      coupon: null, // the order coupon is not an item coupon
    });
    expect(mug?.item_params).toEqual([
      { key: 'discount', value: { string_value: null, int_value: null, float_value: null, double_value: 1.5 } },
      { key: 'color', value: { string_value: 'blue', int_value: null, float_value: null, double_value: null } },
      { key: 'size', value: { string_value: null, int_value: 2, float_value: null, double_value: null } },
    ]);
    expect(tea).toMatchObject({ quantity: 1, item_revenue: 12.5, item_list_name: 'Own list', item_list_index: null, item_params: [] });
  });

  it('gives other ecommerce events only quantities, and item revenue only to purchases', () => {
    const row = one({ client_id: 'c', events: [{ name: 'add_to_cart', params: { currency: 'EUR', value: 10, items: [{ item_id: 'A', price: 5, quantity: 2 }] } }] });
    expect(row.ecommerce).toEqual({
      total_item_quantity: 2,
      purchase_revenue_in_usd: null,
      purchase_revenue: null,
      refund_value_in_usd: null,
      refund_value: null,
      shipping_value_in_usd: null,
      shipping_value: null,
      tax_value_in_usd: null,
      tax_value: null,
      unique_items: 1,
      transaction_id: null,
    });
    expect(row.items[0]).toMatchObject({ price: 5, price_in_usd: null, item_revenue: null });
    expect(row.event_value_in_usd).toBeNull();
    expect(one({ client_id: 'c', events: [{ name: 'page_view' }] }).ecommerce).toBeNull();
  });

  it('fills refund value and item refunds on refund events', () => {
    const row = one({ client_id: 'c', events: [{ name: 'refund', params: { currency: 'USD', value: 5, transaction_id: 'T-1', items: [{ item_id: 'A', price: 5 }] } }] });
    expect(row.ecommerce).toMatchObject({ refund_value: 5, refund_value_in_usd: 5, purchase_revenue: null, transaction_id: 'T-1' });
    expect(row.items[0]).toMatchObject({ item_refund: 5, item_refund_in_usd: 5, item_revenue: null });
  });

  it('describes the device from the user agent: phone, tablet, desktop', () => {
    const phone = one({ client_id: 'c', events: [{ name: 'e', params: { language: 'en-US' } }] }, { ...ctx, userAgent: IPHONE });
    expect(phone.device).toEqual({
      category: 'mobile',
      mobile_brand_name: 'Apple',
      mobile_model_name: 'iPhone',
      mobile_marketing_name: null,
      mobile_os_hardware_model: null,
      operating_system: 'iOS',
      operating_system_version: 'iOS 17.1',
      vendor_id: null,
      advertising_id: null,
      language: 'en-us',
      is_limited_ad_tracking: 'No',
      time_zone_offset_seconds: null,
      browser: 'Safari',
      browser_version: '17.1',
      web_info: { browser: 'Safari', browser_version: '17.1', hostname: 'origin.example' },
    });
    expect(one({ client_id: 'c', events: [{ name: 'e' }] }, { ...ctx, userAgent: IPAD }).device?.category).toBe('tablet');
    expect(one({ client_id: 'c', events: [{ name: 'e' }] }).device).toMatchObject({ category: 'desktop', operating_system: 'Windows', browser: 'Chrome', browser_version: '120.0.0.0' });
  });

  it('prefers the body device and user_agent over the HTTP user agent', () => {
    const row = one({ client_id: 'c', user_agent: IPHONE, device: { category: 'tablet', browser: 'Firefox', language: 'de' }, events: [{ name: 'e' }] });
    expect(row.device).toMatchObject({ category: 'tablet', browser: 'Firefox', operating_system: 'iOS', language: 'de' });
  });

  it('takes the hostname from page_location, else from the sending origin, and campaign fields from the URL', () => {
    const row = one(purchase);
    expect(row.event_dimensions).toEqual({ hostname: 'shop.example' });
    expect(row.device?.web_info?.hostname).toBe('shop.example');
    expect(row.collected_traffic_source).toMatchObject({ manual_source: 'newsletter', manual_medium: 'email', gclid: 'abc', manual_campaign_name: null });
    const bare = one({ client_id: 'c', events: [{ name: 'e' }] });
    expect(bare.event_dimensions).toEqual({ hostname: 'origin.example' });
    expect(bare.collected_traffic_source).toBeNull();
  });

  it('fills user and request-level fields', () => {
    const row = one({
      ...purchase,
      user_properties: { tier: { value: 'gold' }, visits: { value: 3 }, gone: { value: null } },
      user_location: { city: 'Berlin', country_id: 'DE', region_id: 'DE-BE', continent_id: '150', subcontinent_id: '155' },
      consent: { ad_personalization: 'DENIED' },
    });
    expect(row).toMatchObject({ user_id: 'user-7', user_pseudo_id: '111.222', stream_id: '1000000001', platform: 'WEB' });
    expect(row.user_properties).toEqual([
      { key: 'tier', value: { string_value: 'gold', int_value: null, float_value: null, double_value: null, set_timestamp_micros: RECEIVED } },
      { key: 'visits', value: { string_value: null, int_value: 3, float_value: null, double_value: null, set_timestamp_micros: RECEIVED } },
    ]);
    expect(row.geo).toEqual({ city: 'Berlin', country: 'Germany', continent: 'Europe', region: 'DE-BE', sub_continent: 'Western Europe', metro: null });
    expect(row.privacy_info).toEqual({ analytics_storage: null, ads_storage: 'No', uses_transient_token: 'No' });
  });

  it('takes geo from the context (the x-shoplab-geo header) only when the body has no user_location', () => {
    const location = locationFromGeoHeader('us-ca');
    expect(location).toEqual({ country_id: 'US', region_id: 'US-CA', continent_id: '019', subcontinent_id: '021' });
    const fromHeader = one({ client_id: 'c', events: [{ name: 'e' }] }, { ...ctx, location });
    expect(fromHeader.geo).toEqual({ city: null, country: 'United States', continent: 'Americas', region: 'US-CA', sub_continent: 'Northern America', metro: null });
    const fromBody = one({ client_id: 'c', user_location: { country_id: 'DE' }, events: [{ name: 'e' }] }, { ...ctx, location });
    expect(fromBody.geo?.country).toBe('Germany');
    expect(locationFromGeoHeader('not a region')).toBeNull();
  });

  it('sets first-touch traffic_source from UTM parameters, gclid, a referral or direct, and keeps the earliest touch per client', () => {
    const source = (page: string, referrer?: string) =>
      one({ client_id: 'c', events: [{ name: 'page_view', params: { page_location: page, ...(referrer ? { page_referrer: referrer } : {}) } }] }).traffic_source;
    expect(source('https://shop.example/?utm_source=news&utm_medium=email&utm_campaign=spring')).toEqual({ name: 'spring', medium: 'email', source: 'news' });
    expect(source('https://shop.example/?gclid=x')).toEqual({ name: '(not set)', medium: 'cpc', source: 'google' });
    expect(source('https://shop.example/', 'https://blog.example/post')).toEqual({ name: '(referral)', medium: 'referral', source: 'blog.example' });
    expect(source('https://shop.example/b', 'https://shop.example/a')).toEqual({ name: '(direct)', medium: '(none)', source: '(direct)' });

    const store = new FirstTouchStore();
    const at = (micros: number, page: string) => one({ client_id: 'u', events: [{ name: 'page_view', timestamp_micros: micros, params: { page_location: page } }] }, { ...ctx, firstTouch: store.touch });
    const first = at(2_000_000_000_000_000, 'https://shop.example/?utm_source=ads&utm_medium=cpc');
    const later = at(2_000_000_100_000_000, 'https://shop.example/');
    expect([first.user_first_touch_timestamp, later.user_first_touch_timestamp]).toEqual([2_000_000_000_000_000, 2_000_000_000_000_000]);
    expect(later.traffic_source).toEqual({ name: '(not set)', medium: 'cpc', source: 'ads' });
    const earlier = at(1_900_000_000_000_000, 'https://shop.example/');
    expect([earlier.user_first_touch_timestamp, earlier.traffic_source?.source]).toEqual([1_900_000_000_000_000, '(direct)']);
  });
});
