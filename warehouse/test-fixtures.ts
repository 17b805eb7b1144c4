/** Test helpers: complete export rows with every field present, to build on in tests. */

import { toExportValue } from '../ga4/export-schema';
import type { ExportDevice, ExportEcommerce, ExportItem, ExportRow } from './export-row';

export function sampleItem(overrides: Partial<ExportItem> = {}): ExportItem {
  return {
    item_id: 'SKU-1',
    item_name: 'Mug',
    item_brand: 'ShopLab',
    item_variant: null,
    item_category: 'Kitchen',
    item_category2: null,
    item_category3: null,
    item_category4: null,
    item_category5: null,
    price_in_usd: 12.5,
    price: 12.5,
    quantity: 2,
    item_revenue_in_usd: 25,
    item_revenue: 25,
    item_refund_in_usd: null,
    item_refund: null,
    coupon: null,
    affiliation: null,
    location_id: null,
    item_list_id: 'home',
    item_list_name: 'Home',
    item_list_index: '0',
    promotion_id: null,
    promotion_name: null,
    creative_name: null,
    creative_slot: null,
    item_params: [{ key: 'color', value: toExportValue('blue') }],
    ...overrides,
  };
}

export function sampleDevice(overrides: Partial<ExportDevice> = {}): ExportDevice {
  return {
    category: 'desktop',
    mobile_brand_name: null,
    mobile_model_name: null,
    mobile_marketing_name: null,
    mobile_os_hardware_model: null,
    operating_system: 'Windows',
    operating_system_version: 'Windows 10',
    vendor_id: null,
    advertising_id: null,
    language: 'en-us',
    is_limited_ad_tracking: 'No',
    time_zone_offset_seconds: null,
    browser: 'Chrome',
    browser_version: '120.0.0.0',
    web_info: { browser: 'Chrome', browser_version: '120.0.0.0', hostname: 'localhost' },
    ...overrides,
  };
}

export function sampleEcommerce(overrides: Partial<ExportEcommerce> = {}): ExportEcommerce {
  return {
    total_item_quantity: 2,
    purchase_revenue_in_usd: 25,
    purchase_revenue: 25,
    refund_value_in_usd: null,
    refund_value: null,
    shipping_value_in_usd: 4,
    shipping_value: 4,
    tax_value_in_usd: 2,
    tax_value: 2,
    unique_items: 1,
    transaction_id: 'T-1',
    ...overrides,
  };
}

/** A purchase-like row: nested params of every value type, one item, a full device and ecommerce record. */
export function sampleRow(overrides: Partial<ExportRow> = {}): ExportRow {
  return {
    event_date: '20240301',
    event_timestamp: 1_709_294_400_000_000,
    event_name: 'purchase',
    event_params: [
      { key: 'ga_session_id', value: toExportValue(1_709_294_000) },
      { key: 'page_title', value: toExportValue('Checkout') },
      { key: 'value', value: toExportValue(25.5) },
    ],
    event_previous_timestamp: null,
    event_value_in_usd: 25.5,
    event_bundle_sequence_id: null,
    event_server_timestamp_offset: null,
    user_id: null,
    user_pseudo_id: '123.456',
    privacy_info: { analytics_storage: null, ads_storage: null, uses_transient_token: 'No' },
    user_properties: [
      { key: 'tier', value: { string_value: 'gold', int_value: null, float_value: null, double_value: null, set_timestamp_micros: 1_709_294_400_000_000 } },
    ],
    user_first_touch_timestamp: null,
    user_ltv: null,
    device: sampleDevice(),
    geo: null,
    app_info: null,
    traffic_source: null,
    stream_id: '1000000001',
    platform: 'WEB',
    event_dimensions: { hostname: 'localhost' },
    ecommerce: sampleEcommerce(),
    items: [sampleItem()],
    collected_traffic_source: null,
    is_active_user: null,
    batch_event_index: null,
    batch_page_id: null,
    batch_ordering_id: null,
    session_traffic_source_last_click: null,
    ...overrides,
  };
}
