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
  "t0"."variant_id",
  "t0"."body_html"
FROM "variants" AS "t0"
WHERE
  "t0"."mailing_id" = 'M1';

SELECT
  "t1"."variant_id",
  SUM("t1"."customers") AS "n"
FROM (
  SELECT
    *
  FROM "reach_counts" AS "t0"
  WHERE
    "t0"."mailing_id" = 'M1'
    AND "t0"."stage" = 'opened_all'
    AND "t0"."day" IS NOT NULL
    AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
    AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
) AS "t1"
GROUP BY
  1;

SELECT
  "t5"."vid",
  "t5"."idx",
  SUM("t5"."clicks") AS "clicks",
  COUNT(DISTINCT "t5"."customer_id") AS "unique"
FROM (
  SELECT
    "t4"."vid",
    COALESCE("t4"."link_index", "t2"."url_index") AS "idx",
    "t4"."customer_id",
    "t4"."clicks"
  FROM (
    SELECT
      "t0"."variant_id" AS "vid",
      "t0"."link_index",
      "t0"."url",
      "t0"."customer_id",
      "t0"."clicks"
    FROM "click_counts" AS "t0"
    WHERE
      "t0"."mailing_id" = 'M1'
      AND "t0"."day" IS NOT NULL
      AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
      AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
  ) AS "t4"
  LEFT OUTER JOIN "memtable" AS "t2"
    ON "t4"."vid" = "t2"."vid" AND "t4"."url" = "t2"."url"
) AS "t5"
GROUP BY
  1,
  2;
