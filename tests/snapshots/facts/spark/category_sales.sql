SELECT
  mailing_id,
  day,
  category_id,
  SUM(quantity) AS units,
  SUM(amount) AS revenue,
  COUNT(DISTINCT order_id) AS receipts,
  SUM(CASE WHEN COALESCE(unit, 'pcs') = 'pcs' THEN quantity ELSE 0 END) AS units_pcs,
  SUM(CASE WHEN COALESCE(unit, 'pcs') = 'kg' THEN quantity ELSE 0 END) AS units_kg,
  SUM(CASE WHEN COALESCE(unit, 'pcs') = 'l' THEN quantity ELSE 0 END) AS units_l,
  SUM(CASE WHEN COALESCE(unit, 'pcs') = 'm' THEN quantity ELSE 0 END) AS units_m
FROM (
  SELECT
    a.mailing_id,
    a.day,
    p.category_id,
    p.unit,
    a.quantity,
    a.amount,
    a.order_id
  FROM (
    SELECT
      mailing_id,
      day,
      product_id,
      quantity,
      amount,
      order_id
    FROM attributed_lines
    WHERE
      (
        TRUE
      )
  ) AS a
  JOIN products AS p
    ON p.product_id = a.product_id
) AS s
GROUP BY
  mailing_id,
  day,
  category_id
ORDER BY
  mailing_id NULLS LAST,
  day NULLS LAST
