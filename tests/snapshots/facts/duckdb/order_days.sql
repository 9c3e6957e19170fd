SELECT
  mailing_id,
  day,
  prev_day,
  COUNT(*) AS customers
FROM (
  SELECT
    mailing_id,
    customer_id,
    day,
    LAG(day) OVER (PARTITION BY mailing_id, customer_id ORDER BY day) AS prev_day
  FROM (
    SELECT DISTINCT
      mailing_id,
      customer_id,
      day
    FROM attributed_orders
    WHERE
      (
        TRUE
      )
  ) AS d
) AS p
GROUP BY
  mailing_id,
  day,
  prev_day
ORDER BY
  mailing_id,
  day
