SELECT
  "t0"."mailing_id",
  SUM("t0"."customers") FILTER(WHERE
    "t0"."stage" = 'sent') AS "recipients",
  SUM("t0"."customers") FILTER(WHERE
    "t0"."stage" = 'delivered') AS "delivered",
  SUM("t0"."customers") FILTER(WHERE
    "t0"."stage" = 'opened') AS "opened",
  SUM("t0"."customers") FILTER(WHERE
    "t0"."stage" = 'clicked') AS "clicked"
FROM "reach_counts" AS "t0"
GROUP BY
  1;

SELECT
  "t0"."mailing_id",
  SUM("t0"."total") AS "revenue"
FROM "attributed_orders" AS "t0"
GROUP BY
  1;

SELECT
  "t0"."mailing_id",
  "t0"."variant_id"
FROM "variants" AS "t0"
ORDER BY
  "t0"."mailing_id" ASC,
  "t0"."variant_id" ASC;

SELECT
  *
FROM "mailings" AS "t0"
ORDER BY
  "t0"."sent_at" DESC NULLS LAST,
  "t0"."mailing_id" ASC;
