-- experiment_users: one row per client and run, what an experiment arm's figures are computed from: the sessions
-- each shopper had in the run, how many orders (purchase events) they placed, their purchase revenue, and how
-- often the run's store showed and they followed its recommended list (item_list_id 'home_recommended', the
-- recommendations variant). Conversion rate is the share of rows with orders > 0, revenue per user the mean of
-- revenue, order value revenue over orders.
SELECT
  s.run_id,
  s.user_pseudo_id,
  COUNT(*) AS sessions,
  SUM(s.count_purchase) AS orders,
  SUM(s.revenue) AS revenue,
  IFNULL(MAX(l.recommended_views), 0) AS recommended_views,
  IFNULL(MAX(l.recommended_selects), 0) AS recommended_selects
FROM {{ ref('sessions') }} AS s
LEFT JOIN (
  SELECT
    run_id,
    user_pseudo_id,
    COUNTIF(event_name = 'view_item_list') AS recommended_views,
    COUNTIF(event_name = 'select_item') AS recommended_selects
  FROM {{ ref('stg_events') }}
  WHERE item_list_id = 'home_recommended'
  GROUP BY run_id, user_pseudo_id
) AS l
  ON l.run_id = s.run_id AND l.user_pseudo_id = s.user_pseudo_id
GROUP BY s.run_id, s.user_pseudo_id
