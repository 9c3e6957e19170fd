SELECT
  mailing_id,
  step,
  day,
  prev_day,
  region,
  COUNT(*) AS customers,
  SUM(revenue) AS revenue
FROM (
  SELECT
    o.mailing_id,
    s.step,
    o.customer_id,
    o.day,
    o.revenue,
    LAG(o.day) OVER (PARTITION BY o.mailing_id, s.step, o.customer_id ORDER BY o.day) AS prev_day,
    COALESCE(r.region, 'unknown') AS region
  FROM (
    SELECT
      mailing_id,
      customer_id,
      day,
      MAX(ts) AS last_ts,
      SUM(total) AS revenue
    FROM attributed_orders
    WHERE
      (
        TRUE
      )
    GROUP BY
      mailing_id,
      customer_id,
      day
  ) AS o
  LEFT JOIN customers AS r
    ON r.customer_id = o.customer_id
  LEFT JOIN (
    SELECT
      mailing_id,
      customer_id,
      clicked_at,
      clicked_at_all
    FROM reach_times
    WHERE
      (
        TRUE
      ) AND NOT clicked_at_all IS NULL
  ) AS c
    ON c.mailing_id = o.mailing_id AND c.customer_id = o.customer_id
  CROSS JOIN (VALUES
    ('ordered'),
    ('ordered_after_click'),
    ('ordered_after_click_all')) AS s(step)
  WHERE
    (
      s.step = 'ordered'
    )
    OR (
      s.step = 'ordered_after_click' AND o.last_ts >= c.clicked_at
    )
    OR (
      s.step = 'ordered_after_click_all' AND o.last_ts >= c.clicked_at_all
    )
) AS p
GROUP BY
  mailing_id,
  step,
  day,
  prev_day,
  region
ORDER BY
  mailing_id,
  step,
  day
