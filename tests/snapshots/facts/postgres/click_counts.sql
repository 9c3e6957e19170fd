SELECT
  mailing_id,
  customer_id,
  variant_id,
  link_index,
  url,
  day,
  is_machine,
  COUNT(*) AS clicks
FROM (
  SELECT
    e.mailing_id,
    e.customer_id,
    COALESCE(r.variant_id, e.variant_id, 'A') AS variant_id,
    e.link_index,
    e.url,
    CAST(TIMEZONE('UTC', CAST(e.ts AS TIMESTAMPTZ)) AS DATE) AS day,
    COALESCE(e.is_machine, FALSE) AS is_machine
  FROM (
    SELECT
      mailing_id,
      customer_id,
      variant_id,
      link_index,
      url,
      ts,
      is_machine
    FROM events
    WHERE
      type = 'clicked' AND NOT ts IS NULL AND (
        TRUE
      )
  ) AS e
  LEFT JOIN (
    SELECT
      mailing_id,
      customer_id,
      variant_id
    FROM reach_times
    WHERE
      (
        TRUE
      )
  ) AS r
    ON r.mailing_id = e.mailing_id AND r.customer_id = e.customer_id
) AS c
GROUP BY
  mailing_id,
  customer_id,
  variant_id,
  link_index,
  url,
  day,
  is_machine
ORDER BY
  mailing_id,
  customer_id
