SELECT
  *
FROM (
  SELECT
    "t0"."mailing_id",
    "t0"."name",
    "t0"."channel",
    "t0"."status",
    "t0"."category",
    "t0"."campaign_id",
    "t0"."sent_at",
    "t0"."control_share",
    COUNT("t0"."mailing_id") OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS "total"
  FROM "mailings" AS "t0"
) AS "t1"
ORDER BY
  "t1"."sent_at" IS NULL ASC,
  "t1"."sent_at" DESC NULLS LAST,
  "t1"."mailing_id" ASC
LIMIT 500;

SELECT
  COUNT(*) AS "n"
FROM "mailings" AS "t0";
