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
