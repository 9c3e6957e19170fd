SELECT
  p.mailing_id,
  p.customer_id,
  p.kind,
  p.machine,
  p.day,
  COALESCE(u.device, 'unknown') AS device,
  COALESCE(u.client, 'unknown') AS client,
  COALESCE(u.os, 'unknown') AS os,
  COALESCE(c.region, 'unknown') AS region
FROM (
  SELECT
    k.mailing_id,
    k.customer_id,
    k.kind,
    k.machine,
    k.day,
    MIN(COALESCE(e.user_agent, '')) AS user_agent
  FROM (
    SELECT
      r.mailing_id,
      r.customer_id,
      s.kind,
      s.machine,
      s.stage,
      CASE s.k
        WHEN 0
        THEN r.opened_at
        WHEN 1
        THEN r.clicked_at
        WHEN 2
        THEN r.opened_at_all
        WHEN 3
        THEN r.clicked_at_all
      END AS at,
      CASE s.k
        WHEN 0
        THEN r.opened_day
        WHEN 1
        THEN r.clicked_day
        WHEN 2
        THEN r.opened_all_day
        WHEN 3
        THEN r.clicked_all_day
      END AS day
    FROM (
      SELECT
        *
      FROM reach_times
      WHERE
        (
          TRUE
        ) AND NOT opened_at_all IS NULL
    ) AS r
    CROSS JOIN (VALUES
      (0, 'opened', FALSE, 3),
      (1, 'clicked', FALSE, 4),
      (2, 'opened', TRUE, 3),
      (3, 'clicked', TRUE, 4)) AS s(k, kind, machine, stage)
  ) AS k
  JOIN (
    SELECT
      mailing_id,
      customer_id,
      type,
      ts,
      user_agent,
      COALESCE(is_machine, FALSE) AS is_machine
    FROM events AS e
    WHERE
      type IN ('opened', 'clicked') AND (
        TRUE
      )
  ) AS e
    ON e.mailing_id = k.mailing_id
    AND e.customer_id = k.customer_id
    AND e.ts = k.at
    AND CASE e.type
      WHEN 'sent'
      THEN 1
      WHEN 'delivered'
      THEN 2
      WHEN 'opened'
      THEN 3
      WHEN 'clicked'
      THEN 4
    END >= k.stage
  WHERE
    NOT k.at IS NULL AND (
      k.machine OR NOT e.is_machine
    )
  GROUP BY
    k.mailing_id,
    k.customer_id,
    k.kind,
    k.machine,
    k.day /* a machine row: every event at that instant was a machine's */
  HAVING
    NOT k.machine OR MIN(CASE WHEN e.is_machine THEN 1 ELSE 0 END) = 1
) AS p
LEFT JOIN user_agents AS u
  ON u.user_agent = p.user_agent
LEFT JOIN customers AS c
  ON c.customer_id = p.customer_id
ORDER BY
  p.mailing_id,
  p.customer_id
