-- ===== credit_policy_compliance_rate defaults grouped by nothing =====
-- credit: clean, decisions
SELECT
  "t6"."as_of",
  COUNT("t6"."as_of") FILTER(WHERE
    NOT (
      "t6"."exception"
    )) AS "clean",
  COUNT("t6"."as_of") AS "decisions"
FROM (
  SELECT
    "t5"."as_of",
    "t5"."at",
    "t4"."customer_id",
    CAST(EXTRACT(epoch FROM CAST("t4"."decided_on" AS TIMESTAMP) - CAST("t4"."applied_on" AS TIMESTAMP)) / 86400 AS BIGINT) AS "days",
    "t4"."policy_exception" AS "exception"
  FROM (
    SELECT
      *
    FROM "ledger_creditdecision" AS "t0"
  ) AS "t4"
  INNER JOIN (
    SELECT
      "t1"."as_of",
      "t1"."as_of" AS "at",
      "t1"."period_from"
    FROM "_points" AS "t1"
  ) AS "t5"
    ON "t4"."decided_on" >= "t5"."period_from" AND "t4"."decided_on" <= "t5"."as_of"
) AS "t6"
GROUP BY
  1

-- ===== credit_policy_compliance_rate defaults grouped by team =====
-- refused: metric credit_policy_compliance_rate cannot be grouped or filtered by 'team' (it allows: segment, country)

