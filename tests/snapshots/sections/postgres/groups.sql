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
  "t1"."group",
  "t1"."variant_id",
  SUM("t1"."customers") FILTER(WHERE
    "t1"."stage" = 'audience') AS "assigned",
  SUM("t1"."customers") FILTER(WHERE
    "t1"."stage" = 'sent') AS "sent",
  SUM("t1"."customers") FILTER(WHERE
    "t1"."stage" = 'delivered') AS "delivered",
  SUM("t1"."customers") FILTER(WHERE
    "t1"."stage" = 'opened_all') AS "opened",
  SUM("t1"."customers") FILTER(WHERE
    "t1"."stage" = 'clicked_all') AS "clicked"
FROM (
  SELECT
    *
  FROM "reach_counts" AS "t0"
  WHERE
    "t0"."mailing_id" = 'M1'
    AND "t0"."status" = 'good'
    AND (
      (
        "t0"."stage" = 'audience'
      )
      OR (
        "t0"."stage" IN ('sent', 'delivered', 'opened_all', 'clicked_all')
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
      )
    )
) AS "t1"
GROUP BY
  1,
  2;
