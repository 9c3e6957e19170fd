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
    "t0"."region",
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
  POSITION('shoe' IN LOWER("t7"."category")) > 0
ORDER BY
  "t7"."units" DESC NULLS LAST,
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

SELECT
  *
FROM (
  SELECT
    *
  FROM (
    SELECT
      'bounced' AS "kind",
      "t8"."bounce_class",
      "t8"."reason",
      "t8"."domain",
      "t8"."customers"
    FROM (
      SELECT
        "t7"."bounce_class",
        "t7"."reason",
        "t7"."domain",
        COUNT(*) AS "customers"
      FROM (
        SELECT
          *
        FROM "bounces" AS "t0"
        WHERE
          "t0"."mailing_id" = 'M1'
          AND "t0"."day" IS NOT NULL
          AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
          AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
          AND (
            (
              "t0"."next_day" IS NULL
            ) OR (
              "t0"."next_day" > MAKE_DATE(2026, 7, 7)
            )
          )
      ) AS "t7"
      GROUP BY
        1,
        2,
        3
    ) AS "t8"
  ) AS "t11"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t18"."type" AS "kind",
      CAST(NULL AS VARCHAR) AS "bounce_class",
      "t18"."reason",
      "t18"."domain",
      "t18"."customers"
    FROM (
      SELECT
        "t17"."type",
        "t17"."reason",
        "t17"."domain",
        COUNT(*) AS "customers"
      FROM (
        SELECT
          "t16"."mailing_id",
          "t16"."customer_id",
          "t16"."type",
          "t16"."day",
          "t16"."first_ts",
          "t16"."variant_id",
          "t16"."events",
          "t16"."reason",
          "t16"."domain"
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t6"."mailing_id",
              "t6"."customer_id",
              "t6"."type",
              "t6"."day",
              "t6"."first_ts",
              "t6"."variant_id",
              "t6"."events",
              "t6"."reason",
              "t6"."domain",
              ROW_NUMBER() OVER (
                PARTITION BY "t6"."customer_id", "t6"."type"
                ORDER BY "t6"."day" DESC NULLS LAST
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_latest"
            FROM (
              SELECT
                *
              FROM "complaints" AS "t3"
              WHERE
                "t3"."mailing_id" IN ('M1')
                AND "t3"."day" IS NOT NULL
                AND "t3"."day" >= MAKE_DATE(2026, 7, 1)
                AND "t3"."day" <= MAKE_DATE(2026, 7, 7)
            ) AS "t6"
          ) AS "t14"
          WHERE
            "t14"."_latest" = 0
        ) AS "t16"
      ) AS "t17"
      GROUP BY
        1,
        2,
        3
    ) AS "t18"
  ) AS "t19"
) AS "t20"
UNION ALL
SELECT
  *
FROM (
  SELECT
    *
  FROM (
    SELECT
      'domain_sent' AS "kind",
      CAST(NULL AS VARCHAR) AS "bounce_class",
      CAST(NULL AS VARCHAR) AS "reason",
      "t9"."domain",
      "t9"."customers"
    FROM (
      SELECT
        "t4"."domain",
        SUM("t4"."customers") AS "customers"
      FROM (
        SELECT
          *
        FROM "domain_sent" AS "t1"
        WHERE
          "t1"."mailing_id" = 'M1'
          AND "t1"."day" IS NOT NULL
          AND "t1"."day" >= MAKE_DATE(2026, 7, 1)
          AND "t1"."day" <= MAKE_DATE(2026, 7, 7)
      ) AS "t4"
      GROUP BY
        1
    ) AS "t9"
  ) AS "t12"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      'sent' AS "kind",
      CAST(NULL AS VARCHAR) AS "bounce_class",
      CAST(NULL AS VARCHAR) AS "reason",
      CAST(NULL AS VARCHAR) AS "domain",
      "t10"."customers"
    FROM (
      SELECT
        SUM("t5"."customers") AS "customers"
      FROM (
        SELECT
          *
        FROM "reach_counts" AS "t2"
        WHERE
          "t2"."mailing_id" = 'M1'
          AND "t2"."stage" = 'sent'
          AND "t2"."day" IS NOT NULL
          AND "t2"."day" >= MAKE_DATE(2026, 7, 1)
          AND "t2"."day" <= MAKE_DATE(2026, 7, 7)
      ) AS "t5"
    ) AS "t10"
  ) AS "t13"
) AS "t15";

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
          CAST(NULL AS VARCHAR) AS "name",
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

SELECT
  *
FROM (
  SELECT
    "t1"."mark",
    "t1"."name",
    "t1"."detail",
    SUM("t1"."customers") AS "customers",
    SUM("t1"."orders") AS "orders",
    SUM("t1"."revenue") AS "revenue",
    SUM("t1"."revenue_sq") AS "revenue_sq"
  FROM (
    SELECT
      *
    FROM "campaign_counts" AS "t0"
    WHERE
      "t0"."campaign_id" = 'C1'
      AND "t0"."mark" IN ('clicked_all', 'delivered', 'opened_all', 'sent')
      AND (
        "t0"."mark" IN ('status', 'control', 'actual', 'pooled', 'pooled_bought')
        OR (
          "t0"."mark" IN ('bounced', 'unsubscribed')
          AND (
            (
              "t0"."day" IS NOT NULL
            )
            AND (
              "t0"."day" >= MAKE_DATE(2026, 7, 1)
            )
            AND (
              "t0"."day" <= MAKE_DATE(2026, 7, 7)
            )
          )
          AND (
            (
              "t0"."next_day" IS NULL
            ) OR (
              "t0"."next_day" > MAKE_DATE(2026, 7, 7)
            )
          )
        )
        OR (
          NOT (
            "t0"."mark" IN ('bounced', 'unsubscribed')
          )
          AND NOT (
            "t0"."mark" IN ('status', 'control', 'actual', 'pooled', 'pooled_bought')
          )
          AND (
            (
              "t0"."day" IS NOT NULL
            )
            AND (
              "t0"."day" >= MAKE_DATE(2026, 7, 1)
            )
            AND (
              "t0"."day" <= MAKE_DATE(2026, 7, 7)
            )
          )
          AND (
            (
              "t0"."prev_day" IS NULL
            ) OR (
              "t0"."prev_day" < MAKE_DATE(2026, 7, 1)
            )
          )
        )
      )
  ) AS "t1"
  GROUP BY
    1,
    2,
    3
) AS "t2"
WHERE
  "t2"."customers" <> 0;

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

SELECT
  *
FROM (
  SELECT
    "t1"."mark",
    "t1"."name",
    "t1"."detail",
    SUM("t1"."customers") AS "customers",
    SUM("t1"."orders") AS "orders",
    SUM("t1"."revenue") AS "revenue",
    SUM("t1"."revenue_sq") AS "revenue_sq"
  FROM (
    SELECT
      *
    FROM "campaign_counts" AS "t0"
    WHERE
      "t0"."campaign_id" = 'C1'
      AND "t0"."mark" IN ('actual', 'control', 'status')
      AND (
        "t0"."mark" IN ('status', 'control', 'actual', 'pooled', 'pooled_bought')
        OR (
          "t0"."mark" IN ('bounced', 'unsubscribed')
          AND (
            "t0"."day" IS NOT NULL
          )
          AND (
            "t0"."next_day" IS NULL
          )
        )
        OR (
          NOT (
            "t0"."mark" IN ('bounced', 'unsubscribed')
          )
          AND NOT (
            "t0"."mark" IN ('status', 'control', 'actual', 'pooled', 'pooled_bought')
          )
          AND (
            "t0"."day" IS NOT NULL
          )
          AND (
            "t0"."prev_day" IS NULL
          )
        )
      )
  ) AS "t1"
  GROUP BY
    1,
    2,
    3
) AS "t2"
WHERE
  "t2"."customers" <> 0;

SELECT
  *
FROM (
  SELECT
    "t1"."mark",
    "t1"."name",
    "t1"."detail",
    SUM("t1"."customers") AS "customers",
    SUM("t1"."orders") AS "orders",
    SUM("t1"."revenue") AS "revenue",
    SUM("t1"."revenue_sq") AS "revenue_sq"
  FROM (
    SELECT
      *
    FROM "campaign_counts" AS "t0"
    WHERE
      "t0"."campaign_id" = 'C1'
      AND "t0"."mark" IN ('pooled', 'pooled_bought')
      AND (
        "t0"."mark" IN ('status', 'control', 'actual', 'pooled', 'pooled_bought')
        OR (
          "t0"."mark" IN ('bounced', 'unsubscribed')
          AND (
            "t0"."day" IS NOT NULL
          )
          AND (
            "t0"."next_day" IS NULL
          )
        )
        OR (
          NOT (
            "t0"."mark" IN ('bounced', 'unsubscribed')
          )
          AND NOT (
            "t0"."mark" IN ('status', 'control', 'actual', 'pooled', 'pooled_bought')
          )
          AND (
            "t0"."day" IS NOT NULL
          )
          AND (
            "t0"."prev_day" IS NULL
          )
        )
      )
  ) AS "t1"
  GROUP BY
    1,
    2,
    3
) AS "t2"
WHERE
  "t2"."customers" <> 0;
