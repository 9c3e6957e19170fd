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
  SELECT
    campaign_id,
    customer_id,
    mark,
    CAST(NULL AS TEXT) AS name,
    day
  FROM (
    SELECT
      r.campaign_id,
      r.customer_id,
      s.mark,
      CASE
        WHEN s.mark = 'sent'
        THEN r.sent_day
        WHEN s.mark = 'delivered'
        THEN r.delivered_day
        WHEN s.mark = 'opened' AND r.channel <> 'sms'
        THEN r.opened_day
        WHEN s.mark = 'opened_all' AND r.channel <> 'sms'
        THEN r.opened_all_day
        WHEN s.mark = 'clicked'
        THEN r.clicked_day
        WHEN s.mark = 'clicked_all'
        THEN r.clicked_all_day
      END AS day
    FROM r
    CROSS JOIN (VALUES
      ('sent'),
      ('delivered'),
      ('opened'),
      ('opened_all'),
      ('clicked'),
      ('clicked_all')) AS s(mark)
  ) AS st
  WHERE
    NOT day IS NULL
  UNION ALL
  SELECT
    r.campaign_id,
    r.customer_id,
    'email_sent',
    CASE
      WHEN STRPOS(c.email, '@') > 0
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
    d.campaign_id,
    d.customer_id,
    d.kind || CASE WHEN d.machine THEN '_machine' ELSE '' END || '.' || s.dim,
    CASE
      WHEN s.dim = 'device'
      THEN d.device
      WHEN s.dim = 'client'
      THEN d.client
      WHEN s.dim = 'os'
      THEN d.os
    END,
    d.day
  FROM d
  CROSS JOIN (VALUES
    ('device'),
    ('client'),
    ('os'),
    ('total')) AS s(dim)
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
      ROW_NUMBER() OVER (PARTITION BY campaign_id, customer_id, day ORDER BY last_ts DESC, mailing_id DESC) AS n
    FROM b
    UNION ALL
    SELECT
      campaign_id,
      customer_id,
      'unsubscribed',
      CAST(NULL AS TEXT),
      reason,
      day,
      ROW_NUMBER() OVER (PARTITION BY campaign_id, customer_id, day ORDER BY mailing_id DESC)
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
), flags AS (
  SELECT
    campaign_id,
    customer_id,
    MAX(CASE WHEN status = 'good' THEN 1 ELSE 0 END) AS status_good,
    MAX(CASE WHEN status = 'address_issue' THEN 1 ELSE 0 END) AS status_address_issue,
    MAX(CASE WHEN status = 'unsubscribed_channel' THEN 1 ELSE 0 END) AS status_unsubscribed_channel,
    MAX(CASE WHEN status = 'unsubscribed_category' THEN 1 ELSE 0 END) AS status_unsubscribed_category,
    MAX(CASE WHEN status = 'blocked_by_policy' THEN 1 ELSE 0 END) AS status_blocked_by_policy,
    MAX(CASE WHEN "group" = 'control' THEN 1 ELSE 0 END) AS control,
    MAX(CASE WHEN "group" = 'test' AND NOT delivered_at IS NULL THEN 1 ELSE 0 END) AS actual,
    MAX(CASE WHEN "group" = 'test' THEN 1 ELSE 0 END) AS test
  FROM sent
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
    prev_day,
    CAST(NULL AS DATE) AS next_day,
    1 AS customers,
    0 AS orders,
    CAST(0 AS DECIMAL(18, 2)) AS revenue,
    CAST(0 AS DECIMAL(38, 4)) AS revenue_sq
  FROM (
    SELECT
      campaign_id,
      mark,
      name,
      day,
      LAG(day) OVER (PARTITION BY campaign_id, customer_id, mark, name ORDER BY day) AS prev_day
    FROM firsts
  ) AS f
  WHERE
    prev_day IS NULL OR prev_day <> day
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
    f.campaign_id,
    v.mark,
    CASE
      WHEN NOT v.flag IS NULL
      THEN v.name
      WHEN f.control = 1 AND f.test = 0
      THEN 'control'
      WHEN f.test = 1 AND f.control = 0
      THEN 'test'
      ELSE 'both'
    END,
    CAST(NULL AS TEXT),
    CAST(NULL AS DATE),
    CAST(NULL AS DATE),
    CAST(NULL AS DATE),
    1,
    CASE WHEN v.mark = 'pooled_bought' THEN o.orders ELSE 0 END,
    CASE
      WHEN v.mark = 'pooled_bought'
      THEN CAST(o.revenue AS DECIMAL(18, 2))
      ELSE CAST(0 AS DECIMAL(18, 2))
    END,
    CASE
      WHEN v.mark = 'pooled_bought'
      THEN CAST(o.revenue * o.revenue AS DECIMAL(38, 4))
      ELSE CAST(0 AS DECIMAL(38, 4))
    END
  FROM flags AS f
  LEFT JOIN bought AS o
    ON o.campaign_id = f.campaign_id AND o.customer_id = f.customer_id
  CROSS JOIN (VALUES
    (0, 'status', 'good'),
    (1, 'status', 'address_issue'),
    (2, 'status', 'unsubscribed_channel'),
    (3, 'status', 'unsubscribed_category'),
    (4, 'status', 'blocked_by_policy'),
    (5, 'control', NULL),
    (6, 'actual', NULL),
    (NULL, 'pooled', NULL),
    (NULL, 'pooled_bought', NULL)) AS v(flag, mark, name)
  WHERE
    CASE v.flag
      WHEN 0
      THEN f.status_good
      WHEN 1
      THEN f.status_address_issue
      WHEN 2
      THEN f.status_unsubscribed_channel
      WHEN 3
      THEN f.status_unsubscribed_category
      WHEN 4
      THEN f.status_blocked_by_policy
      WHEN 5
      THEN f.control
      WHEN 6
      THEN f.actual
    END = 1
    OR (
      v.flag IS NULL
      AND f.status_good = 1
      AND (
        v.mark = 'pooled' OR NOT o.customer_id IS NULL
      )
    )
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
