-- stg_events: one row per GA4 export event, with the event parameters this project reads unnested once, here.
-- The surrogate keys (client_key, session_key) are built per session in sessions.sql from user_pseudo_id,
-- stream_id and ga_session_id: a million events then hash a few thousand sessions, not a million rows.
-- BigQuery SQL over the export's day tables; locally it runs through the translator.
-- Intraday tables are left out: the daily tables are complete once written (README.md, "Intraday").
SELECT
  user_pseudo_id,
  user_id,
  stream_id,
  event_date,
  event_timestamp,
  event_name,
  (SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'ga_session_id') AS ga_session_id,
  (SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'ga_session_number') AS ga_session_number,
  (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'session_engaged') AS session_engaged,
  (SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'engagement_time_msec') AS engagement_time_msec,
  (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'page_location') AS page_location,
  (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'page_title') AS page_title,
  (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'page_referrer') AS page_referrer,
  (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'search_term') AS search_term,
  (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'item_list_id') AS item_list_id,
  (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'promotion_id') AS promotion_id,
  (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'shoplab_run_id') AS run_id,
  (SELECT value.string_value FROM UNNEST(user_properties) WHERE key = 'experiment_arm') AS experiment_arm,
  ecommerce.transaction_id AS transaction_id,
  IF(event_name = 'purchase', ecommerce.purchase_revenue, NULL) AS purchase_revenue,
  IF(event_name = 'refund', ecommerce.refund_value, NULL) AS refund_value,
  IF(event_name = 'purchase', ecommerce.shipping_value, NULL) AS shipping_value,
  ARRAY_LENGTH(items) AS item_count,
  device.category AS device_category,
  device.operating_system AS operating_system,
  device.web_info.browser AS browser,
  geo.country AS country,
  geo.region AS region,
  geo.city AS city,
  traffic_source.source AS first_touch_source,
  traffic_source.medium AS first_touch_medium,
  collected_traffic_source.manual_source AS manual_source,
  collected_traffic_source.manual_medium AS manual_medium,
  collected_traffic_source.manual_campaign_name AS manual_campaign
FROM {{ source('events') }}
WHERE _TABLE_SUFFIX NOT LIKE 'intraday%'{{ date_filter }}
