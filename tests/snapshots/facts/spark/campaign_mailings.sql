SELECT
  mailing_id,
  campaign_id
FROM mailings
WHERE
  NOT campaign_id IS NULL AND (
    TRUE
  )
ORDER BY
  mailing_id NULLS LAST
