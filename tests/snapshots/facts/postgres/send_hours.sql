SELECT
  r.mailing_id,
  r.zone,
  COALESCE(c.region, 'unknown') AS region,
  CAST(EXTRACT(HOUR FROM TIMEZONE(r.zone, CAST(r.sent_at AS TIMESTAMPTZ))) AS BIGINT) AS sent_hour,
  r.sent_day AS day,
  COUNT(*) AS delivered,
  COUNT(*) FILTER(WHERE
    CASE WHEN m.channel = 'sms' THEN r.clicked_at ELSE r.opened_at END < r.sent_at + INTERVAL '24 HOUR') AS responded
FROM (
  SELECT
    mailing_id,
    customer_id,
    zone,
    sent_at,
    sent_day,
    opened_at,
    clicked_at
  FROM reach_times
  WHERE
    NOT sent_at IS NULL AND NOT delivered_at IS NULL AND (
      TRUE
    )
) AS r
JOIN mailings AS m
  ON m.mailing_id = r.mailing_id
LEFT JOIN customers AS c
  ON c.customer_id = r.customer_id
GROUP BY
  r.mailing_id,
  r.zone,
  COALESCE(c.region, 'unknown'),
  CAST(EXTRACT(HOUR FROM TIMEZONE(r.zone, CAST(r.sent_at AS TIMESTAMPTZ))) AS BIGINT),
  r.sent_day
