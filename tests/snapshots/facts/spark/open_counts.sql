SELECT
  mailing_id,
  machine,
  zone,
  day,
  dow,
  hour,
  COUNT(*) AS openers
FROM (
  SELECT
    r.mailing_id,
    s.machine,
    s.zone,
    CASE s.k
      WHEN 0
      THEN r.opened_day
      WHEN 1
      THEN r.opened_day
      WHEN 2
      THEN r.opened_all_day
      WHEN 3
      THEN r.opened_all_day
    END AS day,
    CASE s.k
      WHEN 0
      THEN r.open_dow
      WHEN 1
      THEN r.open_dow_co
      WHEN 2
      THEN r.open_dow_all
      WHEN 3
      THEN r.open_dow_co_all
    END AS dow,
    CASE s.k
      WHEN 0
      THEN r.open_hour
      WHEN 1
      THEN r.open_hour_co
      WHEN 2
      THEN r.open_hour_all
      WHEN 3
      THEN r.open_hour_co_all
    END AS hour
  FROM (
    SELECT
      *
    FROM reach_times
    WHERE
      (
        TRUE
      ) AND NOT opened_all_day IS NULL
  ) AS r
  CROSS JOIN VALUES
    (0, FALSE, 'recipient'),
    (1, FALSE, 'company'),
    (2, TRUE, 'recipient'),
    (3, TRUE, 'company') AS s(k, machine, zone)
) AS e
WHERE
  NOT day IS NULL
GROUP BY
  mailing_id,
  machine,
  zone,
  day,
  dow,
  hour
