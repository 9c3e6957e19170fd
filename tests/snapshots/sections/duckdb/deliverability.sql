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
  *
FROM (
  SELECT
    *
  FROM (
    SELECT
      'bounced' AS "kind",
      "t19"."bounce_class",
      "t19"."reason",
      "t19"."domain",
      "t19"."customers"
    FROM (
      SELECT
        "t17"."bounce_class",
        "t17"."reason",
        "t17"."domain",
        COUNT(*) AS "customers"
      FROM (
        SELECT
          "t15".*
          EXCLUDE ("_latest")
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t6"."mailing_id",
              "t6"."customer_id",
              "t6"."day",
              "t6"."last_ts",
              "t6"."variant_id",
              "t6"."bounce_class",
              "t6"."reason",
              "t6"."domain",
              "t6"."events",
              ROW_NUMBER() OVER (
                PARTITION BY "t6"."customer_id"
                ORDER BY "t6"."last_ts" DESC, "t6"."mailing_id" DESC
                ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
              ) - 1 AS "_latest"
            FROM (
              SELECT
                *
              FROM "bounces" AS "t2"
              WHERE
                "t2"."mailing_id" IN ('M1')
                AND "t2"."day" IS NOT NULL
                AND "t2"."day" >= MAKE_DATE(2026, 7, 1)
                AND "t2"."day" <= MAKE_DATE(2026, 7, 7)
            ) AS "t6"
          ) AS "t12"
          WHERE
            "t12"."_latest" = 0
        ) AS "t15"
      ) AS "t17"
      GROUP BY
        1,
        2,
        3
    ) AS "t19"
  ) AS "t21"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t20"."type" AS "kind",
      CAST(NULL AS TEXT) AS "bounce_class",
      "t20"."reason",
      "t20"."domain",
      "t20"."customers"
    FROM (
      SELECT
        "t18"."type",
        "t18"."reason",
        "t18"."domain",
        COUNT(*) AS "customers"
      FROM (
        SELECT
          "t16".*
          EXCLUDE ("_latest")
        FROM (
          SELECT
            *
          FROM (
            SELECT
              "t7"."mailing_id",
              "t7"."customer_id",
              "t7"."type",
              "t7"."day",
              "t7"."first_ts",
              "t7"."variant_id",
              "t7"."events",
              "t7"."reason",
              "t7"."domain",
              ROW_NUMBER() OVER (
                PARTITION BY "t7"."customer_id", "t7"."type"
                ORDER BY "t7"."day" DESC
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
            ) AS "t7"
          ) AS "t13"
          WHERE
            "t13"."_latest" = 0
        ) AS "t16"
      ) AS "t18"
      GROUP BY
        1,
        2,
        3
    ) AS "t20"
  ) AS "t22"
) AS "t23"
UNION ALL
SELECT
  *
FROM (
  SELECT
    *
  FROM (
    SELECT
      'domain_sent' AS "kind",
      CAST(NULL AS TEXT) AS "bounce_class",
      CAST(NULL AS TEXT) AS "reason",
      "t8"."domain",
      "t8"."customers"
    FROM (
      SELECT
        "t4"."domain",
        SUM("t4"."customers") AS "customers"
      FROM (
        SELECT
          *
        FROM "domain_sent" AS "t0"
        WHERE
          "t0"."mailing_id" IN ('M1')
          AND "t0"."day" IS NOT NULL
          AND "t0"."day" >= MAKE_DATE(2026, 7, 1)
          AND "t0"."day" <= MAKE_DATE(2026, 7, 7)
      ) AS "t4"
      GROUP BY
        1
    ) AS "t8"
  ) AS "t10"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      'sent' AS "kind",
      CAST(NULL AS TEXT) AS "bounce_class",
      CAST(NULL AS TEXT) AS "reason",
      CAST(NULL AS TEXT) AS "domain",
      "t9"."customers"
    FROM (
      SELECT
        SUM("t5"."customers") AS "customers"
      FROM (
        SELECT
          *
        FROM "reach_counts" AS "t1"
        WHERE
          "t1"."mailing_id" IN ('M1')
          AND "t1"."stage" = 'sent'
          AND "t1"."day" IS NOT NULL
          AND "t1"."day" >= MAKE_DATE(2026, 7, 1)
          AND "t1"."day" <= MAKE_DATE(2026, 7, 7)
      ) AS "t5"
    ) AS "t9"
  ) AS "t11"
) AS "t14";
