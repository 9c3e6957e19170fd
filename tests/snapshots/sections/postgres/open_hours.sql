SELECT
  *
FROM "mailings" AS "t0"
WHERE
  "t0"."mailing_id" = 'M1';

SELECT
  "t0"."variant_id"
FROM "variants" AS "t0"
WHERE
  "t0"."mailing_id" = 'M1'
ORDER BY
  "t0"."variant_id" ASC;

SELECT
  "t1"."dow" AS "weekday",
  "t1"."hour",
  SUM("t1"."openers") AS "openers"
FROM (
  SELECT
    *
  FROM "open_counts" AS "t0"
  WHERE
    "t0"."mailing_id" IN ('M1')
    AND "t0"."machine" = TRUE
    AND "t0"."zone" = 'recipient'
    AND "t0"."day" IS NOT NULL
    AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
    AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
) AS "t1"
GROUP BY
  1,
  2;
