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
  `t1`.`mailing_id`,
  `t1`.`day` AS `date`,
  `t1`.`stage`,
  SUM(`t1`.`customers`) AS `customers`
FROM (
  SELECT
    `t0`.`mailing_id`,
    `t0`.`status`,
    `t0`.`group`,
    `t0`.`variant_id`,
    CASE `t0`.`stage`
      WHEN 'sent'
      THEN 'sent'
      WHEN 'delivered'
      THEN 'delivered'
      WHEN 'opened_all'
      THEN 'opened'
      WHEN 'clicked_all'
      THEN 'clicked'
      ELSE `t0`.`stage`
    END AS `stage`,
    `t0`.`day`,
    `t0`.`customers`
  FROM `reach_counts` AS `t0`
  WHERE
    `t0`.`mailing_id` IN ('M1')
    AND `t0`.`stage` IN ('sent', 'delivered', 'opened_all', 'clicked_all')
    AND `t0`.`day` IS NOT NULL
    AND `t0`.`day` >= MAKE_DATE(2026, 7, 1)
    AND `t0`.`day` <= MAKE_DATE(2026, 7, 7)
) AS `t1`
GROUP BY
  1,
  2,
  3;

SELECT
  *
FROM (
  SELECT
    `t5`.`step`,
    `t5`.`date`,
    `t5`.`customers`
  FROM (
    SELECT
      `t3`.`mailing_id`,
      `t3`.`step`,
      `t3`.`day` AS `date`,
      SUM(`t3`.`customers`) AS `customers`
    FROM (
      SELECT
        `t0`.`mailing_id`,
        CASE `t0`.`step`
          WHEN 'ordered'
          THEN 'ordered'
          WHEN 'ordered_after_click_all'
          THEN 'ordered_after_click'
          ELSE `t0`.`step`
        END AS `step`,
        `t0`.`day`,
        `t0`.`prev_day`,
        `t0`.`region`,
        `t0`.`customers`,
        `t0`.`revenue`
      FROM `order_days` AS `t0`
      WHERE
        `t0`.`mailing_id` IN ('M1')
        AND `t0`.`step` IN ('ordered', 'ordered_after_click_all')
        AND `t0`.`day` IS NOT NULL
        AND `t0`.`day` >= MAKE_DATE(2026, 7, 1)
        AND `t0`.`day` <= MAKE_DATE(2026, 7, 7)
        AND (
          (
            `t0`.`prev_day` IS NULL
          ) OR (
            `t0`.`prev_day` < MAKE_DATE(2026, 7, 1)
          )
        )
    ) AS `t3`
    GROUP BY
      1,
      2,
      3
  ) AS `t5`
) AS `t7`
UNION ALL
SELECT
  *
FROM (
  SELECT
    `t4`.`type` AS `step`,
    CAST(NULL AS DATE) AS `date`,
    `t4`.`customers`
  FROM (
    SELECT
      `t2`.`type`,
      COUNT(DISTINCT `t2`.`customer_id`) AS `customers`
    FROM (
      SELECT
        *
      FROM `complaints` AS `t1`
      WHERE
        `t1`.`mailing_id` IN ('M1')
        AND `t1`.`day` IS NOT NULL
        AND `t1`.`day` >= MAKE_DATE(2026, 7, 1)
        AND `t1`.`day` <= MAKE_DATE(2026, 7, 7)
    ) AS `t2`
    GROUP BY
      1
  ) AS `t4`
) AS `t6`;
