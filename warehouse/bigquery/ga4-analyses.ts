/**
 * GA4 export analyses, each written twice: in BigQuery SQL as analysts write it against
 * `project.dataset.events_*`, and in hand-written DuckDB SQL over the local table of property `123456`
 * (`analytics_123456.events`). ga4-analyses.test.ts checks that both give the same rows; the bigquery-sql bench
 * times them side by side. Every query reads the days 20261101–20261130.
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
} as const satisfies Record<string, Ga4Analysis>;
