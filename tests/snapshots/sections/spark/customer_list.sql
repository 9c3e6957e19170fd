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
  SUM(`t1`.`orders`) AS `orders`,
  SUM(`t1`.`revenue`) AS `revenue`
FROM (
  SELECT
    *
  FROM `buyers` AS `t0`
  WHERE
    `t0`.`mailing_id` = 'M1'
    AND `t0`.`day` IS NOT NULL
    AND `t0`.`day` >= MAKE_DATE(2026, 7, 1)
    AND `t0`.`day` <= MAKE_DATE(2026, 7, 7)
    AND `t0`.`clicked_all_day` IS NOT NULL
    AND `t0`.`clicked_all_day` >= MAKE_DATE(2026, 7, 1)
    AND `t0`.`clicked_all_day` <= MAKE_DATE(2026, 7, 7)
) AS `t1`;

SELECT
  SUM(`t1`.`customers`) AS `n`
FROM (
  SELECT
    *
  FROM `reach_counts` AS `t0`
  WHERE
    `t0`.`mailing_id` = 'M1'
    AND `t0`.`stage` = 'clicked_all'
    AND `t0`.`day` IS NOT NULL
    AND `t0`.`day` >= MAKE_DATE(2026, 7, 1)
    AND `t0`.`day` <= MAKE_DATE(2026, 7, 7)
) AS `t1`;

SELECT
  SUM(`t1`.`customers`) AS `audience`,
  SUM(IF(`t1`.`status` = 'good', `t1`.`customers`, NULL)) AS `customers`
FROM (
  SELECT
    *
  FROM `reach_counts` AS `t0`
  WHERE
    `t0`.`mailing_id` = 'M1'
    AND `t0`.`stage` = 'audience'
    AND `t0`.`status` IS NOT NULL
) AS `t1`;

SELECT
  SUM(`t1`.`orders`) AS `orders`,
  SUM(`t1`.`revenue`) AS `revenue`
FROM (
  SELECT
    *
  FROM `buyers` AS `t0`
  WHERE
    `t0`.`mailing_id` = 'M1'
    AND `t0`.`day` IS NOT NULL
    AND `t0`.`day` >= MAKE_DATE(2026, 7, 1)
    AND `t0`.`day` <= MAKE_DATE(2026, 7, 7)
    AND `t0`.`status` = 'good'
) AS `t1`;

SELECT
  *
FROM (
  SELECT
    `t1`.`customer_id`,
    MIN(`t1`.`clicked_at_all`) AS `reached_at`,
    SUM(`t1`.`orders`) AS `orders`,
    SUM(`t1`.`revenue`) AS `revenue`
  FROM (
    SELECT
      *
    FROM `buyers` AS `t0`
    WHERE
      `t0`.`mailing_id` = 'M1'
      AND `t0`.`day` IS NOT NULL
      AND `t0`.`day` >= MAKE_DATE(2026, 7, 1)
      AND `t0`.`day` <= MAKE_DATE(2026, 7, 7)
      AND `t0`.`clicked_all_day` IS NOT NULL
      AND `t0`.`clicked_all_day` >= MAKE_DATE(2026, 7, 1)
      AND `t0`.`clicked_all_day` <= MAKE_DATE(2026, 7, 7)
  ) AS `t1`
  GROUP BY
    1
) AS `t2`
ORDER BY
  `t2`.`revenue` DESC,
  `t2`.`customer_id` ASC NULLS LAST
LIMIT 50;
