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
  "t1"."date",
  SUM(CAST(CAST("t1"."kind" = 'receipt' AS INT) AS BIGINT)) AS "receipts",
  SUM(CAST(CAST("t1"."kind" = 'order' AS INT) AS BIGINT)) AS "orders",
  SUM("t1"."total") AS "revenue"
FROM (
  SELECT
    "t0"."order_id",
    "t0"."mailing_id",
    "t0"."customer_id",
    "t0"."kind",
    "t0"."ts",
    "t0"."total",
    "t0"."touch_at",
    "t0"."day",
    "t0"."day" AS "date"
  FROM "attributed_orders" AS "t0"
  WHERE
    "t0"."mailing_id" IN ('M1')
    AND "t0"."day" IS NOT NULL
    AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
    AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
) AS "t1"
GROUP BY
  1;
