-- interactions: one row per client × item the client acted on (viewed, clicked in a list, added to cart, bought),
-- the implicit feedback a recommender trains on. List impressions (view_item_list) are left out of the rows: every
-- list shows many items, and an item only seen in a list is not an interaction. `weight` grows with intent
-- (view 1, list click 2, cart 4, purchase 8), the usual confidence weighting for implicit feedback.
-- The client_key is built as in stg_events (which carries no items).
SELECT
  TO_BASE64(MD5(CONCAT(user_pseudo_id, stream_id))) AS client_key,
  user_pseudo_id,
  item.item_id AS item_id,
  COUNTIF(event_name = 'view_item') AS views,
  COUNTIF(event_name = 'select_item') AS list_clicks,
  COUNTIF(event_name = 'add_to_cart') AS carts,
  COUNTIF(event_name = 'purchase') AS purchases,
  SUM(IF(event_name = 'purchase', IFNULL(item.quantity, 1), 0)) AS quantity_purchased,
  IFNULL(SUM(IF(event_name = 'purchase', item.item_revenue, NULL)), 0) AS revenue,
  MIN(event_timestamp) AS first_micros,
  MAX(event_timestamp) AS last_micros,
  COUNTIF(event_name = 'view_item') + 2 * COUNTIF(event_name = 'select_item')
    + 4 * COUNTIF(event_name = 'add_to_cart') + 8 * COUNTIF(event_name = 'purchase') AS weight
FROM {{ source('events') }}, UNNEST(items) AS item
WHERE _TABLE_SUFFIX NOT LIKE 'intraday%'{{ date_filter }}
  AND event_name IN ('view_item', 'select_item', 'add_to_cart', 'purchase')
  AND item.item_id IS NOT NULL
GROUP BY client_key, user_pseudo_id, item_id
