-- ===== credit_approval_days defaults grouped by nothing =====
-- credit: decision_days, decisions
SELECT
  "t6"."as_of",
  COALESCE(SUM("t6"."days"), 0) AS "decision_days",
  COUNT("t6"."as_of") AS "decisions"
FROM (
  SELECT
    "t5"."as_of",
    "t5"."at",
    "t4"."customer_id",
    DATE_DIFF('DAY', "t4"."applied_on", "t4"."decided_on") AS "days",
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

-- ===== credit_approval_days defaults grouped by team =====
-- refused: metric credit_approval_days cannot be grouped or filtered by 'team' (it allows: segment, country)

