SELECT
  mailing_id,
  customer_id,
  type,
  day,
  MIN(ts) AS first_ts,
  MIN(variant_id) AS variant_id,
  COUNT(*) AS events
FROM (
  SELECT
    mailing_id,
    customer_id,
    type,
    ts,
    variant_id,
    CAST(FROM_UTC_TIMESTAMP(CAST(ts AS TIMESTAMP), 'UTC') AS DATE) AS day
  FROM events
  WHERE
    type IN ('spam', 'unsubscribed') AND NOT ts IS NULL AND (
      TRUE
    )
) AS e
GROUP BY
  mailing_id,
  customer_id,
  type,
  day
ORDER BY
  mailing_id NULLS LAST,
  customer_id NULLS LAST
