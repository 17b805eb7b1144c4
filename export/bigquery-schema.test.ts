import { expect, test } from 'vitest';
import { EVENTS_TABLE_SCHEMA, ga4SchemaFor, PSEUDONYMOUS_USERS_TABLE_SCHEMA, schemaDifference, type TableField } from './bigquery-schema';

/** `path TYPE [REPEATED]` lines of a schema, depth first, in column order. */
function flat(fields: readonly TableField[], prefix = ''): string[] {
  return fields.flatMap((f) => [`${prefix}${f.name} ${f.type}${f.mode === 'REPEATED' ? ' REPEATED' : ''}`, ...flat(f.fields ?? [], `${prefix}${f.name}.`)]);
}

// Written from Google's "[GA4] BigQuery Export schema" page (types as BigQuery shows them), not from
// ga4/export-schema.ts. Google also documents records ShopLab does not fill and leaves out: `publisher` (app
// ad revenue) and session_traffic_source_last_click's google_ads/cross_channel/sa360/cm360/dv360 campaigns.
const GA4_EVENTS = `
event_date STRING|event_timestamp INTEGER|event_name STRING|event_params RECORD REPEATED|event_params.key STRING|event_params.value RECORD|
event_params.value.string_value STRING|event_params.value.int_value INTEGER|event_params.value.float_value FLOAT|event_params.value.double_value FLOAT|
event_previous_timestamp INTEGER|event_value_in_usd FLOAT|event_bundle_sequence_id INTEGER|event_server_timestamp_offset INTEGER|user_id STRING|
user_pseudo_id STRING|privacy_info RECORD|privacy_info.analytics_storage STRING|privacy_info.ads_storage STRING|privacy_info.uses_transient_token STRING|
user_properties RECORD REPEATED|user_properties.key STRING|user_properties.value RECORD|user_properties.value.string_value STRING|
user_properties.value.int_value INTEGER|user_properties.value.float_value FLOAT|user_properties.value.double_value FLOAT|
user_properties.value.set_timestamp_micros INTEGER|user_first_touch_timestamp INTEGER|user_ltv RECORD|user_ltv.revenue FLOAT|user_ltv.currency STRING|
device RECORD|device.category STRING|device.mobile_brand_name STRING|device.mobile_model_name STRING|device.mobile_marketing_name STRING|
device.mobile_os_hardware_model STRING|device.operating_system STRING|device.operating_system_version STRING|device.vendor_id STRING|
device.advertising_id STRING|device.language STRING|device.is_limited_ad_tracking STRING|device.time_zone_offset_seconds INTEGER|device.browser STRING|
device.browser_version STRING|device.web_info RECORD|device.web_info.browser STRING|device.web_info.browser_version STRING|device.web_info.hostname STRING|
geo RECORD|geo.city STRING|geo.country STRING|geo.continent STRING|geo.region STRING|geo.sub_continent STRING|geo.metro STRING|
app_info RECORD|app_info.id STRING|app_info.version STRING|app_info.install_store STRING|app_info.firebase_app_id STRING|app_info.install_source STRING|
traffic_source RECORD|traffic_source.name STRING|traffic_source.medium STRING|traffic_source.source STRING|stream_id STRING|platform STRING|
event_dimensions RECORD|event_dimensions.hostname STRING|ecommerce RECORD|ecommerce.total_item_quantity INTEGER|ecommerce.purchase_revenue_in_usd FLOAT|
ecommerce.purchase_revenue FLOAT|ecommerce.refund_value_in_usd FLOAT|ecommerce.refund_value FLOAT|ecommerce.shipping_value_in_usd FLOAT|
ecommerce.shipping_value FLOAT|ecommerce.tax_value_in_usd FLOAT|ecommerce.tax_value FLOAT|ecommerce.unique_items INTEGER|ecommerce.transaction_id STRING|
items RECORD REPEATED|items.item_id STRING|items.item_name STRING|items.item_brand STRING|items.item_variant STRING|items.item_category STRING|
items.item_category2 STRING|items.item_category3 STRING|items.item_category4 STRING|items.item_category5 STRING|items.price_in_usd FLOAT|items.price FLOAT|
items.quantity INTEGER|items.item_revenue_in_usd FLOAT|items.item_revenue FLOAT|items.item_refund_in_usd FLOAT|items.item_refund FLOAT|items.coupon STRING|
items.affiliation STRING|items.location_id STRING|items.item_list_id STRING|items.item_list_name STRING|items.item_list_index STRING|
items.promotion_id STRING|items.promotion_name STRING|items.creative_name STRING|items.creative_slot STRING|items.item_params RECORD REPEATED|
items.item_params.key STRING|items.item_params.value RECORD|items.item_params.value.string_value STRING|items.item_params.value.int_value INTEGER|
items.item_params.value.float_value FLOAT|items.item_params.value.double_value FLOAT|collected_traffic_source RECORD|
collected_traffic_source.manual_campaign_id STRING|collected_traffic_source.manual_campaign_name STRING|collected_traffic_source.manual_source STRING|
collected_traffic_source.manual_medium STRING|collected_traffic_source.manual_term STRING|collected_traffic_source.manual_content STRING|
collected_traffic_source.manual_source_platform STRING|collected_traffic_source.manual_creative_format STRING|
collected_traffic_source.manual_marketing_tactic STRING|collected_traffic_source.gclid STRING|collected_traffic_source.dclid STRING|
collected_traffic_source.srsltid STRING|is_active_user BOOLEAN|batch_event_index INTEGER|batch_page_id INTEGER|batch_ordering_id INTEGER|
session_traffic_source_last_click RECORD|session_traffic_source_last_click.manual_campaign RECORD|
session_traffic_source_last_click.manual_campaign.campaign_id STRING|session_traffic_source_last_click.manual_campaign.campaign_name STRING|
session_traffic_source_last_click.manual_campaign.source STRING|session_traffic_source_last_click.manual_campaign.medium STRING|
session_traffic_source_last_click.manual_campaign.term STRING|session_traffic_source_last_click.manual_campaign.content STRING|
session_traffic_source_last_click.manual_campaign.source_platform STRING|session_traffic_source_last_click.manual_campaign.creative_format STRING|
session_traffic_source_last_click.manual_campaign.marketing_tactic STRING`;

// From Google's "[GA4] BigQuery Export user-data schema" page, the Pseudo ID table (stream_id is INTEGER there).
const GA4_PSEUDONYMOUS_USERS = `
pseudo_user_id STRING|stream_id INTEGER|user_properties RECORD REPEATED|user_properties.key STRING|user_properties.value RECORD|
user_properties.value.string_value STRING|user_properties.value.set_timestamp_micros INTEGER|user_properties.value.user_property_name STRING|
audiences RECORD REPEATED|audiences.id INTEGER|audiences.name STRING|audiences.membership_start_timestamp_micros INTEGER|
audiences.membership_expiry_timestamp_micros INTEGER|audiences.npa BOOLEAN|user_info RECORD|user_info.last_active_timestamp_micros INTEGER|
user_info.user_first_touch_timestamp_micros INTEGER|user_info.first_purchase_date STRING|device RECORD|device.operating_system STRING|
device.category STRING|device.mobile_brand_name STRING|device.mobile_model_name STRING|device.unified_screen_name STRING|geo RECORD|geo.city STRING|
geo.country STRING|geo.continent STRING|geo.region STRING|user_ltv RECORD|user_ltv.revenue_in_usd FLOAT|user_ltv.sessions INTEGER|
user_ltv.engagement_time_millis INTEGER|user_ltv.purchases INTEGER|user_ltv.engaged_sessions INTEGER|user_ltv.session_duration_micros INTEGER|
predictions RECORD|predictions.in_app_purchase_score_7d FLOAT|predictions.purchase_score_7d FLOAT|predictions.churn_score_7d FLOAT|
predictions.revenue_28d_in_usd FLOAT|privacy_info RECORD|privacy_info.is_limited_ad_tracking STRING|privacy_info.is_ads_personalization_allowed STRING|
occurrence_date STRING|last_updated_date STRING`;

const lines = (text: string): string[] => text.replaceAll('\n', '').split('|');

test("the events tables' schema is GA4's export schema, field by field", () => {
  expect(flat(EVENTS_TABLE_SCHEMA)).toEqual(lines(GA4_EVENTS));
  expect(ga4SchemaFor('events_20261101')).toBe(EVENTS_TABLE_SCHEMA);
  expect(ga4SchemaFor('events_intraday_20261101')).toBe(EVENTS_TABLE_SCHEMA);
});

test("the pseudonymous_users tables' schema is GA4's user-data schema, field by field", () => {
  expect(flat(PSEUDONYMOUS_USERS_TABLE_SCHEMA)).toEqual(lines(GA4_PSEUDONYMOUS_USERS));
  expect(ga4SchemaFor('pseudonymous_users_20261101')).toBe(PSEUDONYMOUS_USERS_TABLE_SCHEMA);
  expect(ga4SchemaFor('my_table')).toBeUndefined();
});

test('schemaDifference names the first differing field; INT64 and INTEGER are one type, a missing mode is NULLABLE', () => {
  const sent = structuredClone(EVENTS_TABLE_SCHEMA) as TableField[];
  expect(schemaDifference(sent, EVENTS_TABLE_SCHEMA)).toBeUndefined();
  const items = sent.find((f) => f.name === 'items');
  const quantity = items?.fields?.find((f) => f.name === 'quantity');
  if (!quantity) throw new Error('items.quantity missing');
  quantity.type = 'INT64';
  delete quantity.mode;
  expect(schemaDifference(sent, EVENTS_TABLE_SCHEMA)).toBeUndefined();
  quantity.type = 'FLOAT';
  expect(schemaDifference(sent, EVENTS_TABLE_SCHEMA)).toBe('items.quantity: type FLOAT, expected INTEGER');
  const params = sent.find((f) => f.name === 'event_params');
  if (!params) throw new Error('event_params missing');
  params.mode = 'NULLABLE';
  expect(schemaDifference(sent, EVENTS_TABLE_SCHEMA)).toBe('event_params: mode NULLABLE, expected REPEATED');
  expect(schemaDifference(sent.slice(0, 3), EVENTS_TABLE_SCHEMA)).toBe('field event_params is missing (expected at position 4)');
});
