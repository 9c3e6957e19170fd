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
