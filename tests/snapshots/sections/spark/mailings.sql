SELECT
  `t0`.`mailing_id`,
  SUM(IF(`t0`.`stage` = 'sent', `t0`.`customers`, NULL)) AS `recipients`,
  SUM(IF(`t0`.`stage` = 'delivered', `t0`.`customers`, NULL)) AS `delivered`,
  SUM(IF(`t0`.`stage` = 'opened', `t0`.`customers`, NULL)) AS `opened`,
  SUM(IF(`t0`.`stage` = 'clicked', `t0`.`customers`, NULL)) AS `clicked`
FROM `reach_counts` AS `t0`
GROUP BY
  1;

SELECT
  `t0`.`mailing_id`,
  SUM(`t0`.`total`) AS `revenue`
FROM `attributed_orders` AS `t0`
GROUP BY
  1;

SELECT
  `t0`.`mailing_id`,
  `t0`.`variant_id`
FROM `variants` AS `t0`
ORDER BY
  `t0`.`mailing_id` ASC NULLS LAST,
  `t0`.`variant_id` ASC NULLS LAST;

SELECT
  *
FROM `mailings` AS `t0`
ORDER BY
  `t0`.`sent_at` DESC,
  `t0`.`mailing_id` ASC NULLS LAST;
