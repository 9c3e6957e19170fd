SELECT
  order_id,
  mailing_id,
  customer_id,
  kind,
  ts,
  total,
  touch_at,
  day
FROM (
  SELECT
    o.order_id,
    t.mailing_id,
    o.customer_id,
    o.kind,
    o.ts,
    o.total,
    t.touch_at,
    CAST(TIMEZONE('UTC', CAST(o.ts AS TIMESTAMPTZ)) AS DATE) AS day,
    ROW_NUMBER() OVER (
      PARTITION BY o.order_id
      ORDER BY t.touch_at DESC NULLS LAST, t.mailing_id DESC NULLS LAST
    ) AS _w
  FROM (
    SELECT
      order_id,
      customer_id,
      kind,
      ts,
      total,
      status
    FROM orders
    WHERE
      (
        TRUE
      )
  ) AS o
  JOIN (
    SELECT
      mailing_id,
      customer_id,
      touch_at
    FROM reach_times
    WHERE
      NOT touch_at IS NULL AND (
        TRUE
      )
  ) AS t
    ON t.customer_id = o.customer_id
    AND t.touch_at <= o.ts
    AND o.ts < t.touch_at + INTERVAL '7 DAY'
  WHERE
    COALESCE(o.status, 'completed') = 'completed'
) AS _t
WHERE
  _w = 1
ORDER BY
  mailing_id,
  ts
