SELECT
  mailing_id,
  customer_id,
  day,
  COUNT(*) AS orders,
  SUM(total) AS revenue,
  MIN(ts) AS first_ts,
  MAX(ts) AS last_ts,
  status,
  "group",
  variant_id,
  sent_day,
  delivered_day,
  opened_day,
  clicked_day,
  opened_all_day,
  clicked_all_day,
  sent_at,
  delivered_at,
  opened_at,
  clicked_at,
  opened_at_all,
  clicked_at_all,
  region
FROM (
  SELECT
    a.mailing_id,
    a.customer_id,
    a.day,
    a.total,
    a.ts,
    r.status,
    r."group",
    CASE WHEN r.customer_id IS NULL THEN 'A' ELSE r.variant_id END AS variant_id,
    r.sent_day,
    r.delivered_day,
    r.opened_day,
    r.clicked_day,
    r.opened_all_day,
    r.clicked_all_day,
    r.sent_at,
    r.delivered_at,
    r.opened_at,
    r.clicked_at,
    r.opened_at_all,
    r.clicked_at_all,
    COALESCE(c.region, 'unknown') AS region
  FROM (
    SELECT
      mailing_id,
      customer_id,
      day,
      total,
      ts
    FROM attributed_orders
    WHERE
      (
        TRUE
      )
  ) AS a
  LEFT JOIN (
    SELECT
      *
    FROM reach_times
    WHERE
      (
        TRUE
      )
  ) AS r
    ON r.mailing_id = a.mailing_id AND r.customer_id = a.customer_id
  LEFT JOIN customers AS c
    ON c.customer_id = a.customer_id
) AS b
GROUP BY
  mailing_id,
  customer_id,
  day,
  status,
  "group",
  variant_id,
  sent_day,
  delivered_day,
  opened_day,
  clicked_day,
  opened_all_day,
  clicked_all_day,
  sent_at,
  delivered_at,
  opened_at,
  clicked_at,
  opened_at_all,
  clicked_at_all,
  region
ORDER BY
  mailing_id,
  customer_id,
  day
