-- items: one row per item_id seen in any event's items: what it is (name, brand, category, variant, price: the
-- latest value seen) and how shoppers met it, from impression to purchase. Rates are NULL where their
-- denominator is zero (SAFE_DIVIDE), never a made-up 0.
SELECT
  item.item_id AS item_id,
  ARRAY_AGG(item.item_name IGNORE NULLS ORDER BY event_timestamp DESC LIMIT 1)[SAFE_OFFSET(0)] AS item_name,
  ARRAY_AGG(item.item_brand IGNORE NULLS ORDER BY event_timestamp DESC LIMIT 1)[SAFE_OFFSET(0)] AS item_brand,
  ARRAY_AGG(item.item_category IGNORE NULLS ORDER BY event_timestamp DESC LIMIT 1)[SAFE_OFFSET(0)] AS item_category,
  ARRAY_AGG(item.item_category2 IGNORE NULLS ORDER BY event_timestamp DESC LIMIT 1)[SAFE_OFFSET(0)] AS item_category2,
  ARRAY_AGG(item.item_variant IGNORE NULLS ORDER BY event_timestamp DESC LIMIT 1)[SAFE_OFFSET(0)] AS item_variant,
  ARRAY_AGG(item.price IGNORE NULLS ORDER BY event_timestamp DESC LIMIT 1)[SAFE_OFFSET(0)] AS price,
  COUNTIF(event_name = 'view_item_list') AS list_views,
  COUNTIF(event_name = 'select_item') AS list_clicks,
  COUNTIF(event_name = 'view_item') AS views,
  COUNTIF(event_name = 'add_to_cart') AS carts,
  COUNTIF(event_name = 'purchase') AS purchases,
  SUM(IF(event_name = 'purchase', IFNULL(item.quantity, 1), 0)) AS quantity_purchased,
  IFNULL(SUM(IF(event_name = 'purchase', item.item_revenue, NULL)), 0) AS revenue,
  COUNT(DISTINCT IF(event_name = 'view_item', user_pseudo_id, NULL)) AS viewers,
  COUNT(DISTINCT IF(event_name = 'purchase', user_pseudo_id, NULL)) AS buyers,
  SAFE_DIVIDE(COUNTIF(event_name = 'select_item'), COUNTIF(event_name = 'view_item_list')) AS list_click_rate,
  SAFE_DIVIDE(COUNTIF(event_name = 'purchase'), COUNTIF(event_name = 'view_item')) AS purchases_per_view
FROM {{ source('events') }}, UNNEST(items) AS item
WHERE _TABLE_SUFFIX NOT LIKE 'intraday%'{{ date_filter }}
  AND item.item_id IS NOT NULL
GROUP BY item_id
