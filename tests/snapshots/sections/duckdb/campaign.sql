SELECT
  *
FROM "campaigns" AS "t0"
WHERE
  "t0"."campaign_id" = 'C1';

SELECT
  "t0"."mailing_id"
FROM "mailings" AS "t0"
WHERE
  "t0"."campaign_id" = 'C1'
ORDER BY
  "t0"."mailing_id" ASC;

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
    CASE "t0"."step" WHEN 'ordered' THEN 'ordered' ELSE "t0"."step" END AS "step",
    "t0"."day",
    "t0"."prev_day",
    "t0"."customers",
    "t0"."revenue"
  FROM "order_days" AS "t0"
  WHERE
    "t0"."mailing_id" IN ('M1')
    AND "t0"."step" IN ('ordered')
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
  "t1"."mailing_id",
  COUNT(*) AS "orders",
  SUM("t1"."total") AS "revenue"
FROM (
  SELECT
    *
  FROM "attributed_orders" AS "t0"
  WHERE
    "t0"."mailing_id" IN ('M1')
    AND "t0"."day" IS NOT NULL
    AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
    AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
) AS "t1"
GROUP BY
  1;

SELECT
  COUNT(DISTINCT "t1"."customer_id") FILTER(WHERE
    (
      "t1"."sent_day" IS NOT NULL
    )
    AND (
      "t1"."sent_day" >= MAKE_DATE(2026, 7, 1)
    )
    AND (
      "t1"."sent_day" <= MAKE_DATE(2026, 7, 7)
    )) AS "sent",
  COUNT(DISTINCT "t1"."customer_id") FILTER(WHERE
    (
      "t1"."delivered_day" IS NOT NULL
    )
    AND (
      "t1"."delivered_day" >= MAKE_DATE(2026, 7, 1)
    )
    AND (
      "t1"."delivered_day" <= MAKE_DATE(2026, 7, 7)
    )) AS "delivered",
  COUNT(DISTINCT "t1"."customer_id") FILTER(WHERE
    (
      "t1"."opened_all_day" IS NOT NULL
    )
    AND (
      "t1"."opened_all_day" >= MAKE_DATE(2026, 7, 1)
    )
    AND (
      "t1"."opened_all_day" <= MAKE_DATE(2026, 7, 7)
    )) AS "opened",
  COUNT(DISTINCT "t1"."customer_id") FILTER(WHERE
    (
      "t1"."clicked_all_day" IS NOT NULL
    )
    AND (
      "t1"."clicked_all_day" >= MAKE_DATE(2026, 7, 1)
    )
    AND (
      "t1"."clicked_all_day" <= MAKE_DATE(2026, 7, 7)
    )) AS "clicked"
FROM (
  SELECT
    *
  FROM "reach_times" AS "t0"
  WHERE
    "t0"."mailing_id" IN ('M1')
) AS "t1";

SELECT
  COUNT(DISTINCT "t1"."customer_id") AS "ordered",
  SUM("t1"."total") AS "revenue"
FROM (
  SELECT
    *
  FROM "attributed_orders" AS "t0"
  WHERE
    "t0"."mailing_id" IN ('M1')
    AND "t0"."day" IS NOT NULL
    AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
    AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
) AS "t1";

SELECT
  "t1"."date",
  SUM(CAST("t1"."kind" = 'receipt' AS INT)) AS "receipts",
  SUM(CAST("t1"."kind" = 'order' AS INT)) AS "orders",
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

SELECT
  SUM("t2"."units_pcs") AS "units_pcs",
  SUM("t2"."units_kg") AS "units_kg",
  SUM("t2"."units_l") AS "units_l",
  SUM("t2"."units_m") AS "units_m"
FROM (
  SELECT
    "t1"."category_id",
    SUM("t1"."units") AS "units",
    SUM("t1"."revenue") AS "revenue",
    SUM("t1"."receipts") AS "receipts",
    SUM("t1"."units_pcs") AS "units_pcs",
    SUM("t1"."units_kg") AS "units_kg",
    SUM("t1"."units_l") AS "units_l",
    SUM("t1"."units_m") AS "units_m"
  FROM (
    SELECT
      *
    FROM "category_sales" AS "t0"
    WHERE
      "t0"."mailing_id" IN ('M1')
      AND "t0"."day" IS NOT NULL
      AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
      AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
  ) AS "t1"
  GROUP BY
    1
) AS "t2";

SELECT
  *
FROM (
  SELECT
    "t6"."category_id",
    "t6"."units",
    "t6"."revenue",
    "t6"."receipts",
    "t6"."units_pcs",
    "t6"."units_kg",
    "t6"."units_l",
    "t6"."units_m",
    "t4"."category"
  FROM (
    SELECT
      "t3"."category_id",
      SUM("t3"."units") AS "units",
      SUM("t3"."revenue") AS "revenue",
      SUM("t3"."receipts") AS "receipts",
      SUM("t3"."units_pcs") AS "units_pcs",
      SUM("t3"."units_kg") AS "units_kg",
      SUM("t3"."units_l") AS "units_l",
      SUM("t3"."units_m") AS "units_m"
    FROM (
      SELECT
        *
      FROM "category_sales" AS "t0"
      WHERE
        "t0"."mailing_id" IN ('M1')
        AND "t0"."day" IS NOT NULL
        AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
        AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
    ) AS "t3"
    GROUP BY
      1
  ) AS "t6"
  INNER JOIN (
    SELECT
      "t1"."category_id",
      "t1"."name" AS "category"
    FROM "categories" AS "t1"
  ) AS "t4"
    ON "t6"."category_id" = "t4"."category_id"
) AS "t7"
WHERE
  CONTAINS(LOWER("t7"."category"), 'shoe')
ORDER BY
  "t7"."units" DESC,
  "t7"."category" ASC,
  "t7"."category_id" ASC
LIMIT 25;

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

WITH "t1" AS (
  SELECT
    *
  FROM "reach_detail_counts" AS "t0"
  WHERE
    "t0"."mailing_id" = 'M1'
    AND "t0"."day" IS NOT NULL
    AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
    AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
)
SELECT
  *
FROM (
  SELECT
    *
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t2"."kind",
        "t2"."machine",
        'device' AS "dimension",
        "t2"."device" AS "name",
        SUM("t2"."customers") AS "customers"
      FROM "t1" AS "t2"
      GROUP BY
        1,
        2,
        3,
        4
    ) AS "t3"
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        "t2"."kind",
        "t2"."machine",
        'client' AS "dimension",
        "t2"."client" AS "name",
        SUM("t2"."customers") AS "customers"
      FROM "t1" AS "t2"
      GROUP BY
        1,
        2,
        3,
        4
    ) AS "t4"
  ) AS "t7"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      *
    FROM (
      SELECT
        "t2"."kind",
        "t2"."machine",
        'os' AS "dimension",
        "t2"."os" AS "name",
        SUM("t2"."customers") AS "customers"
      FROM "t1" AS "t2"
      GROUP BY
        1,
        2,
        3,
        4
    ) AS "t5"
    UNION ALL
    SELECT
      *
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t2"."kind",
          "t2"."machine",
          'total' AS "dimension",
          CAST(NULL AS TEXT) AS "name",
          SUM("t2"."customers") AS "customers"
        FROM "t1" AS "t2"
        GROUP BY
          1,
          2
      ) AS "t6"
    ) AS "t8"
  ) AS "t9"
) AS "t10"
WHERE
  "t10"."customers" > 0;

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
  COUNT(DISTINCT "t1"."customer_id") AS "customers",
  SUM("t1"."revenue") AS "revenue"
FROM (
  SELECT
    *
  FROM "buyers" AS "t0"
  WHERE
    "t0"."mailing_id" IN ('M1')
    AND "t0"."day" IS NOT NULL
    AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
    AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
) AS "t1"
GROUP BY
  1;
