-- pseudonymous_users: one row per pseudonymous id (user_pseudo_id) and day on which that user was active, the grain
-- of GA4's daily user-data export (pseudonymous_users_YYYYMMDD: a row for every user whose data changed that day).
-- Lifetime values (user_ltv) accumulate over every day up to and including occurrence_date; a session counts on the
-- day it started. Device and place are the day's latest event's. Columns are flat here; the export nests them
-- into GA4's records (user_info, device, geo, user_ltv). GA4's predictions and audiences have no source here.
WITH days AS (
  SELECT
    user_pseudo_id,
    stream_id,
    event_date AS occurrence_date,
    MAX(event_timestamp) AS last_active_timestamp_micros,
    MIN(event_timestamp) AS first_event_micros,
    COUNTIF(event_name = 'purchase') AS day_purchases,
    ARRAY_AGG(device_category IGNORE NULLS ORDER BY event_timestamp DESC LIMIT 1)[SAFE_OFFSET(0)] AS device_category,
    ARRAY_AGG(operating_system IGNORE NULLS ORDER BY event_timestamp DESC LIMIT 1)[SAFE_OFFSET(0)] AS operating_system,
    ARRAY_AGG(city IGNORE NULLS ORDER BY event_timestamp DESC LIMIT 1)[SAFE_OFFSET(0)] AS city,
    ARRAY_AGG(country IGNORE NULLS ORDER BY event_timestamp DESC LIMIT 1)[SAFE_OFFSET(0)] AS country,
    ARRAY_AGG(region IGNORE NULLS ORDER BY event_timestamp DESC LIMIT 1)[SAFE_OFFSET(0)] AS region
  FROM {{ ref('stg_events') }}
  GROUP BY user_pseudo_id, stream_id, event_date
),
session_days AS (
  SELECT
    user_pseudo_id,
    session_start_date,
    COUNT(*) AS sessions,
    COUNTIF(engaged) AS engaged_sessions,
    SUM(engagement_time_msec) AS engagement_time_millis,
    SUM(session_end_micros - session_start_micros) AS session_duration_micros,
    SUM(revenue) AS revenue
  FROM {{ ref('sessions') }}
  GROUP BY user_pseudo_id, session_start_date
)
SELECT
  d.user_pseudo_id AS pseudo_user_id,
  d.stream_id,
  d.occurrence_date,
  d.occurrence_date AS last_updated_date,
  d.last_active_timestamp_micros,
  MIN(d.first_event_micros) OVER (PARTITION BY d.user_pseudo_id ORDER BY d.occurrence_date) AS user_first_touch_timestamp_micros,
  MIN(IF(d.day_purchases > 0, d.occurrence_date, NULL)) OVER (PARTITION BY d.user_pseudo_id ORDER BY d.occurrence_date) AS first_purchase_date,
  d.device_category,
  d.operating_system,
  d.city,
  d.country,
  d.region,
  SUM(IFNULL(s.revenue, 0)) OVER (PARTITION BY d.user_pseudo_id ORDER BY d.occurrence_date) AS ltv_revenue,
  SUM(IFNULL(s.sessions, 0)) OVER (PARTITION BY d.user_pseudo_id ORDER BY d.occurrence_date) AS ltv_sessions,
  SUM(IFNULL(s.engagement_time_millis, 0)) OVER (PARTITION BY d.user_pseudo_id ORDER BY d.occurrence_date) AS ltv_engagement_time_millis,
  SUM(d.day_purchases) OVER (PARTITION BY d.user_pseudo_id ORDER BY d.occurrence_date) AS ltv_purchases,
  SUM(IFNULL(s.engaged_sessions, 0)) OVER (PARTITION BY d.user_pseudo_id ORDER BY d.occurrence_date) AS ltv_engaged_sessions,
  SUM(IFNULL(s.session_duration_micros, 0)) OVER (PARTITION BY d.user_pseudo_id ORDER BY d.occurrence_date) AS ltv_session_duration_micros
FROM days AS d
LEFT JOIN session_days AS s
  ON s.user_pseudo_id = d.user_pseudo_id AND s.session_start_date = d.occurrence_date
