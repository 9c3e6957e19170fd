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
  "t1"."mailing_id",
  "t1"."day" AS "date",
  "t1"."stage",
  SUM("t1"."customers") AS "customers"
FROM (
  SELECT
    "t0"."mailing_id",
    "t0"."status",
    "t0"."group",
    "t0"."variant_id",
    CASE "t0"."stage"
      WHEN 'sent'
      THEN 'sent'
      WHEN 'delivered'
      THEN 'delivered'
      WHEN 'opened_all'
      THEN 'opened'
      WHEN 'clicked_all'
      THEN 'clicked'
      ELSE "t0"."stage"
    END AS "stage",
    "t0"."day",
    "t0"."customers"
  FROM "reach_counts" AS "t0"
  WHERE
    "t0"."mailing_id" IN ('M1')
    AND "t0"."stage" IN ('sent', 'delivered', 'opened_all', 'clicked_all')
    AND "t0"."day" IS NOT NULL
    AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
    AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
) AS "t1"
GROUP BY
  1,
  2,
  3;

SELECT
  "t1"."mailing_id",
  "t1"."step",
  "t1"."day" AS "date",
  SUM("t1"."customers") AS "customers"
FROM (
  SELECT
    "t0"."mailing_id",
    CASE "t0"."step"
      WHEN 'ordered'
      THEN 'ordered'
      WHEN 'ordered_after_click_all'
      THEN 'ordered_after_click'
      ELSE "t0"."step"
    END AS "step",
    "t0"."day",
    "t0"."prev_day",
    "t0"."customers"
  FROM "order_days" AS "t0"
  WHERE
    "t0"."mailing_id" IN ('M1')
    AND "t0"."step" IN ('ordered', 'ordered_after_click_all')
    AND "t0"."day" IS NOT NULL
    AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
    AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
    AND (
      (
        "t0"."prev_day" IS NULL
      ) OR (
        "t0"."prev_day" < MAKE_DATE(2026, 7, 1)
      )
    )
) AS "t1"
GROUP BY
  1,
  2,
  3;

SELECT
  "t1"."type",
  COUNT(DISTINCT "t1"."customer_id") AS "customers"
FROM (
  SELECT
    *
  FROM "complaints" AS "t0"
  WHERE
    "t0"."mailing_id" IN ('M1')
    AND "t0"."day" IS NOT NULL
    AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
    AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
) AS "t1"
GROUP BY
  1;
