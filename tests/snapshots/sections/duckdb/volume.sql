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
  "t1"."status",
  "t1"."group",
  SUM("t1"."customers") FILTER(WHERE
    "t1"."stage" = 'audience') AS "customers",
  SUM("t1"."customers") FILTER(WHERE
    "t1"."stage" = 'delivered') AS "delivered"
FROM (
  SELECT
    *
  FROM "reach_counts" AS "t0"
  WHERE
    "t0"."mailing_id" IN ('M1')
    AND "t0"."status" IS NOT NULL
    AND "t0"."stage" IN ('audience', 'delivered')
) AS "t1"
GROUP BY
  1,
  2;
