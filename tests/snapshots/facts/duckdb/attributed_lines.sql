SELECT
  a.mailing_id,
  a.customer_id,
  a.order_id,
  a.day,
  l.product_id,
  l.quantity,
  l.amount
FROM (
  SELECT
    mailing_id,
    customer_id,
    order_id,
    day
  FROM attributed_orders
  WHERE
    (
      TRUE
    )
) AS a
JOIN order_lines AS l
  ON l.order_id = a.order_id
ORDER BY
  a.mailing_id,
  a.day
