SELECT
  e.mailing_id,
  e.customer_id,
  e.type,
  e.day,
  e.first_ts,
  e.variant_id,
  e.events,
  e.reason,
  CASE
    WHEN STRPOS(c.email, '@') > 0
    THEN NULLIF(LOWER(REVERSE(SPLIT_PART(REVERSE(c.email), '@', 1))), '')
  END AS domain
FROM (
  SELECT
    mailing_id,
    customer_id,
    type,
    day,
    MIN(ts) AS first_ts,
    MIN(variant_id) AS variant_id,
    COUNT(*) AS events,
    MAX(CASE WHEN latest = 1 THEN reason END) AS reason
  FROM (
    SELECT
      mailing_id,
      customer_id,
      type,
      ts,
      variant_id,
      NULLIF(TRIM(reason), '') AS reason,
      CAST(TIMEZONE('UTC', CAST(ts AS TIMESTAMPTZ)) AS DATE) AS day,
      ROW_NUMBER() OVER (
        PARTITION BY mailing_id, customer_id, type, CAST(TIMEZONE('UTC', CAST(ts AS TIMESTAMPTZ)) AS DATE)
        ORDER BY ts DESC, event_id DESC
      ) AS latest
    FROM events
    WHERE
      type IN ('spam', 'unsubscribed') AND NOT ts IS NULL AND (
        TRUE
      )
  ) AS x
  GROUP BY
    mailing_id,
    customer_id,
    type,
    day
) AS e
LEFT JOIN customers AS c
  ON c.customer_id = e.customer_id
ORDER BY
  e.mailing_id,
  e.customer_id
