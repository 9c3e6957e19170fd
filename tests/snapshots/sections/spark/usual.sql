SELECT
  *
FROM `mailings` AS `t0`
WHERE
  `t0`.`mailing_id` = 'M1';

SELECT
  `t0`.`variant_id`
FROM `variants` AS `t0`
WHERE
  `t0`.`mailing_id` = 'M1'
ORDER BY
  `t0`.`variant_id` ASC NULLS LAST;

SELECT
  *
FROM `mailings` AS `t0`
WHERE
  `t0`.`channel` = 'email'
  AND `t0`.`status` = 'sent'
  AND `t0`.`sent_at` IS NOT NULL
  AND (
    (
      `t0`.`sent_at` < CAST('2026-07-01T09:00:00' AS TIMESTAMP)
    )
    OR (
      (
        `t0`.`sent_at` = CAST('2026-07-01T09:00:00' AS TIMESTAMP)
      )
      AND (
        `t0`.`mailing_id` < 'M1'
      )
    )
  )
ORDER BY
  `t0`.`sent_at` DESC,
  `t0`.`mailing_id` DESC
LIMIT 10;

SELECT
  `t4`.`mailing_id`,
  SUM(`t4`.`recipients`) AS `recipients`,
  SUM(`t4`.`delivered`) AS `delivered`,
  SUM(`t4`.`opened`) AS `opened`,
  SUM(`t4`.`clicked`) AS `clicked`,
  SUM(`t4`.`buyers`) AS `buyers`,
  SUM(`t4`.`revenue`) AS `revenue`
FROM (
  SELECT
    *
  FROM (
    SELECT
      `t0`.`mailing_id`,
      IF(`t0`.`stage` = 'sent', `t0`.`customers`, 0) AS `recipients`,
      IF(`t0`.`stage` = 'delivered', `t0`.`customers`, 0) AS `delivered`,
      IF(`t0`.`stage` = 'opened', `t0`.`customers`, 0) AS `opened`,
      IF(`t0`.`stage` = 'clicked', `t0`.`customers`, 0) AS `clicked`,
      0 AS `buyers`,
      CAST('0.00' AS DECIMAL(38, 2)) AS `revenue`
    FROM `reach_counts` AS `t0`
    WHERE
      `t0`.`stage` IN ('sent', 'delivered', 'opened', 'clicked')
      AND `t0`.`mailing_id` IN ('M1')
  ) AS `t2`
  UNION ALL
  SELECT
    *
  FROM (
    SELECT
      `t1`.`mailing_id`,
      0 AS `recipients`,
      0 AS `delivered`,
      0 AS `opened`,
      0 AS `clicked`,
      IF(`t1`.`prev_day` IS NULL, `t1`.`customers`, 0) AS `buyers`,
      `t1`.`revenue`
    FROM `order_days` AS `t1`
    WHERE
      `t1`.`step` = 'ordered' AND `t1`.`mailing_id` IN ('M1')
  ) AS `t3`
) AS `t4`
GROUP BY
  1;
