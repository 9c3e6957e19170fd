SELECT
  e.mailing_id,
  e.customer_id,
  e.day,
  e.last_ts,
  e.variant_id,
  e.bounce_class,
  e.reason,
  CASE
    WHEN LOCATE('@', c.email) > 0
    THEN NULLIF(LOWER(REVERSE(SPLIT_PART(REVERSE(c.email), '@', 1))), '')
  END AS domain,
  e.events,
  LEAD(e.day) OVER (PARTITION BY e.mailing_id, e.customer_id ORDER BY e.day NULLS LAST) AS next_day
FROM (
  SELECT
    mailing_id,
    customer_id,
    day,
    MAX(ts) AS last_ts,
    MIN(variant_id) AS variant_id,
    MAX(CASE WHEN latest = 1 THEN bounce_class END) AS bounce_class,
    MAX(CASE WHEN latest = 1 THEN reason END) AS reason,
    COUNT(*) AS events
  FROM (
    SELECT
      mailing_id,
      customer_id,
      ts,
      variant_id,
      COALESCE(bounce_class, 'unknown') AS bounce_class,
      NULLIF(TRIM(reason), '') AS reason,
      CAST(FROM_UTC_TIMESTAMP(CAST(ts AS TIMESTAMP), 'UTC') AS DATE) AS day,
      ROW_NUMBER() OVER (
        PARTITION BY mailing_id, customer_id, CAST(FROM_UTC_TIMESTAMP(CAST(ts AS TIMESTAMP), 'UTC') AS DATE)
        ORDER BY ts DESC, event_id DESC
      ) AS latest
    FROM events
    WHERE
      type IN ('bounced', 'failed') AND NOT ts IS NULL AND (
        TRUE
      )
  ) AS b
  GROUP BY
    mailing_id,
    customer_id,
    day
) AS e
LEFT JOIN customers AS c
  ON c.customer_id = e.customer_id
ORDER BY
  e.mailing_id NULLS LAST,
  e.customer_id NULLS LAST
