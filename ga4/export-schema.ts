/**
 * The storage contract: the GA4 BigQuery export schema, column for column, in export order, written in the
 * form BigQuery itself uses for table schemas (name, type, mode, fields). The DuckDB warehouse derives its DDL
 * from this tree; a BigQuery table can be created from it as it is.
 */

export type BqType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'RECORD';
export type BqMode = 'NULLABLE' | 'REPEATED';

export interface BqField {
  name: string;
  type: BqType;
  mode?: BqMode;
  fields?: readonly BqField[];
}

const s = (name: string): BqField => ({ name, type: 'STRING' });
const i = (name: string): BqField => ({ name, type: 'INT64' });
const f = (name: string): BqField => ({ name, type: 'FLOAT64' });
const b = (name: string): BqField => ({ name, type: 'BOOL' });
const rec = (name: string, fields: readonly BqField[]): BqField => ({ name, type: 'RECORD', fields });
const rep = (name: string, fields: readonly BqField[]): BqField => ({ name, type: 'RECORD', mode: 'REPEATED', fields });

const paramValue = rec('value', [s('string_value'), i('int_value'), f('float_value'), f('double_value')]);

export const EXPORT_SCHEMA: readonly BqField[] = [
  s('event_date'),
  i('event_timestamp'),
  s('event_name'),
  rep('event_params', [s('key'), paramValue]),
  i('event_previous_timestamp'),
  f('event_value_in_usd'),
  i('event_bundle_sequence_id'),
  i('event_server_timestamp_offset'),
  s('user_id'),
  s('user_pseudo_id'),
  rec('privacy_info', [s('analytics_storage'), s('ads_storage'), s('uses_transient_token')]),
  rep('user_properties', [
    s('key'),
    rec('value', [s('string_value'), i('int_value'), f('float_value'), f('double_value'), i('set_timestamp_micros')]),
  ]),
  i('user_first_touch_timestamp'),
  rec('user_ltv', [f('revenue'), s('currency')]),
  rec('device', [
    s('category'),
    s('mobile_brand_name'),
    s('mobile_model_name'),
    s('mobile_marketing_name'),
    s('mobile_os_hardware_model'),
    s('operating_system'),
    s('operating_system_version'),
    s('vendor_id'),
    s('advertising_id'),
    s('language'),
    s('is_limited_ad_tracking'),
    i('time_zone_offset_seconds'),
    s('browser'),
    s('browser_version'),
    rec('web_info', [s('browser'), s('browser_version'), s('hostname')]),
  ]),
  rec('geo', [s('city'), s('country'), s('continent'), s('region'), s('sub_continent'), s('metro')]),
  rec('app_info', [s('id'), s('version'), s('install_store'), s('firebase_app_id'), s('install_source')]),
  rec('traffic_source', [s('name'), s('medium'), s('source')]),
  s('stream_id'),
  s('platform'),
  rec('event_dimensions', [s('hostname')]),
  rec('ecommerce', [
    i('total_item_quantity'),
    f('purchase_revenue_in_usd'),
    f('purchase_revenue'),
    f('refund_value_in_usd'),
    f('refund_value'),
    f('shipping_value_in_usd'),
    f('shipping_value'),
    f('tax_value_in_usd'),
    f('tax_value'),
    i('unique_items'),
    s('transaction_id'),
  ]),
  rep('items', [
    s('item_id'),
    s('item_name'),
    s('item_brand'),
    s('item_variant'),
    s('item_category'),
    s('item_category2'),
    s('item_category3'),
    s('item_category4'),
    s('item_category5'),
    f('price_in_usd'),
    f('price'),
    i('quantity'),
    f('item_revenue_in_usd'),
    f('item_revenue'),
    f('item_refund_in_usd'),
    f('item_refund'),
    s('coupon'),
    s('affiliation'),
    s('location_id'),
    s('item_list_id'),
    s('item_list_name'),
    s('item_list_index'),
    s('promotion_id'),
    s('promotion_name'),
    s('creative_name'),
    s('creative_slot'),
    rep('item_params', [s('key'), paramValue]),
  ]),
  rec('collected_traffic_source', [
    s('manual_campaign_id'),
    s('manual_campaign_name'),
    s('manual_source'),
    s('manual_medium'),
    s('manual_term'),
    s('manual_content'),
    s('manual_source_platform'),
    s('manual_creative_format'),
    s('manual_marketing_tactic'),
    s('gclid'),
    s('dclid'),
    s('srsltid'),
  ]),
  b('is_active_user'),
  i('batch_event_index'),
  i('batch_page_id'),
  i('batch_ordering_id'),
  rec('session_traffic_source_last_click', [
    rec('manual_campaign', [
      s('campaign_id'),
      s('campaign_name'),
      s('source'),
      s('medium'),
      s('term'),
      s('content'),
      s('source_platform'),
      s('creative_format'),
      s('marketing_tactic'),
    ]),
  ]),
];

/** A param value as the export stores it: exactly one of the four is set (GA4 leaves float_value unused). */
export interface ExportParamValue {
  string_value: string | null;
  int_value: number | null;
  float_value: number | null;
  double_value: number | null;
}

export interface ExportParam {
  key: string;
  value: ExportParamValue;
}

/** The GA4 export's typing rule: integers go to int_value, other numbers to double_value, the rest to strings. */
export function toExportValue(v: string | number | boolean): ExportParamValue {
  if (typeof v === 'number') {
    return Number.isInteger(v)
      ? { string_value: null, int_value: v, float_value: null, double_value: null }
      : { string_value: null, int_value: null, float_value: null, double_value: v };
  }
  return { string_value: String(v), int_value: null, float_value: null, double_value: null };
}
