-- sessions: one row per GA4 session (client_key + ga_session_id). A session's events share its ga_session_id;
-- its landing page, device, place and source come from its first event. Duration is first to last event time.
-- Source/medium: the landing event's campaign parameters, else (first session only) the user's first-touch
-- acquisition, else (direct)/(none).
-- Keys as the GA4 community's dbt package builds them: client_key = base64(md5(user_pseudo_id || stream_id)),
-- session_key = base64(md5(client_key || ga_session_id)).
SELECT
  TO_BASE64(MD5(CONCAT(TO_BASE64(MD5(CONCAT(user_pseudo_id, stream_id))), CAST(ga_session_id AS STRING)))) AS session_key,
  TO_BASE64(MD5(CONCAT(user_pseudo_id, stream_id))) AS client_key,
  s.*
FROM (
  SELECT
    stream_id,
    user_pseudo_id,
    ga_session_id,
    run_id,
    MIN(ga_session_number) AS session_number,
    MIN(event_timestamp) AS session_start_micros,
    MAX(event_timestamp) AS session_end_micros,
    MIN(event_date) AS session_start_date,
    (MAX(event_timestamp) - MIN(event_timestamp)) / 1000000 AS duration_s,
    IFNULL(LOGICAL_OR(session_engaged = '1'), FALSE) AS engaged,
    SUM(IFNULL(engagement_time_msec, 0)) AS engagement_time_msec,
    COUNT(*) AS events,
    COUNTIF(event_name = 'page_view') AS page_views,
    ARRAY_AGG(IF(event_name = 'page_view', page_location, NULL) IGNORE NULLS ORDER BY event_timestamp LIMIT 1)[SAFE_OFFSET(0)] AS landing_page,
    ARRAY_AGG(IF(event_name = 'page_view', page_location, NULL) IGNORE NULLS ORDER BY event_timestamp DESC LIMIT 1)[SAFE_OFFSET(0)] AS exit_page,
    COALESCE(
      ARRAY_AGG(manual_source IGNORE NULLS ORDER BY event_timestamp LIMIT 1)[SAFE_OFFSET(0)],
      IF(MIN(ga_session_number) = 1, ARRAY_AGG(first_touch_source IGNORE NULLS ORDER BY event_timestamp LIMIT 1)[SAFE_OFFSET(0)], NULL),
      '(direct)') AS source,
    COALESCE(
      ARRAY_AGG(manual_medium IGNORE NULLS ORDER BY event_timestamp LIMIT 1)[SAFE_OFFSET(0)],
      IF(MIN(ga_session_number) = 1, ARRAY_AGG(first_touch_medium IGNORE NULLS ORDER BY event_timestamp LIMIT 1)[SAFE_OFFSET(0)], NULL),
      '(none)') AS medium,
    ARRAY_AGG(device_category IGNORE NULLS ORDER BY event_timestamp LIMIT 1)[SAFE_OFFSET(0)] AS device_category,
    ARRAY_AGG(operating_system IGNORE NULLS ORDER BY event_timestamp LIMIT 1)[SAFE_OFFSET(0)] AS operating_system,
    ARRAY_AGG(browser IGNORE NULLS ORDER BY event_timestamp LIMIT 1)[SAFE_OFFSET(0)] AS browser,
    ARRAY_AGG(country IGNORE NULLS ORDER BY event_timestamp LIMIT 1)[SAFE_OFFSET(0)] AS country,
    ARRAY_AGG(region IGNORE NULLS ORDER BY event_timestamp LIMIT 1)[SAFE_OFFSET(0)] AS region,
    ARRAY_AGG(city IGNORE NULLS ORDER BY event_timestamp LIMIT 1)[SAFE_OFFSET(0)] AS city,
    COUNTIF(event_name = 'view_item_list') AS count_view_item_list,
    COUNTIF(event_name = 'select_item') AS count_select_item,
    COUNTIF(event_name = 'view_item') AS count_view_item,
    COUNTIF(event_name = 'view_promotion') AS count_view_promotion,
    COUNTIF(event_name = 'select_promotion') AS count_select_promotion,
    COUNTIF(event_name = 'search') AS count_search,
    COUNTIF(event_name = 'scroll') AS count_scroll,
    COUNTIF(event_name = 'add_to_wishlist') AS count_add_to_wishlist,
    COUNTIF(event_name = 'add_to_cart') AS count_add_to_cart,
    COUNTIF(event_name = 'remove_from_cart') AS count_remove_from_cart,
    COUNTIF(event_name = 'view_cart') AS count_view_cart,
    COUNTIF(event_name = 'begin_checkout') AS count_begin_checkout,
    COUNTIF(event_name = 'add_shipping_info') AS count_add_shipping_info,
    COUNTIF(event_name = 'add_payment_info') AS count_add_payment_info,
    COUNTIF(event_name = 'purchase') AS count_purchase,
    COUNTIF(event_name = 'refund') AS count_refund,
    COUNTIF(event_name = 'login') AS count_login,
    COUNTIF(event_name = 'sign_up') AS count_sign_up,
    LOGICAL_OR(event_name = 'add_to_cart') AS added_to_cart,
    LOGICAL_OR(event_name = 'begin_checkout') AS reached_checkout,
    LOGICAL_OR(event_name = 'purchase') AS converted,
    IFNULL(SUM(purchase_revenue), 0) AS revenue,
    ARRAY_AGG(transaction_id IGNORE NULLS ORDER BY event_timestamp LIMIT 1)[SAFE_OFFSET(0)] AS transaction_id
  FROM {{ ref('stg_events') }}
  WHERE ga_session_id IS NOT NULL
  GROUP BY user_pseudo_id, stream_id, ga_session_id, run_id
) AS s
