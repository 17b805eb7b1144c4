-- users: one row per client (client_key), from its sessions: first and last seen, sessions and engagement,
-- purchases and revenue, and recency / frequency / monetary as of the latest session in the data (so that a
-- past week replayed in virtual time reads the same as a live one). Device and place: the latest session's.
SELECT
  client_key,
  user_pseudo_id,
  MIN(session_start_micros) AS first_seen_micros,
  MAX(session_start_micros) AS last_seen_micros,
  COUNT(*) AS sessions,
  COUNTIF(engaged) AS engaged_sessions,
  SUM(page_views) AS page_views,
  SUM(events) AS events,
  -- From whole microseconds: an integer sum is exact whatever order DuckDB's threads add in, a sum of doubles is not.
  SUM(session_end_micros - session_start_micros) / 1000000 AS total_duration_s,
  SUM(engagement_time_msec) AS engagement_time_msec,
  SUM(count_search) AS searches,
  SUM(count_view_item) AS item_views,
  SUM(count_add_to_cart) AS add_to_carts,
  SUM(count_purchase) AS purchases,
  COUNTIF(converted) AS purchase_sessions,
  SUM(revenue) AS revenue,
  ARRAY_AGG(device_category IGNORE NULLS ORDER BY session_start_micros DESC LIMIT 1)[SAFE_OFFSET(0)] AS device_category,
  ARRAY_AGG(country IGNORE NULLS ORDER BY session_start_micros DESC LIMIT 1)[SAFE_OFFSET(0)] AS country,
  ARRAY_AGG(region IGNORE NULLS ORDER BY session_start_micros DESC LIMIT 1)[SAFE_OFFSET(0)] AS region,
  ARRAY_AGG(source IGNORE NULLS ORDER BY session_start_micros LIMIT 1)[SAFE_OFFSET(0)] AS first_source,
  ARRAY_AGG(medium IGNORE NULLS ORDER BY session_start_micros LIMIT 1)[SAFE_OFFSET(0)] AS first_medium,
  ARRAY_AGG(run_id IGNORE NULLS ORDER BY session_start_micros LIMIT 1)[SAFE_OFFSET(0)] AS run_id,
  -- Days from the user's last session to the latest session in the data; frequency and monetary as GA4
  -- analysts compute them for RFM (sessions with a purchase, purchase revenue).
  DIV(MAX(MAX(session_start_micros)) OVER () - MAX(session_start_micros), 86400000000) AS recency_days,
  COUNTIF(converted) AS frequency,
  SUM(revenue) AS monetary
FROM {{ ref('sessions') }}
GROUP BY client_key, user_pseudo_id
