/**
 * GA4 export analyses, each written twice: in BigQuery SQL as analysts write it against
 * `project.dataset.events_*`, and in hand-written DuckDB SQL over the local table of property `123456`
 * (`analytics_123456.events`). ga4-analyses.test.ts checks that both give the same rows; the bigquery-sql bench
 * times them side by side. Every query reads the days 20261101–20261130. The last three are scripts shaped like
 * Google's own example queries for the export: DECLARE / SET variables, CREATE TEMP FUNCTION helpers with `ANY
 * TYPE` and typed parameters, and `UNNEST(items) AS items`, an alias that shadows the column it unnests.
 */

export interface Ga4Analysis {
  title: string;
  /** BigQuery SQL, for `queryBigQuery`. */
  bigquery: string;
  /** The same analysis in DuckDB SQL, for `Warehouse.query` on a warehouse of property `123456`. */
  duckdb: string;
}

const sessionsCte = `
  WITH events AS (
    SELECT
      user_pseudo_id,
      event_timestamp,
      (SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'ga_session_id') AS session_id,
      (SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'ga_session_number') AS session_number
    FROM \`shoplab-demo.analytics_123456.events_*\`
    WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261130'
  ),
  sessions AS (
    SELECT user_pseudo_id, session_id, MAX(session_number) AS session_number,
      MIN(event_timestamp) AS started, COUNT(*) AS events
    FROM events
    WHERE session_id IS NOT NULL
    GROUP BY user_pseudo_id, session_id
  )`;

const latestSessionDuckDb = `
  WITH s AS (
    SELECT user_pseudo_id, event_timestamp,
           list_filter(event_params, lambda p: p.key = 'ga_session_id')[1].value.int_value AS session_id,
           list_filter(event_params, lambda p: p.key = 'ga_session_number')[1].value.int_value AS session_number
    FROM analytics_123456.events WHERE event_date BETWEEN '20261101' AND '20261130'
  ), sessions AS (
    SELECT user_pseudo_id, session_id, max(session_number) AS session_number, min(event_timestamp) AS started, count(*) AS events
    FROM s WHERE session_id IS NOT NULL GROUP BY ALL
  )
  SELECT user_pseudo_id, arg_max(session_id, started) AS session_id, arg_max(session_number, started) AS session_number,
         strftime(make_timestamp(max(started)), '%Y-%m-%d %H:%M:%S') AS started_at, arg_max(events, started) AS events
  FROM sessions GROUP BY user_pseudo_id ORDER BY user_pseudo_id`;

export const GA4_ANALYSES = {
  eventsByDateAndName: {
    title: 'Events by date and name',
    bigquery: `SELECT
         FORMAT_DATE('%F', PARSE_DATE('%Y%m%d', event_date)) AS day,
         event_name,
         COUNT(*) AS events,
         COUNT(DISTINCT user_pseudo_id) AS users,
       FROM \`shoplab-demo.analytics_123456.events_*\`
       WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261130'
       GROUP BY day, event_name
       ORDER BY day, event_name`,
    duckdb: `SELECT strftime(strptime(event_date, '%Y%m%d'), '%Y-%m-%d') AS day, event_name, count(*) AS events,
              count(DISTINCT user_pseudo_id) AS users
       FROM analytics_123456.events
       WHERE event_date >= '20261101' AND event_date <= '20261130'
       GROUP BY ALL ORDER BY day, event_name`,
  },
  usersAndNewUsers: {
    title: 'Users and new users (first_visit) per day',
    bigquery: `SELECT
         event_date,
         COUNT(DISTINCT user_pseudo_id) AS users,
         COUNT(DISTINCT IF(event_name = 'first_visit', user_pseudo_id, NULL)) AS new_users,
         COUNTIF(event_name = 'session_start') AS sessions,
         ROUND(SAFE_DIVIDE(COUNTIF(event_name = 'first_visit'), COUNT(DISTINCT user_pseudo_id)), 4) AS new_user_share,
       FROM \`shoplab-demo\`.analytics_123456.\`events_*\`
       WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261103'
       GROUP BY event_date
       ORDER BY event_date`,
    duckdb: `SELECT event_date, count(DISTINCT user_pseudo_id) AS users,
              count(DISTINCT user_pseudo_id) FILTER (WHERE event_name = 'first_visit') AS new_users,
              count(*) FILTER (WHERE event_name = 'session_start') AS sessions,
              round(count(*) FILTER (WHERE event_name = 'first_visit') / count(DISTINCT user_pseudo_id), 4) AS new_user_share
       FROM analytics_123456.events
       WHERE event_date BETWEEN '20261101' AND '20261103'
       GROUP BY event_date ORDER BY event_date`,
  },
  revenuePerPurchaseSession: {
    title: 'Revenue per purchase session',
    bigquery: `WITH purchases AS (
         SELECT
           user_pseudo_id,
           (SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'ga_session_id') AS session_id,
           ecommerce.transaction_id,
           ecommerce.purchase_revenue AS revenue,
           (SELECT SUM(item.quantity) FROM UNNEST(items) AS item) AS units
         FROM \`shoplab-demo.analytics_123456.events_*\`
         WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261130'
           AND event_name = 'purchase'
       )
       SELECT user_pseudo_id, session_id, COUNT(DISTINCT transaction_id) AS orders,
         ROUND(SUM(revenue), 2) AS revenue, SUM(units) AS units
       FROM purchases
       GROUP BY 1, 2
       ORDER BY revenue DESC, user_pseudo_id, session_id`,
    duckdb: `SELECT e.user_pseudo_id, p.value.int_value AS session_id, count(DISTINCT e.ecommerce.transaction_id) AS orders,
              round(sum(e.ecommerce.purchase_revenue), 2) AS revenue, sum(list_sum([i.quantity FOR i IN e.items])) AS units
       FROM analytics_123456.events AS e, unnest(e.event_params) AS t(p)
       WHERE e.event_name = 'purchase' AND p.key = 'ga_session_id' AND e.event_date BETWEEN '20261101' AND '20261130'
       GROUP BY ALL ORDER BY revenue DESC, e.user_pseudo_id, session_id`,
  },
  itemsBoughtTogether: {
    title: 'Items bought together',
    bigquery: `WITH bought AS (
         SELECT ecommerce.transaction_id, item.item_id
         FROM \`shoplab-demo.analytics_123456.events_*\`, UNNEST(items) AS item
         WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261130' AND event_name = 'purchase'
       )
       SELECT a.item_id AS item_a, b.item_id AS item_b, COUNT(DISTINCT a.transaction_id) AS orders
       FROM bought AS a
       JOIN bought AS b ON a.transaction_id = b.transaction_id AND a.item_id < b.item_id
       GROUP BY 1, 2
       ORDER BY orders DESC, item_a, item_b`,
    duckdb: `WITH lines AS (
         SELECT DISTINCT e.ecommerce.transaction_id AS transaction_id, i.item_id AS item_id
         FROM analytics_123456.events AS e, unnest(e.items) AS t(i)
         WHERE e.event_name = 'purchase' AND e.event_date BETWEEN '20261101' AND '20261130'
       )
       SELECT a.item_id AS item_a, b.item_id AS item_b, count(*) AS orders
       FROM lines a JOIN lines b ON a.transaction_id = b.transaction_id AND a.item_id < b.item_id
       GROUP BY ALL ORDER BY orders DESC, item_a, item_b`,
  },
  latestSessionQualify: {
    title: 'Latest session per user, with QUALIFY ROW_NUMBER()',
    bigquery: `${sessionsCte}
       SELECT user_pseudo_id, session_id, session_number,
         FORMAT_TIMESTAMP('%F %T', TIMESTAMP_MICROS(started)) AS started_at, events
       FROM sessions
       WHERE TRUE
       QUALIFY ROW_NUMBER() OVER (PARTITION BY user_pseudo_id ORDER BY started DESC) = 1
       ORDER BY user_pseudo_id`,
    duckdb: latestSessionDuckDb,
  },
  latestSessionArrayAgg: {
    title: 'Latest session per user, with ARRAY_AGG(STRUCT(…) ORDER BY … LIMIT 1)[OFFSET(0)]',
    bigquery: `${sessionsCte},
       latest AS (
         SELECT user_pseudo_id,
           ARRAY_AGG(STRUCT(session_id, session_number, FORMAT_TIMESTAMP('%F %T', TIMESTAMP_MICROS(started)) AS started_at, events)
             ORDER BY started DESC LIMIT 1)[OFFSET(0)] AS s
         FROM sessions
         GROUP BY user_pseudo_id
       )
       SELECT user_pseudo_id, s.session_id, s.session_number, s.started_at, s.events
       FROM latest
       ORDER BY user_pseudo_id`,
    duckdb: latestSessionDuckDb,
  },
  sessionFunnel: {
    title: 'Session funnel view_item → add_to_cart → begin_checkout → purchase',
    bigquery: `WITH session_events AS (
         SELECT
           CONCAT(user_pseudo_id, '.', CAST(sid.value.int_value AS STRING)) AS session_key,
           event_name
         FROM \`shoplab-demo.analytics_123456.events_*\`
         LEFT JOIN UNNEST(event_params) AS sid ON sid.key = 'ga_session_id'
         WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261130'
       ),
       per_session AS (
         SELECT
           session_key,
           COUNTIF(event_name = 'view_item') > 0 AS viewed_item,
           COUNTIF(event_name = 'add_to_cart') > 0 AS added_to_cart,
           LOGICAL_OR(event_name = 'begin_checkout') AS began_checkout,
           COUNTIF(event_name = 'purchase') > 0 AS purchased,
         FROM session_events
         GROUP BY session_key
       )
       SELECT
         COUNT(*) AS sessions,
         COUNTIF(viewed_item) AS view_item,
         COUNTIF(viewed_item AND added_to_cart) AS add_to_cart,
         COUNTIF(viewed_item AND added_to_cart AND began_checkout) AS begin_checkout,
         COUNTIF(viewed_item AND added_to_cart AND began_checkout AND purchased) AS purchase,
         ROUND(SAFE_DIVIDE(COUNTIF(viewed_item AND added_to_cart AND began_checkout AND purchased), COUNTIF(viewed_item)), 4) AS view_to_purchase,
       FROM per_session`,
    duckdb: `WITH per_session AS (
         SELECT user_pseudo_id, p.value.int_value AS session_id,
                bool_or(event_name = 'view_item') AS v, bool_or(event_name = 'add_to_cart') AS a,
                bool_or(event_name = 'begin_checkout') AS c, bool_or(event_name = 'purchase') AS b
         FROM analytics_123456.events, unnest(event_params) AS t(p)
         WHERE p.key = 'ga_session_id' AND event_date BETWEEN '20261101' AND '20261130'
         GROUP BY ALL
       )
       SELECT count(*) AS sessions, count(*) FILTER (WHERE v) AS view_item, count(*) FILTER (WHERE v AND a) AS add_to_cart,
              count(*) FILTER (WHERE v AND a AND c) AS begin_checkout, count(*) FILTER (WHERE v AND a AND c AND b) AS purchase,
              round(count(*) FILTER (WHERE v AND a AND c AND b) / count(*) FILTER (WHERE v), 4) AS view_to_purchase
       FROM per_session`,
  },
  coPurchasedItems: {
    title: 'Items bought by the buyers of one item (DECLARE, UNNEST(items) AS items)',
    bigquery: `-- Which other items did the people who bought the chosen item buy?
       DECLARE chosen_item STRING DEFAULT 'Mug';

       WITH purchase_events AS (
         SELECT user_pseudo_id, items
         FROM \`shoplab-demo.analytics_123456.events_*\`
         WHERE _TABLE_SUFFIX BETWEEN '20261101' AND '20261130' AND event_name = 'purchase'
       ),
       chosen_item_buyers AS (
         SELECT DISTINCT user_pseudo_id
         FROM purchase_events, UNNEST(items) AS items
         WHERE items.item_name = chosen_item
       )
       SELECT items.item_name AS item_name, SUM(items.quantity) AS units
       FROM purchase_events, UNNEST(items) AS items
       WHERE user_pseudo_id IN (SELECT user_pseudo_id FROM chosen_item_buyers)
         AND items.item_name != chosen_item
       GROUP BY 1
       ORDER BY units DESC, item_name;`,
    duckdb: `WITH p AS (
         SELECT user_pseudo_id, items FROM analytics_123456.events
         WHERE event_name = 'purchase' AND event_date BETWEEN '20261101' AND '20261130'
       ), buyers AS (
         SELECT DISTINCT user_pseudo_id FROM p WHERE list_contains([i.item_name FOR i IN items], 'Mug')
       )
       SELECT i.item_name AS item_name, sum(i.quantity) AS units
       FROM p, unnest(p.items) AS t(i)
       WHERE user_pseudo_id IN (SELECT user_pseudo_id FROM buyers) AND i.item_name <> 'Mug'
       GROUP BY ALL ORDER BY units DESC, item_name`,
  },
  latestSessionOfBuyers: {
    title: 'Latest session id and number of chosen users (DECLARE, SET, temp functions, a named window)',
    bigquery: `-- The latest ga_session_id and ga_session_number of the first five buyers, over the three days to the last day.
       DECLARE report_days INT64 DEFAULT 3;
       DECLARE last_day DATE;
       DECLARE buyers ARRAY<STRING>;
       SET last_day = DATE '2026-11-04';
       SET buyers = (
         SELECT ARRAY_AGG(DISTINCT user_pseudo_id ORDER BY user_pseudo_id LIMIT 5)
         FROM \`shoplab-demo.analytics_123456.events_*\`
         WHERE event_name = 'purchase'
       );

       CREATE TEMP FUNCTION ParamValue(params ANY TYPE, wanted STRING) AS (
         (SELECT value FROM UNNEST(params) WHERE key = wanted LIMIT 1)
       );
       CREATE TEMP FUNCTION DaySuffix(from_day DATE, shift INT64) RETURNS STRING AS (
         FORMAT_DATE('%Y%m%d', DATE_ADD(from_day, INTERVAL shift DAY))
       );

       SELECT DISTINCT
         user_pseudo_id,
         FIRST_VALUE(ParamValue(event_params, 'ga_session_id').int_value) OVER (latest_first) AS ga_session_id,
         FIRST_VALUE(ParamValue(event_params, 'ga_session_number').int_value) OVER (latest_first) AS ga_session_number
       FROM \`shoplab-demo.analytics_123456.events_*\`
       WHERE user_pseudo_id IN UNNEST(buyers)
         AND _TABLE_SUFFIX BETWEEN DaySuffix(last_day, 1 - report_days) AND DaySuffix(last_day, 0)
       WINDOW latest_first AS (PARTITION BY user_pseudo_id ORDER BY event_timestamp DESC)
       ORDER BY user_pseudo_id;`,
    duckdb: `WITH buyers AS (
         SELECT DISTINCT user_pseudo_id FROM analytics_123456.events WHERE event_name = 'purchase' ORDER BY 1 LIMIT 5
       )
       SELECT user_pseudo_id,
              arg_max(list_filter(event_params, lambda p: p.key = 'ga_session_id')[1].value.int_value, event_timestamp) AS ga_session_id,
              arg_max(list_filter(event_params, lambda p: p.key = 'ga_session_number')[1].value.int_value, event_timestamp) AS ga_session_number
       FROM analytics_123456.events
       WHERE user_pseudo_id IN (SELECT user_pseudo_id FROM buyers) AND event_date BETWEEN '20261102' AND '20261104'
       GROUP BY user_pseudo_id ORDER BY user_pseudo_id`,
  },
  dailyConversion: {
    title: 'Daily purchase conversion of sessions (a DEFAULT computed from a variable, typed temp functions)',
    bigquery: `DECLARE first_day STRING DEFAULT '20261101';
       DECLARE last_day STRING DEFAULT FORMAT_DATE('%Y%m%d', DATE_ADD(PARSE_DATE('%Y%m%d', first_day), INTERVAL 29 DAY));

       CREATE TEMP FUNCTION ConversionRate(converted INT64, total INT64) RETURNS FLOAT64 AS (
         ROUND(SAFE_DIVIDE(converted, total), 4)
       );
       CREATE TEMP FUNCTION SessionKey(user_id STRING, params ANY TYPE) AS (
         CONCAT(user_id, '.', CAST((SELECT value.int_value FROM UNNEST(params) WHERE key = 'ga_session_id') AS STRING))
       );

       WITH sessions AS (
         SELECT event_date, SessionKey(user_pseudo_id, event_params) AS session_key,
           LOGICAL_OR(event_name = 'purchase') AS converted
         FROM \`shoplab-demo.analytics_123456.events_*\`
         WHERE _TABLE_SUFFIX BETWEEN first_day AND last_day
         GROUP BY 1, 2
       )
       SELECT event_date, COUNT(*) AS sessions, COUNTIF(converted) AS purchase_sessions,
         ConversionRate(COUNTIF(converted), COUNT(*)) AS conversion_rate
       FROM sessions
       GROUP BY event_date
       ORDER BY event_date`,
    duckdb: `WITH s AS (
         SELECT event_date,
                user_pseudo_id || '.' || CAST(list_filter(event_params, lambda p: p.key = 'ga_session_id')[1].value.int_value AS VARCHAR) AS session_key,
                bool_or(event_name = 'purchase') AS converted
         FROM analytics_123456.events WHERE event_date BETWEEN '20261101' AND '20261130'
         GROUP BY ALL
       )
       SELECT event_date, count(*) AS sessions, count(*) FILTER (WHERE converted) AS purchase_sessions,
              round(count(*) FILTER (WHERE converted) / count(*), 4) AS conversion_rate
       FROM s GROUP BY event_date ORDER BY event_date`,
  },
} as const satisfies Record<string, Ga4Analysis>;
