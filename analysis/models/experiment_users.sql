-- experiment_users: one row per client and run, what an experiment arm's figures are computed from: the sessions
-- each shopper had in the run, how many orders (purchase events) they placed, their purchase revenue and the shipping
-- they were charged on them, the arm the store recorded for them (the user property experiment_arm, set by the
-- store on its events once it knows its arm), how often the run's store showed and they followed its recommended list
-- (item_list_id 'home_recommended', the recommendations variant) and how often their cart showed the free-shipping
-- promotion (promotion_id 'free_shipping_cart', the free-shipping variant). Conversion rate is the share of rows with
-- orders > 0, revenue per user the mean of revenue, order value revenue over orders.
SELECT
  s.run_id,
  s.user_pseudo_id,
  COUNT(*) AS sessions,
  SUM(s.count_purchase) AS orders,
  SUM(s.revenue) AS revenue,
  IFNULL(MAX(l.shipping), 0) AS shipping,
  MAX(l.experiment_arm) AS experiment_arm,
  IFNULL(MAX(l.recommended_views), 0) AS recommended_views,
  IFNULL(MAX(l.recommended_selects), 0) AS recommended_selects,
  IFNULL(MAX(l.free_shipping_views), 0) AS free_shipping_views
FROM {{ ref('sessions') }} AS s
LEFT JOIN (
  SELECT
    run_id,
    user_pseudo_id,
    MAX(experiment_arm) AS experiment_arm,
    SUM(shipping_value) AS shipping,
    COUNTIF(event_name = 'view_item_list' AND item_list_id = 'home_recommended') AS recommended_views,
    COUNTIF(event_name = 'select_item' AND item_list_id = 'home_recommended') AS recommended_selects,
    COUNTIF(event_name = 'view_promotion' AND promotion_id = 'free_shipping_cart') AS free_shipping_views
  FROM {{ ref('stg_events') }}
  GROUP BY run_id, user_pseudo_id
) AS l
  ON l.run_id = s.run_id AND l.user_pseudo_id = s.user_pseudo_id
GROUP BY s.run_id, s.user_pseudo_id
