-- item_events: one row per item of an ecommerce event (view_item_list, select_item, view_item, add_to_cart,
-- purchase, …): who (client_key, user_pseudo_id), which session (session_key, ga_session_id), when, what
-- happened and to which item. What per-user item and category counts, co-view / co-cart / co-buy pairs and the
-- user × item matrix of recommenders are built from. Events without a session id are left out, as in sessions.
SELECT
  e.client_key,
  e.session_key,
  e.user_pseudo_id,
  e.ga_session_id,
  e.run_id,
  e.event_timestamp,
  e.event_name,
  item.item_id AS item_id,
  item.item_category AS item_category,
  item.item_category2 AS item_category2,
  item.price AS price,
  item.quantity AS quantity,
  item.item_list_name AS item_list_name
FROM (
  SELECT
    TO_BASE64(MD5(CONCAT(user_pseudo_id, stream_id))) AS client_key,
    TO_BASE64(MD5(CONCAT(TO_BASE64(MD5(CONCAT(user_pseudo_id, stream_id))),
      CAST((SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'ga_session_id') AS STRING)))) AS session_key,
    user_pseudo_id,
    (SELECT value.int_value FROM UNNEST(event_params) WHERE key = 'ga_session_id') AS ga_session_id,
    (SELECT value.string_value FROM UNNEST(event_params) WHERE key = 'shoplab_run_id') AS run_id,
    event_timestamp,
    event_name,
    items
  FROM {{ source('events') }}
  WHERE _TABLE_SUFFIX NOT LIKE 'intraday%'{{ date_filter }}
) AS e, UNNEST(e.items) AS item
WHERE e.ga_session_id IS NOT NULL AND item.item_id IS NOT NULL
