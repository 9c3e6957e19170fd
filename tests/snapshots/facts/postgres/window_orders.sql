WITH starts AS (
  SELECT
    m.mailing_id,
    COALESCE(m.sent_at, f.first_sent) AS start
  FROM mailings AS m
  LEFT JOIN (
    SELECT
      mailing_id,
      MIN(sent_at) AS first_sent
    FROM reach_times
    WHERE
      mailing_id IN (
        SELECT
          mailing_id
        FROM mailings
        WHERE
          sent_at IS NULL
      )
    GROUP BY
      mailing_id
  ) AS f
    ON f.mailing_id = m.mailing_id
)
SELECT
  r.mailing_id,
  r.customer_id,
  r."group",
  r.variant_id,
  o.order_id,
  CAST(TIMEZONE('UTC', CAST(o.ts AS TIMESTAMPTZ)) AS DATE) AS day,
  o.total
FROM (
  SELECT
    mailing_id,
    customer_id,
    "group",
    variant_id
  FROM reach_times
  WHERE
    status = 'good' AND (
      TRUE
    )
) AS r
JOIN starts AS s
  ON s.mailing_id = r.mailing_id
JOIN orders AS o
  ON o.customer_id = r.customer_id
  AND o.ts >= s.start
  AND o.ts < s.start + INTERVAL '7 DAY'
WHERE
  COALESCE(o.status, 'completed') = 'completed'
ORDER BY
  r.mailing_id,
  r.customer_id
