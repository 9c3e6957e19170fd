SELECT
  r.mailing_id,
  CASE
    WHEN LOCATE('@', c.email) > 0
    THEN NULLIF(LOWER(REVERSE(SPLIT_PART(REVERSE(c.email), '@', 1))), '')
  END AS domain,
  r.sent_day AS day,
  COUNT(*) AS customers
FROM (
  SELECT
    mailing_id,
    customer_id,
    sent_day
  FROM reach_times
  WHERE
    NOT sent_day IS NULL AND (
      TRUE
    )
) AS r
JOIN mailings AS m
  ON m.mailing_id = r.mailing_id AND m.channel = 'email'
LEFT JOIN customers AS c
  ON c.customer_id = r.customer_id
GROUP BY
  r.mailing_id,
  CASE
    WHEN LOCATE('@', c.email) > 0
    THEN NULLIF(LOWER(REVERSE(SPLIT_PART(REVERSE(c.email), '@', 1))), '')
  END,
  r.sent_day
