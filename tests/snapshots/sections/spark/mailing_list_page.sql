SELECT
  *
FROM (
  SELECT
    `t9`.`mailing_id`,
    `t9`.`name`,
    `t9`.`channel`,
    `t9`.`status`,
    `t9`.`category`,
    `t9`.`campaign_id`,
    `t9`.`sent_at`,
    `t9`.`control_share`,
    `t9`.`total`,
    `t10`.`recipients`,
    `t10`.`delivered`,
    `t10`.`opened`,
    `t10`.`clicked`,
    `t10`.`buyers`,
    `t10`.`revenue`
  FROM (
    SELECT
      `t3`.`mailing_id`,
      `t3`.`name`,
      `t3`.`channel`,
      `t3`.`status`,
      `t3`.`category`,
      `t3`.`campaign_id`,
      `t3`.`sent_at`,
      `t3`.`control_share`,
      COUNT(`t3`.`mailing_id`) OVER (ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS `total`
    FROM (
      SELECT
        *
      FROM `mailings` AS `t0`
      WHERE
        `t0`.`channel` = 'email'
        AND `t0`.`status` = 'sent'
        AND `t0`.`campaign_id` = 'C1'
        AND `t0`.`category` = 'promo'
        AND CONTAINS(LOWER(`t0`.`name`), 'sale')
        AND `t0`.`sent_at` >= CAST('2026-06-01T00:00:00' AS TIMESTAMP)
        AND `t0`.`sent_at` < CAST('2026-07-01T00:00:00' AS TIMESTAMP)
    ) AS `t3`
  ) AS `t9`
  LEFT OUTER JOIN (
    SELECT
      `t6`.`mailing_id`,
      SUM(`t6`.`recipients`) AS `recipients`,
      SUM(`t6`.`delivered`) AS `delivered`,
      SUM(`t6`.`opened`) AS `opened`,
      SUM(`t6`.`clicked`) AS `clicked`,
      SUM(`t6`.`buyers`) AS `buyers`,
      SUM(`t6`.`revenue`) AS `revenue`
    FROM (
      SELECT
        *
      FROM (
        SELECT
          `t1`.`mailing_id`,
          IF(`t1`.`stage` = 'sent', `t1`.`customers`, 0) AS `recipients`,
          IF(`t1`.`stage` = 'delivered', `t1`.`customers`, 0) AS `delivered`,
          IF(`t1`.`stage` = 'opened', `t1`.`customers`, 0) AS `opened`,
          IF(`t1`.`stage` = 'clicked', `t1`.`customers`, 0) AS `clicked`,
          0 AS `buyers`,
          CAST('0.00' AS DECIMAL(38, 2)) AS `revenue`
        FROM `reach_counts` AS `t1`
        WHERE
          `t1`.`stage` IN ('sent', 'delivered', 'opened', 'clicked')
      ) AS `t4`
      UNION ALL
      SELECT
        *
      FROM (
        SELECT
          `t2`.`mailing_id`,
          0 AS `recipients`,
          0 AS `delivered`,
          0 AS `opened`,
          0 AS `clicked`,
          IF(`t2`.`prev_day` IS NULL, `t2`.`customers`, 0) AS `buyers`,
          `t2`.`revenue`
        FROM `order_days` AS `t2`
        WHERE
          `t2`.`step` = 'ordered'
      ) AS `t5`
    ) AS `t6`
    GROUP BY
      1
  ) AS `t10`
    ON `t9`.`mailing_id` = `t10`.`mailing_id`
) AS `t11`
ORDER BY
  IF(
    `t11`.`delivered` > 0,
    CAST(`t11`.`revenue` AS DOUBLE) / CAST(`t11`.`delivered` AS DOUBLE),
    CAST(NULL AS DOUBLE)
  ) IS NULL
  OR ISNAN(
    IF(
      `t11`.`delivered` > 0,
      CAST(`t11`.`revenue` AS DOUBLE) / CAST(`t11`.`delivered` AS DOUBLE),
      CAST(NULL AS DOUBLE)
    )
  ) ASC NULLS LAST,
  IF(
    `t11`.`delivered` > 0,
    CAST(`t11`.`revenue` AS DOUBLE) / CAST(`t11`.`delivered` AS DOUBLE),
    CAST(NULL AS DOUBLE)
  ) ASC NULLS LAST,
  `t11`.`mailing_id` ASC NULLS LAST
LIMIT 50;

SELECT
  COUNT(*) AS `n`
FROM (
  SELECT
    *
  FROM `mailings` AS `t0`
  WHERE
    `t0`.`channel` = 'email'
    AND `t0`.`status` = 'sent'
    AND `t0`.`campaign_id` = 'C1'
    AND `t0`.`category` = 'promo'
    AND CONTAINS(LOWER(`t0`.`name`), 'sale')
    AND `t0`.`sent_at` >= CAST('2026-06-01T00:00:00' AS TIMESTAMP)
    AND `t0`.`sent_at` < CAST('2026-07-01T00:00:00' AS TIMESTAMP)
) AS `t1`;
