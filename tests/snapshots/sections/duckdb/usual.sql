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
FROM "mailings" AS "t0"
WHERE
  "t0"."channel" = 'email'
  AND "t0"."status" = 'sent'
  AND "t0"."sent_at" IS NOT NULL
  AND (
    (
      "t0"."sent_at" < MAKE_TIMESTAMP(2026, 7, 1, 9, 0, 0.0)
    )
    OR (
      (
        "t0"."sent_at" = MAKE_TIMESTAMP(2026, 7, 1, 9, 0, 0.0)
      )
      AND (
        "t0"."mailing_id" < 'M1'
      )
    )
  )
ORDER BY
  "t0"."sent_at" DESC,
  "t0"."mailing_id" DESC
LIMIT 10;

SELECT
  "t4"."mailing_id",
  SUM("t4"."recipients") AS "recipients",
  SUM("t4"."delivered") AS "delivered",
  SUM("t4"."opened") AS "opened",
  SUM("t4"."clicked") AS "clicked",
  SUM("t4"."buyers") AS "buyers",
  SUM("t4"."revenue") AS "revenue"
FROM (
  SELECT
    *
  FROM (
    SELECT
      "t0"."mailing_id",
      CASE WHEN "t0"."stage" = 'sent' THEN "t0"."customers" ELSE 0 END AS "recipients",
      CASE WHEN "t0"."stage" = 'delivered' THEN "t0"."customers" ELSE 0 END AS "delivered",
      CASE WHEN "t0"."stage" = 'opened' THEN "t0"."customers" ELSE 0 END AS "opened",
      CASE WHEN "t0"."stage" = 'clicked' THEN "t0"."customers" ELSE 0 END AS "clicked",
      0 AS "buyers",
      CAST(0.00 AS DECIMAL(38, 2)) AS "revenue"
    FROM "reach_counts" AS "t0"
    WHERE
      "t0"."stage" IN ('sent', 'delivered', 'opened', 'clicked')
      AND "t0"."mailing_id" IN ('M1')
  ) AS "t2"
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      "t1"."mailing_id",
      0 AS "recipients",
      0 AS "delivered",
      0 AS "opened",
      0 AS "clicked",
      CASE WHEN "t1"."prev_day" IS NULL THEN "t1"."customers" ELSE 0 END AS "buyers",
      "t1"."revenue"
    FROM "order_days" AS "t1"
    WHERE
      "t1"."step" = 'ordered' AND "t1"."mailing_id" IN ('M1')
  ) AS "t3"
) AS "t4"
GROUP BY
  1;
