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
  `t1`.`status`,
  `t1`.`group`,
  SUM(IF(`t1`.`stage` = 'audience', `t1`.`customers`, NULL)) AS `customers`,
  SUM(IF(`t1`.`stage` = 'delivered', `t1`.`customers`, NULL)) AS `delivered`
FROM (
  SELECT
    *
  FROM `reach_counts` AS `t0`
  WHERE
    `t0`.`mailing_id` IN ('M1')
    AND `t0`.`status` IS NOT NULL
    AND `t0`.`stage` IN ('audience', 'delivered')
) AS `t1`
GROUP BY
  1,
  2;
