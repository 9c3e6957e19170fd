WITH ev AS (
  SELECT
    e.mailing_id,
    e.customer_id,
    e.variant_id,
    e.ts,
    CASE e.type
      WHEN 'sent'
      THEN 1
      WHEN 'delivered'
      THEN 2
      WHEN 'opened'
      THEN 3
      WHEN 'clicked'
      THEN 4
    END AS stage,
    COALESCE(e.is_machine, FALSE) AS is_machine
  FROM events AS e
  WHERE
    e.type IN ('sent', 'delivered', 'opened', 'clicked') AND (
      TRUE
    )
), agg AS (
  SELECT
    mailing_id,
    customer_id,
    MIN(variant_id) AS event_variant,
    MIN(ts) AS sent_at_all,
    MIN(ts) FILTER(WHERE
      stage >= 2) AS delivered_at_all,
    MIN(ts) FILTER(WHERE
      stage >= 3) AS opened_at_all,
    MIN(ts) FILTER(WHERE
      stage >= 4) AS clicked_at_all,
    MIN(ts) /* a machine event is evidence of delivery only (DESIGN.md) */ FILTER(WHERE
      stage >= 3 AND NOT is_machine) AS opened_at,
    MIN(ts) FILTER(WHERE
      stage >= 4 AND NOT is_machine) AS clicked_at
  FROM ev
  GROUP BY
    mailing_id,
    customer_id
), aud AS (
  SELECT
    mailing_id,
    customer_id,
    status,
    "group",
    variant_id
  FROM audience
  WHERE
    (
      TRUE
    )
), ga AS (
  SELECT
    g.*,
    c.timezone
  FROM agg AS g
  LEFT JOIN customers AS c
    ON c.customer_id = g.customer_id
), aa AS (
  SELECT
    a.*,
    c.timezone
  FROM aud AS a
  LEFT JOIN customers AS c
    ON c.customer_id = a.customer_id
), r AS (
  SELECT
    COALESCE(a.mailing_id, g.mailing_id) AS mailing_id,
    COALESCE(a.customer_id, g.customer_id) AS customer_id,
    a.status,
    CASE WHEN a.status = 'good' THEN COALESCE(a."group", 'test') END AS "group", /* a good recipient of a mailing without a control group is in the test group */
    CASE
      WHEN a."group" = 'control' AND g.customer_id IS NULL
      THEN NULL
      ELSE COALESCE(a.variant_id, g.event_variant, 'A')
    END AS variant_id, /* a control customer was sent nothing: a variant only if events say so */
    g.sent_at_all AS sent_at,
    g.delivered_at_all AS delivered_at,
    g.opened_at,
    g.clicked_at,
    g.sent_at_all,
    g.delivered_at_all,
    g.opened_at_all,
    g.clicked_at_all,
    COALESCE(a.timezone, g.timezone, 'UTC') AS zone
  FROM aa AS a
  FULL OUTER JOIN ga AS g
    ON a.mailing_id = g.mailing_id AND a.customer_id = g.customer_id
), z AS (
  SELECT
    r.*,
    CASE
      WHEN r."group" = 'control'
      THEN NULL
      ELSE CASE m.channel
        WHEN 'email'
        THEN r.opened_at
        WHEN 'sms'
        THEN r.delivered_at
        WHEN 'push'
        THEN r.opened_at
      END
    END AS touch_at
  FROM r
  JOIN mailings AS m
    ON m.mailing_id = r.mailing_id
), l AS (
  SELECT
    z.*,
    TIMEZONE(zone, CAST(opened_at AS TIMESTAMPTZ)) AS o_local,
    TIMEZONE(zone, CAST(opened_at_all AS TIMESTAMPTZ)) AS oa_local,
    TIMEZONE('UTC', CAST(opened_at AS TIMESTAMPTZ)) AS o_co,
    TIMEZONE('UTC', CAST(opened_at_all AS TIMESTAMPTZ)) AS oa_co
  FROM z
)
SELECT
  "mailing_id",
  "customer_id",
  "status",
  "group",
  "variant_id",
  "sent_at",
  "delivered_at",
  "opened_at",
  "clicked_at",
  "sent_at_all",
  "delivered_at_all",
  "opened_at_all",
  "clicked_at_all",
  "touch_at",
  "zone",
  CAST(TIMEZONE('UTC', CAST(sent_at AS TIMESTAMPTZ)) AS DATE) AS sent_day,
  CAST(TIMEZONE('UTC', CAST(delivered_at AS TIMESTAMPTZ)) AS DATE) AS delivered_day,
  CAST(o_co AS DATE) AS opened_day,
  CAST(TIMEZONE('UTC', CAST(clicked_at AS TIMESTAMPTZ)) AS DATE) AS clicked_day,
  CAST(oa_co AS DATE) AS opened_all_day,
  CAST(TIMEZONE('UTC', CAST(clicked_at_all AS TIMESTAMPTZ)) AS DATE) AS clicked_all_day,
  CAST(EXTRACT(HOUR FROM o_local) AS BIGINT) AS open_hour,
  CAST(EXTRACT(ISODOW FROM o_local) AS BIGINT) - 1 AS open_dow,
  CAST(EXTRACT(HOUR FROM oa_local) AS BIGINT) AS open_hour_all,
  CAST(EXTRACT(ISODOW FROM oa_local) AS BIGINT) - 1 AS open_dow_all,
  CAST(EXTRACT(HOUR FROM o_co) AS BIGINT) AS open_hour_co,
  CAST(EXTRACT(ISODOW FROM o_co) AS BIGINT) - 1 AS open_dow_co,
  CAST(EXTRACT(HOUR FROM oa_co) AS BIGINT) AS open_hour_co_all,
  CAST(EXTRACT(ISODOW FROM oa_co) AS BIGINT) - 1 AS open_dow_co_all
FROM l
ORDER BY
  mailing_id,
  customer_id
