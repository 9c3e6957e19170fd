SELECT
  mailing_id,
  status,
  "group",
  variant_id,
  stage,
  day,
  COUNT(*) AS customers
FROM (
  SELECT
    r.mailing_id,
    r.status,
    r."group",
    r.variant_id,
    s.stage,
    CASE s.stage
      WHEN 'sent'
      THEN r.sent_day
      WHEN 'delivered'
      THEN r.delivered_day
      WHEN 'opened'
      THEN r.opened_day
      WHEN 'clicked'
      THEN r.clicked_day
      WHEN 'opened_all'
      THEN r.opened_all_day
      WHEN 'clicked_all'
      THEN r.clicked_all_day
    END AS day
  FROM (
    SELECT
      *
    FROM reach_times
    WHERE
      (
        TRUE
      )
  ) AS r
  CROSS JOIN (VALUES
    ('audience'),
    ('sent'),
    ('delivered'),
    ('opened'),
    ('clicked'),
    ('opened_all'),
    ('clicked_all')) AS s(stage)
) AS e
WHERE
  stage = 'audience' OR NOT day IS NULL
GROUP BY
  mailing_id,
  status,
  "group",
  variant_id,
  stage,
  day
