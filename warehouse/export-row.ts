/**
 * One event row of the GA4 BigQuery export, as TypeScript. It mirrors EXPORT_SCHEMA (ga4/export-schema.ts) field
 * for field: every column and every field of a record is present, and `null` where GA4 would leave it empty.
 * EXPORT_SCHEMA is a runtime tree (not `as const`), so the type cannot be derived from it; instead
 * `Warehouse.insertEvents` checks every row against the tree before storing it, and the tests compare a full row
 * with the tree, so the two cannot drift apart unnoticed.
 */

import type { ExportParam } from '../ga4/export-schema';

export type { ExportParam, ExportParamValue } from '../ga4/export-schema';

export interface ExportPrivacyInfo {
  analytics_storage: string | null;
  ads_storage: string | null;
  uses_transient_token: string | null;
}

export interface ExportUserPropertyValue {
  string_value: string | null;
  int_value: number | null;
  float_value: number | null;
  double_value: number | null;
  set_timestamp_micros: number | null;
}

export interface ExportUserProperty {
  key: string;
  value: ExportUserPropertyValue;
}

export interface ExportUserLtv {
  revenue: number | null;
  currency: string | null;
}

export interface ExportWebInfo {
  browser: string | null;
  browser_version: string | null;
  hostname: string | null;
}

export interface ExportDevice {
  category: string | null;
  mobile_brand_name: string | null;
  mobile_model_name: string | null;
  mobile_marketing_name: string | null;
  mobile_os_hardware_model: string | null;
  operating_system: string | null;
  operating_system_version: string | null;
  vendor_id: string | null;
  advertising_id: string | null;
  language: string | null;
  is_limited_ad_tracking: string | null;
  time_zone_offset_seconds: number | null;
  browser: string | null;
  browser_version: string | null;
  web_info: ExportWebInfo | null;
}

export interface ExportGeo {
  city: string | null;
  country: string | null;
  continent: string | null;
  region: string | null;
  sub_continent: string | null;
  metro: string | null;
}

export interface ExportAppInfo {
  id: string | null;
  version: string | null;
  install_store: string | null;
  firebase_app_id: string | null;
  install_source: string | null;
}

export interface ExportTrafficSource {
  name: string | null;
  medium: string | null;
  source: string | null;
}

export interface ExportEventDimensions {
  hostname: string | null;
}

export interface ExportEcommerce {
  total_item_quantity: number | null;
  purchase_revenue_in_usd: number | null;
  purchase_revenue: number | null;
  refund_value_in_usd: number | null;
  refund_value: number | null;
  shipping_value_in_usd: number | null;
  shipping_value: number | null;
  tax_value_in_usd: number | null;
  tax_value: number | null;
  unique_items: number | null;
  transaction_id: string | null;
}

export interface ExportItem {
  item_id: string | null;
  item_name: string | null;
  item_brand: string | null;
  item_variant: string | null;
  item_category: string | null;
  item_category2: string | null;
  item_category3: string | null;
  item_category4: string | null;
  item_category5: string | null;
  price_in_usd: number | null;
  price: number | null;
  quantity: number | null;
  item_revenue_in_usd: number | null;
  item_revenue: number | null;
  item_refund_in_usd: number | null;
  item_refund: number | null;
  coupon: string | null;
  affiliation: string | null;
  location_id: string | null;
  item_list_id: string | null;
  item_list_name: string | null;
  item_list_index: string | null;
  promotion_id: string | null;
  promotion_name: string | null;
  creative_name: string | null;
  creative_slot: string | null;
  item_params: ExportParam[];
}

export interface ExportCollectedTrafficSource {
  manual_campaign_id: string | null;
  manual_campaign_name: string | null;
  manual_source: string | null;
  manual_medium: string | null;
  manual_term: string | null;
  manual_content: string | null;
  manual_source_platform: string | null;
  manual_creative_format: string | null;
  manual_marketing_tactic: string | null;
  gclid: string | null;
  dclid: string | null;
  srsltid: string | null;
}

export interface ExportManualCampaign {
  campaign_id: string | null;
  campaign_name: string | null;
  source: string | null;
  medium: string | null;
  term: string | null;
  content: string | null;
  source_platform: string | null;
  creative_format: string | null;
  marketing_tactic: string | null;
}

export interface ExportSessionTrafficSourceLastClick {
  manual_campaign: ExportManualCampaign | null;
}

export interface ExportRow {
  /** YYYYMMDD; never null (the per-day views are named after it). */
  event_date: string;
  /** µs since the epoch, UTC. */
  event_timestamp: number;
  event_name: string;
  event_params: ExportParam[];
  event_previous_timestamp: number | null;
  event_value_in_usd: number | null;
  event_bundle_sequence_id: number | null;
  event_server_timestamp_offset: number | null;
  user_id: string | null;
  user_pseudo_id: string | null;
  privacy_info: ExportPrivacyInfo | null;
  user_properties: ExportUserProperty[];
  user_first_touch_timestamp: number | null;
  user_ltv: ExportUserLtv | null;
  device: ExportDevice | null;
  geo: ExportGeo | null;
  app_info: ExportAppInfo | null;
  traffic_source: ExportTrafficSource | null;
  stream_id: string | null;
  platform: string | null;
  event_dimensions: ExportEventDimensions | null;
  ecommerce: ExportEcommerce | null;
  items: ExportItem[];
  collected_traffic_source: ExportCollectedTrafficSource | null;
  is_active_user: boolean | null;
  batch_event_index: number | null;
  batch_page_id: number | null;
  batch_ordering_id: number | null;
  session_traffic_source_last_click: ExportSessionTrafficSourceLastClick | null;
}
