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
  "t1"."region",
  "t1"."kind",
  SUM("t1"."customers") AS "customers"
FROM (
  SELECT
    *
  FROM "reach_detail_counts" AS "t0"
  WHERE
    "t0"."mailing_id" = 'M1'
    AND "t0"."day" IS NOT NULL
    AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
    AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
    AND NOT (
      "t0"."machine"
    )
) AS "t1"
GROUP BY
  1,
  2;

SELECT
  "t1"."region",
  SUM(
    CASE
      WHEN (
        "t1"."prev_day" IS NULL
      ) OR (
        "t1"."prev_day" < MAKE_DATE(2026, 7, 1)
      )
      THEN "t1"."customers"
      ELSE 0
    END
  ) AS "customers",
  SUM("t1"."revenue") AS "revenue"
FROM (
  SELECT
    *
  FROM "order_days" AS "t0"
  WHERE
    "t0"."mailing_id" = 'M1'
    AND "t0"."step" = 'ordered'
    AND "t0"."day" IS NOT NULL
    AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
    AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
) AS "t1"
GROUP BY
  1;
