SELECT
  mailing_id,
  kind,
  machine,
  day,
  device,
  client,
  os,
  region,
  COUNT(*) AS customers
FROM reach_details
WHERE
  (
    TRUE
  )
GROUP BY
  mailing_id,
  kind,
  machine,
  day,
  device,
  client,
  os,
  region
