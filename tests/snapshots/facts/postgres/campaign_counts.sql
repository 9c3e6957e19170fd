WITH cm AS (
  SELECT
    mailing_id AS campaign_mailing,
    campaign_id,
    channel,
    status
  FROM mailings
  WHERE
    NOT campaign_id IS NULL
), home AS (
  SELECT
    campaign_id,
    MIN(campaign_mailing) AS home
  FROM cm
  GROUP BY
    campaign_id
), r AS (
  SELECT
    cm.campaign_id,
    cm.channel,
    cm.status AS mailing_status,
    t.customer_id,
    t.status,
    t."group",
    t.delivered_at,
    t.sent_day,
    t.delivered_day,
    t.opened_day,
    t.opened_all_day,
    t.clicked_day,
    t.clicked_all_day
  FROM reach_times AS t
  JOIN cm
    ON cm.campaign_mailing = t.mailing_id
  WHERE
    (
      TRUE
    )
), d AS (
  SELECT
    cm.campaign_id,
    t.customer_id,
    t.kind,
    t.machine,
    t.day,
    t.device,
    t.client,
    t.os,
    t.region
  FROM reach_details AS t
  JOIN cm
    ON cm.campaign_mailing = t.mailing_id
  WHERE
    (
      TRUE
    )
), b AS (
  SELECT
    cm.campaign_id,
    cm.channel,
    t.mailing_id,
    t.customer_id,
    t.day,
    t.last_ts,
    t.bounce_class,
    t.reason,
    t.domain
  FROM bounces AS t
  JOIN cm
    ON cm.campaign_mailing = t.mailing_id
  WHERE
    (
      TRUE
    )
), k AS (
  SELECT
    cm.campaign_id,
    cm.channel,
    t.mailing_id,
    t.customer_id,
    t.type,
    t.day,
    t.reason,
    t.domain
  FROM complaints AS t
  JOIN cm
    ON cm.campaign_mailing = t.mailing_id
  WHERE
    (
      TRUE
    )
), firsts AS (
  SELECT DISTINCT
    campaign_id,
    customer_id,
    mark,
    name,
    day
  FROM (
    SELECT
      campaign_id,
      customer_id,
      'sent' AS mark,
      CAST(NULL AS TEXT) AS name,
      sent_day AS day
    FROM r
    WHERE
      NOT sent_day IS NULL
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      'delivered' AS mark,
      CAST(NULL AS TEXT) AS name,
      delivered_day AS day
    FROM r
    WHERE
      NOT delivered_day IS NULL
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      'opened' AS mark,
      CAST(NULL AS TEXT) AS name,
      opened_day AS day
    FROM r
    WHERE
      NOT opened_day IS NULL AND channel <> 'sms'
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      'opened_all' AS mark,
      CAST(NULL AS TEXT) AS name,
      opened_all_day AS day
    FROM r
    WHERE
      NOT opened_all_day IS NULL AND channel <> 'sms'
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      'clicked' AS mark,
      CAST(NULL AS TEXT) AS name,
      clicked_day AS day
    FROM r
    WHERE
      NOT clicked_day IS NULL
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      'clicked_all' AS mark,
      CAST(NULL AS TEXT) AS name,
      clicked_all_day AS day
    FROM r
    WHERE
      NOT clicked_all_day IS NULL
    UNION ALL
    SELECT
      r.campaign_id,
      r.customer_id,
      'email_sent',
      CASE
        WHEN POSITION('@' IN c.email) > 0
        THEN NULLIF(LOWER(REVERSE(SPLIT_PART(REVERSE(c.email), '@', 1))), '')
      END,
      r.sent_day
    FROM r
    LEFT JOIN customers AS c
      ON c.customer_id = r.customer_id
    WHERE
      r.channel = 'email' AND NOT r.sent_day IS NULL
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      'domain_bounced',
      domain,
      day
    FROM b
    WHERE
      channel = 'email'
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      'domain_spam',
      domain,
      day
    FROM k
    WHERE
      channel = 'email' AND type = 'spam'
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      kind || CASE WHEN machine THEN '_machine' ELSE '' END || '.device' AS mark,
      device AS name,
      day
    FROM d
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      kind || CASE WHEN machine THEN '_machine' ELSE '' END || '.client' AS mark,
      client AS name,
      day
    FROM d
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      kind || CASE WHEN machine THEN '_machine' ELSE '' END || '.os' AS mark,
      os AS name,
      day
    FROM d
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      kind || CASE WHEN machine THEN '_machine' ELSE '' END || '.total' AS mark,
      CAST(NULL AS TEXT) AS name,
      day
    FROM d
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      kind || '.region',
      region,
      day
    FROM d
    WHERE
      NOT machine
  ) AS f
), latest AS (
  SELECT
    campaign_id,
    customer_id,
    mark,
    name,
    detail,
    day
  FROM (
    SELECT
      campaign_id,
      customer_id,
      'bounced' AS mark,
      bounce_class AS name,
      reason AS detail,
      day,
      ROW_NUMBER() OVER (
        PARTITION BY campaign_id, customer_id, day
        ORDER BY last_ts DESC NULLS LAST, mailing_id DESC NULLS LAST
      ) AS n
    FROM b
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      'unsubscribed',
      CAST(NULL AS TEXT),
      reason,
      day,
      ROW_NUMBER() OVER (PARTITION BY campaign_id, customer_id, day ORDER BY mailing_id DESC NULLS LAST)
    FROM k
    WHERE
      type = 'unsubscribed'
  ) AS l
  WHERE
    n = 1
), sent AS (
  SELECT
    campaign_id,
    customer_id,
    status,
    "group",
    delivered_at
  FROM r
  WHERE
    mailing_status = 'sent' AND NOT status IS NULL
), pooled AS (
  SELECT
    campaign_id,
    customer_id,
    CASE
      WHEN MAX(control) = 1 AND MAX(test) = 0
      THEN 'control'
      WHEN MAX(test) = 1 AND MAX(control) = 0
      THEN 'test'
      ELSE 'both'
    END AS pooled_group
  FROM (
    SELECT
      campaign_id,
      customer_id,
      CASE WHEN "group" = 'control' THEN 1 ELSE 0 END AS control,
      CASE WHEN "group" = 'test' THEN 1 ELSE 0 END AS test
    FROM sent
    WHERE
      status = 'good'
  ) AS g
  GROUP BY
    campaign_id,
    customer_id
), bought AS (
  SELECT
    campaign_id,
    customer_id,
    COUNT(*) AS orders,
    SUM(total) AS revenue
  FROM (
    SELECT DISTINCT
      cm.campaign_id,
      w.customer_id,
      w.order_id,
      w.total
    FROM window_orders AS w
    JOIN cm
      ON cm.campaign_mailing = w.mailing_id
    WHERE
      cm.status = 'sent' AND (
        TRUE
      )
  ) AS o
  GROUP BY
    campaign_id,
    customer_id
), marks AS (
  SELECT
    campaign_id,
    mark,
    name,
    CAST(NULL AS TEXT) AS detail,
    day,
    LAG(day) OVER (PARTITION BY campaign_id, customer_id, mark, name ORDER BY day) AS prev_day,
    CAST(NULL AS DATE) AS next_day,
    1 AS customers,
    0 AS orders,
    CAST(0 AS DECIMAL(18, 2)) AS revenue,
    CAST(0 AS DECIMAL(38, 4)) AS revenue_sq
  FROM firsts
  UNION ALL
  SELECT
    campaign_id,
    mark,
    name,
    detail,
    day,
    CAST(NULL AS DATE),
    LEAD(day) OVER (PARTITION BY campaign_id, customer_id, mark ORDER BY day),
    1,
    0,
    CAST(0 AS DECIMAL(18, 2)),
    CAST(0 AS DECIMAL(38, 4))
  FROM latest
  UNION ALL
  SELECT
    campaign_id,
    mark,
    name,
    CAST(NULL AS TEXT),
    CAST(NULL AS DATE),
    CAST(NULL AS DATE),
    CAST(NULL AS DATE),
    1,
    0,
    CAST(0 AS DECIMAL(18, 2)),
    CAST(0 AS DECIMAL(38, 4))
  FROM (
    SELECT DISTINCT
      campaign_id,
      customer_id,
      'status' AS mark,
      status AS name
    FROM sent
    UNION ALL
    SELECT DISTINCT
      campaign_id,
      customer_id,
      'control',
      CAST(NULL AS TEXT)
    FROM sent
    WHERE
      "group" = 'control'
    UNION ALL
    SELECT DISTINCT
      campaign_id,
      customer_id,
      'actual',
      CAST(NULL AS TEXT)
    FROM sent
    WHERE
      "group" = 'test' AND NOT delivered_at IS NULL
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      'pooled',
      pooled_group
    FROM pooled
  ) AS t
  UNION ALL
  SELECT
    p.campaign_id,
    'pooled_bought',
    p.pooled_group,
    CAST(NULL AS TEXT),
    CAST(NULL AS DATE),
    CAST(NULL AS DATE),
    CAST(NULL AS DATE),
    1,
    o.orders,
    CAST(o.revenue AS DECIMAL(18, 2)),
    CAST(o.revenue * o.revenue AS DECIMAL(38, 4))
  FROM pooled AS p
  JOIN bought AS o
    ON o.campaign_id = p.campaign_id AND o.customer_id = p.customer_id
)
SELECT
  h.home AS mailing_id,
  x.campaign_id,
  x.mark,
  x.name,
  x.detail,
  x.day,
  x.prev_day,
  x.next_day,
  CAST(SUM(x.customers) AS BIGINT) AS customers,
  CAST(SUM(x.orders) AS BIGINT) AS orders,
  CAST(SUM(x.revenue) AS DECIMAL(18, 2)) AS revenue,
  CAST(SUM(x.revenue_sq) AS DECIMAL(38, 4)) AS revenue_sq
FROM marks AS x
JOIN home AS h
  ON h.campaign_id = x.campaign_id
GROUP BY
  h.home,
  x.campaign_id,
  x.mark,
  x.name,
  x.detail,
  x.day,
  x.prev_day,
  x.next_day
ORDER BY
  mailing_id
