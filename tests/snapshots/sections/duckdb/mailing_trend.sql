SELECT
  *
FROM (
  SELECT
    "t8"."mailing_id",
    "t8"."name",
    "t8"."channel",
    "t8"."status",
    "t8"."category",
    "t8"."campaign_id",
    "t8"."sent_at",
    "t8"."control_share",
    "t8"."total",
    "t10"."recipients",
    "t10"."delivered",
    "t10"."opened",
    "t10"."clicked",
    "t10"."buyers",
    "t10"."revenue"
  FROM (
    SELECT
      "t3"."mailing_id",
      "t3"."name",
      "t3"."channel",
      "t3"."status",
      "t3"."category",
      "t3"."campaign_id",
      "t3"."sent_at",
      "t3"."control_share",
      COUNT("t3"."mailing_id") OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS "total"
    FROM (
      SELECT
        *
      FROM "mailings" AS "t0"
      WHERE
        "t0"."channel" = 'email' AND "t0"."sent_at" IS NOT NULL
    ) AS "t3"
  ) AS "t8"
  LEFT OUTER JOIN (
    SELECT
      "t6"."mailing_id",
      SUM("t6"."recipients") AS "recipients",
      SUM("t6"."delivered") AS "delivered",
      SUM("t6"."opened") AS "opened",
      SUM("t6"."clicked") AS "clicked",
      SUM("t6"."buyers") AS "buyers",
      SUM("t6"."revenue") AS "revenue"
    FROM (
      SELECT
        *
      FROM (
        SELECT
          "t1"."mailing_id",
          CASE WHEN "t1"."stage" = 'sent' THEN "t1"."customers" ELSE 0 END AS "recipients",
          CASE WHEN "t1"."stage" = 'delivered' THEN "t1"."customers" ELSE 0 END AS "delivered",
          CASE WHEN "t1"."stage" = 'opened' THEN "t1"."customers" ELSE 0 END AS "opened",
          CASE WHEN "t1"."stage" = 'clicked' THEN "t1"."customers" ELSE 0 END AS "clicked",
          0 AS "buyers",
          CAST(0.00 AS DECIMAL(38, 2)) AS "revenue"
        FROM "reach_counts" AS "t1"
        WHERE
          "t1"."stage" IN ('sent', 'delivered', 'opened', 'clicked')
      ) AS "t4"
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          "t2"."mailing_id",
          0 AS "recipients",
          0 AS "delivered",
          0 AS "opened",
          0 AS "clicked",
          CASE WHEN "t2"."prev_day" IS NULL THEN "t2"."customers" ELSE 0 END AS "buyers",
          "t2"."revenue"
        FROM "order_days" AS "t2"
        WHERE
          "t2"."step" = 'ordered'
      ) AS "t5"
    ) AS "t6"
    GROUP BY
      1
  ) AS "t10"
    ON "t8"."mailing_id" = "t10"."mailing_id"
) AS "t11"
ORDER BY
  "t11"."sent_at" DESC,
  "t11"."mailing_id" DESC
LIMIT 1000;
